"""Coordinators' corrections: the audit trail of changes made by hand

Revision ID: 0009_corrections
Revises: 0007_pause
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_corrections"
down_revision: str | None = "0007_pause"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("coordinator", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("partner_id", sa.Integer(), nullable=True),
        sa.Column("pairing_id", sa.Integer(), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["people.id"], name=op.f("fk_corrections_person_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["people.id"], name=op.f("fk_corrections_partner_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["pairing_id"], ["pairings.id"], name=op.f("fk_corrections_pairing_id_pairings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corrections")),
    )
    for column in ("person_id", "partner_id", "pairing_id"):
        op.create_index(op.f(f"ix_corrections_{column}"), "corrections", [column], unique=False)


def downgrade() -> None:
    for column in ("person_id", "partner_id", "pairing_id"):
        op.drop_index(op.f(f"ix_corrections_{column}"), table_name="corrections")
    op.drop_table("corrections")
