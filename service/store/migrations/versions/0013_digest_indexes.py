"""indexes for the daily digest's look-backs

The digest asks, every day, when the previous digest went out and which messages were
handled since: without these, each question read every stored email and message (their
raw bytes included), a cost that grew with the programme's year.

Revision ID: 0013_digest_indexes
Revises: 0012_keep_to_hours
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_digest_indexes"
down_revision: str | None = "0012_keep_to_hours"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_outbound_messages_template_created_at",
        "outbound_messages",
        ["template", "created_at"],
    )
    op.create_index("ix_inbound_messages_processed_at", "inbound_messages", ["processed_at"])


def downgrade() -> None:
    op.drop_index("ix_inbound_messages_processed_at", table_name="inbound_messages")
    op.drop_index("ix_outbound_messages_template_created_at", table_name="outbound_messages")
