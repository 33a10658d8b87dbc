"""The needs-attention worklist: when a message was resolved, by whom, with what note

Revision ID: 0011_attention_resolution
Revises: 0010_feedback
Create Date: 2026-12-02 07:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_attention_resolution"
down_revision: str | None = "0010_feedback"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("resolved_at", sa.DateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("resolved_by", sa.String(320), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("resolution_note", sa.Text(), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_column("resolution_note")
        batch_op.drop_column("resolved_by")
        batch_op.drop_column("resolved_at")
