"""Where an erasure is finished once the person's last emails have left: the stored raw
mail that mentions them is blanked and the terms that found it are forgotten, in one
transaction with its audit event. `service.privacy.finish_erasures` decides when.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, update

from service.store.database import Database
from service.store.orm import audit_events, erasures, inbound_messages, outbound_messages
from service.store.records import InboundStatus, Tombstone
from service.store.repository import UNSENT, tombstone

Mentions = Callable[[bytes], bool]


class ErasureRecords:
    def __init__(self, db: Database) -> None:
        self.db = db

    def pending(self) -> list[Tombstone]:
        """Erasures whose mail is not yet gone from the mailbox, oldest first."""
        e = erasures.c
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(e.id, e.person_id, e.salt, e.address_hash, e.pending_terms, e.created_at)
                .where(e.pending_terms.is_not(None))
                .order_by(e.id)
            ).all()
        return [tombstone(*row) for row in rows]

    def finish(
        self,
        erasure: Tombstone,
        erased_address: str,
        mentions: Mentions,
        now: datetime,
        action: str,
        detail: dict[str, Any],
    ) -> None:
        """Blank what mentions them, forget the terms (the salted hash stays) and record
        the audit event, all at once."""
        terms = erasure.pending_terms or ()
        with self.db.engine.begin() as conn:
            for table in (inbound_messages, outbound_messages):
                _blank(conn, table, mentions)
            o = outbound_messages.c
            conn.execute(
                update(outbound_messages)
                .where(func.lower(o.to_address) == (terms[0] if terms else ""))
                .values(to_address=erased_address, last_error="")
            )
            conn.execute(
                update(erasures)
                .where(erasures.c.id == erasure.id)
                .values(pending_terms=None, mail_erased_at=now)
            )
            conn.execute(
                insert(audit_events).values(
                    at=now,
                    actor="system",
                    action=action,
                    subject=f"person:{erasure.person_id}",
                    detail=detail,
                )
            )

    def forget_freed_pages(self) -> None:
        """On SQLite, old page images in the write-ahead log still hold what was blanked."""
        if self.db.engine.dialect.name == "sqlite":
            with self.db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _blank(conn: Connection, table: Table, mentions: Mentions) -> None:
    """Blank every settled raw message in `table` (any person's) that mentions them."""
    if table is inbound_messages:
        settled = table.c.status != InboundStatus.STORED
    else:
        settled = table.c.status.not_in(UNSENT)
    rows = conn.execute(
        select(table.c.id, table.c.raw).where(settled, func.length(table.c.raw) > 0)
    )
    ids = [row_id for row_id, raw in rows if mentions(bytes(raw))]
    if ids:
        values: dict[str, Any] = {"raw": b""}
        if table is inbound_messages:
            values["transport_id"] = ""
        conn.execute(update(table).where(table.c.id.in_(ids)).values(**values))
