"""indexes for the daily rules and the automatic-answer cap

Revision ID: 0004_indexes
Revises: 0003_erasures
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004_indexes"
down_revision: str | None = "0003_erasures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbound_messages_to_address_created_at",
        "outbound_messages",
        ["to_address", "created_at"],
    )
    op.create_index("ix_pairings_status", "pairings", ["status"])
    op.create_index("ix_approaches_status", "approaches", ["status"])


def downgrade() -> None:
    op.drop_index("ix_approaches_status", table_name="approaches")
    op.drop_index("ix_pairings_status", table_name="pairings")
    op.drop_index("ix_outbound_messages_to_address_created_at", table_name="outbound_messages")
