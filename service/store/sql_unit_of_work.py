"""The SQL unit of work (`service.store.unit_of_work.UnitOfWork`): one database
transaction around one change, with its audit trail.

Everything a handler or job changes (state, audit events, queued emails) is committed
together or not at all: leaving the `with` block without `commit()` rolls back.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Table, event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, object_mapper

from service import clock
from service.domain.mail_budget import ASKING_TO_DECIDE
from service.domain.model import AuditEvent
from service.store.database import Database
from service.store.records import OutboundMessage
from service.store.repository import REMEMBERED_READS, SqlRepository

T = TypeVar("T")
_MEMO = "mentoring.memo"  # the unit of work's `remember` answers, in `session.info`


def _forget(session: Session, *_args: object) -> None:
    memo = session.info.get(_MEMO)
    if memo:
        memo.clear()


def _forget_on_write(state: ORMExecuteState) -> None:
    if not state.is_select:  # a bulk UPDATE or DELETE changes data behind the objects
        _forget(state.session)


_TABLES: dict[type, str] = {}


def _table_of(obj: object) -> str:
    kind = type(obj)
    if kind not in _TABLES:
        table = object_mapper(obj).local_table
        assert isinstance(table, Table)  # every record is mapped to one table
        _TABLES[kind] = table.name
    return _TABLES[kind]


def _written(objects: Iterable[object]) -> set[str]:
    """The tables these new or changed objects write, as `REMEMBERED_READS` names them
    (an email asking to decide writes "asked_to_decide" too)."""
    written = set()
    for obj in objects:
        written.add(_table_of(obj))
        if isinstance(obj, OutboundMessage) and obj.template in ASKING_TO_DECIDE:
            written.add("asked_to_decide")
    return written


def _reads(key: Hashable) -> frozenset[str] | None:
    """The tables a remembered read reads, if known (`REMEMBERED_READS`)."""
    return REMEMBERED_READS.get(key[0]) if isinstance(key, tuple) and key else None


def _forget_flushed(session: Session, _flush: UOWTransaction) -> None:
    """After a flush, forget what it may have changed: a remembered repository read
    whose tables (`REMEMBERED_READS`) the flush did not write stands (an audit event or
    a queued email does not change anyone's registration); anything else, and
    everything when a row was deleted, is worked out afresh. (`new`, `dirty` and
    `deleted` still hold what the flush wrote.)"""
    memo = session.info.get(_MEMO)
    if not memo:
        return
    if session.deleted:
        memo.clear()
        return
    written = _written((*session.new, *session.dirty))
    for key in list(memo):
        reads = _reads(key)
        if reads is None or not reads.isdisjoint(written):
            del memo[key]


# Whatever was worked out from the data is forgotten as soon as the data changes. Listened
# for once on the Session class: listening per session cost more than the reads it saves.
for _name in ("after_commit", "after_rollback"):
    event.listen(Session, _name, _forget)
event.listen(Session, "after_flush", _forget_flushed)
event.listen(Session, "do_orm_execute", _forget_on_write)


class SqlUnitOfWork:
    session: Session
    repo: SqlRepository

    def __init__(self, db: Database, *, actor: str = "system", inbound_id: int | None = None):
        self.db = db
        self.actor = actor
        self.inbound_id = inbound_id

    def __enter__(self) -> Self:
        self.session = self.db.session()
        self.repo = SqlRepository(self.session, self.remember)
        self._memo: dict[Hashable, Any] = {}
        self.session.info[_MEMO] = self._memo
        return self

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()`, worked out once for as long as nothing in this unit of work
        changes: a handler that writes several emails to one person reads their
        standing once. Pending changes it may read are flushed first, so the answer is
        never stale; those it does not read (`REMEMBERED_READS`: the emails, tokens and
        audit events a handler adds) wait, to be inserted together."""
        session = self.session
        if session.deleted:
            session.flush()
        elif session.new or session.dirty:
            reads = _reads(key)
            if reads is None or not reads.isdisjoint(_written((*session.new, *session.dirty))):
                session.flush()
        if key not in self._memo:
            self._memo[key] = compute()
        value: T = self._memo[key]
        return value

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

    def delete(self, obj: object) -> None:
        self.session.delete(obj)

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
