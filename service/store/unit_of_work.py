"""The unit of work: one transaction around one change, with its audit trail.

Everything a handler or job changes (state, audit events, queued emails) is committed
together or not at all: leaving the `with` block without `commit()` rolls back.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.orm import Session

from service import clock
from service.domain.model import AuditEvent
from service.store.database import Database
from service.store.repository import Repository


class UnitOfWork:
    session: Session
    repo: Repository

    def __init__(self, db: Database, *, actor: str = "system", inbound_id: int | None = None):
        self.db = db
        self.actor = actor
        self.inbound_id = inbound_id

    def __enter__(self) -> Self:
        self.session = self.db.session()
        self.repo = Repository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back anything uncommitted and detaches the objects without
        # expiring them, so what was read stays readable after the block.
        self.session.close()

    def add(self, obj: object) -> None:
        self.session.add(obj)

    def flush(self) -> None:
        self.session.flush()

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def audit(
        self,
        action: str,
        subject: str,
        detail: dict[str, object] | None = None,
        *,
        actor: str | None = None,
    ) -> AuditEvent:
        """Record who did what. `detail` must hold ids and states only, never personal data."""
        event = AuditEvent(
            at=clock.now(),
            actor=actor or self.actor,
            action=action,
            subject=subject,
            detail=dict(detail or {}),
            inbound_id=self.inbound_id,
        )
        self.session.add(event)
        return event
