"""The outbox's records seen from the sending side: each step of a send is its own short
transaction on the database, so two workers never send one email twice.

`service.mail.outbox` decides what happens; this module is only where it is written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    String,
    Update,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    select,
    update,
)

from service.domain.mail_budget import SinceQueued
from service.domain.model import IntroductionStatus, PairingStatus
from service.store.database import Database
from service.store.orm import (
    approaches,
    audit_events,
    erasures,
    introductions,
    meetings,
    outbound_messages,
    pairings,
)
from service.store.records import OutboundStatus, SentFact
from service.store.repository import UNSENT

_o = outbound_messages.c


@dataclass(frozen=True)
class Envelope:
    """What a send needs: the bytes and the one recipient, and how often it was tried."""

    to_address: str
    raw: bytes
    attempts: int


# The two statements every email's send runs, built once with bound parameters
# (building an UPDATE cost SQLAlchemy more than SQLite took to run it).
@cache
def _claim() -> Update:
    return (
        update(outbound_messages)
        .where(_o.id == bindparam("record_id"), _o.status == OutboundStatus.QUEUED)
        .values(
            status=OutboundStatus.SENDING,
            attempts=_o.attempts + 1,
            next_attempt_at=bindparam("now", type_=_o.next_attempt_at.type),
        )
        .returning(_o.to_address, _o.raw, _o.attempts)
    )


@cache
def _settle(expected: bool, fields: tuple[str, ...]) -> Update:
    stmt = update(outbound_messages).where(_o.id == bindparam("record_id"))
    if expected:
        stmt = stmt.where(_o.status == bindparam("expected", type_=_o.status.type))
    return stmt.values({f: bindparam(f"new_{f}", type_=_o[f].type) for f in fields})


@dataclass(frozen=True)
class OutboxLook:
    """What a drain has to do, read in one statement: send (`queued`), settle what a
    crash left (`sending`), finish an erasure (`erasing`)."""

    queued: bool
    sending: bool
    erasing: bool


@cache
def _look() -> Select[Any]:
    def any_with(status: OutboundStatus) -> Any:
        return select(_o.id).where(_o.status == status).exists()

    pending = select(erasures.c.id).where(erasures.c.pending_terms.is_not(None)).exists()
    return select(any_with(OutboundStatus.QUEUED), any_with(OutboundStatus.SENDING), pending)


def _decide_facts() -> tuple[Any, Any]:
    """For a decide email (its key "decide:<round>:<mentee>", `timeline.decide_key`):
    whether it is the first to tell the mentee how to choose (no speed session logged,
    as `decide_reminders._gives_way` has it), and whether they are still choosing (a
    live introduction left, no request made, not paired: `timeline.decide_step`)."""
    i, a = introductions.c, approaches.c
    of_intro = literal("decide:") + cast(i.round_id, String) + literal(":")
    of_approach = literal("decide:") + cast(a.round_id, String) + literal(":")
    mine = (
        _o.template == "decide_long_term",
        i.mentee_id == _o.person_id,
        _o.dedupe_key == of_intro + cast(i.mentee_id, String),
    )
    met = select(i.id).where(*mine, i.status == IntroductionStatus.MET).exists()
    live = (
        select(i.id)
        .where(*mine, i.status.in_([IntroductionStatus.SENT, IntroductionStatus.MET]))
        .exists()
    )
    asked = (
        select(a.id)
        .where(
            a.mentee_id == _o.person_id, _o.dedupe_key == of_approach + cast(a.mentee_id, String)
        )
        .exists()
    )
    paired = (
        select(pairings.c.id)
        .where(pairings.c.mentee_id == _o.person_id, pairings.c.status == PairingStatus.ACTIVE)
        .exists()
    )
    first_ask = and_(_o.template == "decide_long_term", ~met)
    return first_ask, and_(live, ~asked, ~paired)


class OutboxRecords:
    def __init__(self, db: Database, connection: Connection | None = None) -> None:
        self.db = db
        self._connection = connection

    @contextmanager
    def connected(self) -> Iterator[OutboxRecords]:
        """These records on one connection, each step still its own transaction: a drain
        sends many emails, and taking a connection from the pool for each step cost
        about as much as the step."""
        if self._connection is not None:
            yield self
            return
        with self.db.engine.connect() as connection:
            yield OutboxRecords(self.db, connection)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        if self._connection is None:
            with self.db.engine.begin() as conn:
                yield conn
        else:
            with self._connection.begin():
                yield self._connection

    def settle(self, record_id: int, expected: OutboundStatus | None, **values: Any) -> bool:
        """Change one record in its own transaction; with `expected`, only from that status."""
        stmt = _settle(expected is not None, tuple(sorted(values)))
        params = {"record_id": record_id, "expected": expected}
        params.update({f"new_{f}": v for f, v in values.items()})
        with self._transaction() as conn:
            return conn.execute(stmt, params).rowcount == 1

    def claim(self, record_id: int, now: datetime) -> Envelope | None:
        """queued -> sending, counting the attempt, and what the send needs (read in the
        same statement); None if another worker took it."""
        with self._transaction() as conn:
            row = conn.execute(_claim(), {"record_id": record_id, "now": now}).one_or_none()
        return None if row is None else Envelope(row[0], bytes(row[1]), row[2])

    def hold(self, record_id: int, reason: str, now: datetime, event: str) -> bool:
        """sending -> failed with `reason`, and an audit event the digest lists, at once:
        a send whose outcome only a person can find out is never tried again on its own."""
        with self.db.engine.begin() as conn:
            held = conn.execute(
                update(outbound_messages)
                .where(_o.id == record_id, _o.status == OutboundStatus.SENDING)
                .values(status=OutboundStatus.FAILED, last_error=reason)
            ).rowcount
            if held != 1:
                return False
            template, person_id = conn.execute(
                select(_o.template, _o.person_id).where(_o.id == record_id)
            ).one()
            conn.execute(
                insert(audit_events).values(
                    at=now,
                    actor="system",
                    action=event,
                    subject=f"person:{person_id}" if person_id is not None else "email",
                    detail={"template": template, "outbound_id": record_id},
                )
            )
        return True

    def look(self) -> OutboxLook:
        """Whether anything is queued, left sending, or waiting to be erased: on most of
        a quiet day's drains, none is, and this is the drain's only statement."""
        with self.db.engine.connect() as conn:
            row = conn.execute(_look()).one()
        return OutboxLook(bool(row[0]), bool(row[1]), bool(row[2]))

    def stuck_sending(self, before: datetime) -> list[tuple[int, str]]:
        """(id, Message-ID) of records claimed before `before` and never settled."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(_o.id, _o.message_id).where(
                    _o.status == OutboundStatus.SENDING, _o.next_attempt_at <= before
                )
            ).all()
        return [(row_id, message_id) for row_id, message_id in rows]

    def due(self, now: datetime, limit: int | None = None, *, in_hours: bool = True) -> list[int]:
        """Queued records whose time has come, oldest first; outside working hours
        (`in_hours` False) only those that need not keep to them (answers)."""
        query = (
            select(_o.id)
            .where(_o.status == OutboundStatus.QUEUED, _o.next_attempt_at <= now)
            .order_by(_o.id)
        )
        if not in_hours:
            query = query.where(_o.keep_to_hours.is_(False))
        with self.db.engine.connect() as conn:
            return [row[0] for row in conn.execute(query.limit(limit) if limit else query)]

    def wait_for_hours(self, now: datetime, window_starts: datetime) -> int:
        """Automatic records due outside working hours (a retry, a late worker) wait
        for the next window's start, in one statement; how many."""
        stmt = (
            update(outbound_messages)
            .where(
                _o.status == OutboundStatus.QUEUED,
                _o.keep_to_hours.is_(True),
                _o.next_attempt_at <= now,
            )
            .values(next_attempt_at=window_starts)
        )
        with self.db.engine.begin() as conn:
            return conn.execute(stmt).rowcount

    def held_reminders(
        self, now: datetime, templates: frozenset[str]
    ) -> list[tuple[int, SinceQueued]]:
        """Automatic reminders (`templates`) due now that waited after they were queued
        (working hours, a retry), each with what happened since it was queued: answers
        to the person's own emails, and meetings logged for the pairing a check-in names
        (its key is "check-in:<pairing>:<number>:<person>", `jobs.check_ins`); for a
        decide email, whether it is the first to say how to choose and they still are."""
        later = outbound_messages.alias("later")
        answers = (
            select(func.count())
            .where(
                later.c.to_address == _o.to_address,
                later.c.created_at > _o.created_at,
                later.c.inbound_id.is_not(None),
                later.c.keep_to_hours.is_(False),
            )
            .scalar_subquery()
        )
        m = meetings.c
        check_in_of = literal("check-in:") + cast(m.pairing_id, String) + literal(":%")
        met = (
            select(func.count())
            .where(
                _o.template == "check_in",
                m.created_at > _o.created_at,
                _o.dedupe_key.like(check_in_of),
            )
            .scalar_subquery()
        )
        first_ask, choosing = _decide_facts()
        query = select(_o.id, answers, met, first_ask, choosing).where(
            _o.status == OutboundStatus.QUEUED,
            _o.keep_to_hours.is_(True),
            _o.template.in_(sorted(templates)),
            _o.next_attempt_at <= now,
            _o.next_attempt_at > _o.created_at,
        )
        with self.db.engine.connect() as conn:
            return [
                (row[0], SinceQueued(row[1], row[2], bool(row[3]), bool(row[4])))
                for row in conn.execute(query)
            ]

    def unsent(self, queued_up_to: datetime | None = None) -> int:
        """How many emails wait to be sent (only those queued up to a moment, if given)."""
        query = select(func.count()).select_from(outbound_messages).where(_o.status.in_(UNSENT))
        if queued_up_to is not None:
            query = query.where(_o.created_at <= queued_up_to)
        with self.db.engine.connect() as conn:
            return conn.scalar(query) or 0

    def sent_after(self, last_id: int) -> list[SentFact]:
        """Emails handed to the provider, queued after the one with id `last_id`."""
        with self.db.engine.connect() as conn:
            rows = conn.execute(
                select(
                    _o.id, _o.template, _o.created_at, _o.person_id, _o.to_address, _o.provider_id
                )
                .where(_o.id > last_id, _o.provider_id.is_not(None))
                .order_by(_o.id)
            ).all()
        return [SentFact(*row) for row in rows]
