"""Automatic email keeps to working hours: a retry or a late worker never sends it after
the window ends; it waits for the next window start

Revision ID: 0012_keep_to_hours
Revises: 0011_attention_resolution
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_keep_to_hours"
down_revision: str | None = "0011_attention_resolution"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("keep_to_hours", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_column("keep_to_hours")
