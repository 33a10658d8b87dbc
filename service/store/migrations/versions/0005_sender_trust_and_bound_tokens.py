"""sender trust on inbound mail; reply tokens bound to the address they were sent to

Revision ID: 0005_sender_trust
Revises: 0004_indexes
Create Date: 2026-12-01 23:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_sender_trust"
down_revision: str | None = "0004_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sender_trust", sa.String(length=300), nullable=False, server_default="")
        )
    with op.batch_alter_table("reply_tokens", schema=None) as batch_op:
        # NULL for tokens issued before binding: they keep working as before.
        batch_op.add_column(sa.Column("address", sa.String(length=320), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("reply_tokens", schema=None) as batch_op:
        batch_op.drop_column("address")
    with op.batch_alter_table("inbound_messages", schema=None) as batch_op:
        batch_op.drop_column("sender_trust")
