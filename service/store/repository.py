"""Queries the handlers and jobs need, in one place, named for what they ask.

Conditions use the table columns (`people.c.email`) rather than mapped class attributes:
the classes are plain dataclasses, so this is what the type checker understands.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Table, bindparam, delete, distinct, func, insert, or_, select, update
from sqlalchemy.engine import Connection, CursorResult
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class
from sqlalchemy.sql import CompoundSelect, Select, Update
from sqlalchemy.sql.elements import BindParameter

from service.domain.model import (
    Approach,
    ApproachStatus,
    AuditEvent,
    Feedback,
    Introduction,
    Meeting,
    Pairing,
    PairingStatus,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.domain.rules import distinct_meetings
from service.store.orm import (
    approaches,
    audit_events,
    corrections,
    erasures,
    feedback,
    inbound_messages,
    interest_list,
    introductions,
    meetings,
    metadata,
    outbound_messages,
    pairings,
    people,
    registrations,
    reply_tokens,
    rounds,
)
from service.store.records import (
    ActivePairings,
    Correction,
    InboundMessage,
    InboundStatus,
    InterestEntry,
    OutboundMessage,
    OutboundStatus,
    ReceivedFact,
    ReplyToken,
    SentFact,
    StandingRows,
    Tombstone,
    dedupe_key,
)

Remember = Callable[[Hashable, Callable[[], Any]], Any]


def _always_read(_key: Hashable, compute: Callable[[], Any]) -> Any:
    return compute()


# The statements every inbound message runs, built once with bound parameters: building
# a SELECT cost SQLAlchemy more (about 0.15 ms) than SQLite took to run it. Built on
# first use, once the classes are mapped.
@cache
def _latest_round_for() -> Select[Round]:
    return (
        select(Round)
        .join(Registration, registrations.c.round_id == rounds.c.id)
        .where(registrations.c.person_id == bindparam("person_id"))
        .order_by(rounds.c.opens_at.desc())
    )


@cache
def _registration() -> Select[Registration]:
    return select(Registration).where(
        registrations.c.round_id == bindparam("round_id"),
        registrations.c.person_id == bindparam("person_id"),
    )


def _ids_of(table: Table, *sides: str) -> CompoundSelect[int]:
    """The ids of rows naming the person on either side, each side through its own index.
    (With `mentee_id = ? OR mentor_id = ?`, SQLite read every row of the round, or every
    active pairing, through the other condition's index instead.)"""
    person: BindParameter[int] = bindparam("person_id")
    first, *rest = [select(table.c.id).where(table.c[side] == person) for side in sides]
    return first.union_all(*rest)


@cache
def _introductions_of_in() -> Select[Introduction]:
    return (
        select(Introduction)
        .where(introductions.c.id.in_(_ids_of(introductions, "mentee_id", "mentor_id")))
        .where(introductions.c.round_id == bindparam("round_id"))
        .order_by(introductions.c.number, introductions.c.id)
    )


@cache
def _pending_approach() -> Select[Approach]:
    return select(Approach).where(
        approaches.c.mentee_id == bindparam("person_id"),
        approaches.c.status == ApproachStatus.PENDING,
    )


@cache
def _pending_approaches_to() -> Select[Approach]:
    return (
        select(Approach)
        .where(
            approaches.c.mentor_id == bindparam("person_id"),
            approaches.c.status == ApproachStatus.PENDING,
        )
        .order_by(approaches.c.created_at)
    )


@cache
def _pending_approaches_naming() -> Select[Approach]:
    return (
        select(Approach)
        .where(
            approaches.c.id.in_(_ids_of(approaches, "mentee_id", "mentor_id")),
            approaches.c.status == ApproachStatus.PENDING,
        )
        .order_by(approaches.c.created_at, approaches.c.id)
    )


@cache
def _active_pairings_of() -> Select[Pairing]:
    return (
        select(Pairing)
        .where(
            pairings.c.id.in_(_ids_of(pairings, "mentee_id", "mentor_id")),
            pairings.c.status == PairingStatus.ACTIVE,
        )
        .order_by(pairings.c.started_at)
    )


@cache
def _pairings_of() -> Select[Pairing]:
    # Each side through its own index, as `_active_pairings_of`.
    return (
        select(Pairing)
        .where(pairings.c.id.in_(_ids_of(pairings, "mentee_id", "mentor_id")))
        .order_by(pairings.c.started_at)
    )


@cache
def _token() -> Select[ReplyToken]:
    return select(ReplyToken).where(reply_tokens.c.token_hash == bindparam("token_hash"))


@cache
def _outbound_by_key() -> Select[OutboundMessage]:
    return select(OutboundMessage).where(outbound_messages.c.dedupe_key == bindparam("key"))


@cache
def _automatic_answers_since() -> Select[int]:
    o = outbound_messages.c
    return (
        select(func.count())
        .select_from(outbound_messages)
        .where(o.to_address == bindparam("address"), o.created_at >= bindparam("since"))
        .where(o.automatic_answer.is_(True), o.status != OutboundStatus.CANCELLED)
    )


_PERSON_ID_BY_EMAIL = select(people.c.id).where(people.c.email == bindparam("email"))
_INBOUND_ID_BY_KEY = select(inbound_messages.c.id).where(inbound_messages.c.key == bindparam("key"))
_PENDING_LOOKED_AT = 64  # `queued_keys`: pending objects searched instead of a flush
_OUTBOUND_ID_BY_KEY = select(outbound_messages.c.id).where(
    outbound_messages.c.dedupe_key == bindparam("key")
)
_OUTBOUND_ID_BY_MESSAGE_ID = select(outbound_messages.c.id).where(
    outbound_messages.c.message_id == bindparam("message_id")
)
# Built once; nothing of the session's objects to bring up to date (no ORM evaluation).
_MARK_MOVED = (
    update(inbound_messages)
    .where(
        inbound_messages.c.id.in_(bindparam("ids", expanding=True)),
        inbound_messages.c.moved_at.is_(None),
    )
    .values(moved_at=bindparam("now", type_=inbound_messages.c.moved_at.type))
    .execution_options(synchronize_session=False)
)
_INBOUND_COLUMNS = tuple(c.key for c in inbound_messages.c if c.key != "id")
_ADD_INBOUND = insert(inbound_messages).values({n: bindparam(n) for n in _INBOUND_COLUMNS})
_ADD_INBOUNDS = insert(inbound_messages).returning(
    inbound_messages.c.id, sort_by_parameter_order=True
)
_STORED_KEYS = select(inbound_messages.c.key).where(
    inbound_messages.c.key.in_(bindparam("keys", expanding=True))
)
_TOMBSTONES = select(
    erasures.c.id,
    erasures.c.person_id,
    erasures.c.salt,
    erasures.c.address_hash,
    erasures.c.pending_terms,
    erasures.c.created_at,
).order_by(erasures.c.id)


@dataclass(frozen=True)
class _Plain:
    """A statement compiled once for SQLite: its text; its parameters in order, each with
    its default and how its value is written; and how each column read back is read (a
    date, an enum), as SQLAlchemy would."""

    sql: str
    binds: tuple[tuple[str, Any, Callable[[Any], Any] | None], ...]
    readers: tuple[Callable[[Any], Any] | None, ...]


_PLAIN: dict[Select[Any] | Update, _Plain] = {}


def _plain(connection: Connection, stmt: Select[Any] | Update) -> _Plain:
    plain = _PLAIN.get(stmt)
    if plain is None:
        dialect = connection.dialect
        compiled = stmt.compile(dialect=dialect)
        binds = tuple(
            (name, bind.value, bind.type.dialect_impl(dialect).bind_processor(dialect))
            for name in compiled.positiontup or ()
            for bind in (compiled.binds[name],)
        )
        columns = stmt.selected_columns if isinstance(stmt, Select) else ()
        readers = tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns
        )
        plain = _PLAIN[stmt] = _Plain(compiled.string, binds, readers)
    return plain


def _plain_execute(
    connection: Connection, stmt: Select[Any] | Update, params: dict[str, Any]
) -> tuple[_Plain, Any]:
    """Run `stmt` on SQLite's driver connection, in the session's transaction: for the
    statements every inbound message runs, SQLAlchemy's execution path cost several
    times what SQLite takes (a fifth of a message's database time). Returns the driver's
    cursor. Errors are raised as SQLAlchemy's, so `CONFLICTS` handling is unchanged."""
    plain = _plain(connection, stmt)
    driver = connection.connection.driver_connection
    assert driver is not None
    dbapi = connection.dialect.loaded_dbapi
    args = []
    for name, default, write in plain.binds:
        value = params.get(name, default)
        args.append(value if write is None else write(value))
    try:
        return plain, driver.execute(plain.sql, args)
    except dbapi.Error as error:
        raise DBAPIError.instance(
            plain.sql, None, error, dbapi.Error, hide_parameters=True, dialect=connection.dialect
        ) from error


def _plain_rows(
    connection: Connection, stmt: Select[Any], params: dict[str, Any], *, first: bool = False
) -> list[tuple[Any, ...]]:
    """The rows of a SELECT (`first`: only the first row), on SQLite through
    `_plain_execute`; on other databases the usual path runs."""
    if connection.dialect.name != "sqlite":
        result = connection.execute(stmt, params)
        return [tuple(row) for row in (result.fetchmany(1) if first else result)]
    plain, cursor = _plain_execute(connection, stmt, params)
    rows: list[tuple[Any, ...]] = cursor.fetchmany(1) if first else cursor.fetchall()
    if not any(plain.readers):
        return rows
    return [
        tuple(v if read is None else read(v) for v, read in zip(row, plain.readers, strict=True))
        for row in rows
    ]


def _plain_first(connection: Connection, stmt: Select[Any], params: dict[str, str]) -> Any:
    """The first column of the first row of `stmt` (see `_plain_rows`), or None."""
    rows = _plain_rows(connection, stmt, params, first=True)
    return rows[0][0] if rows else None


T = TypeVar("T")


def _copies(
    connection: Connection, cls: type[T], stmt: Select[Any], params: dict[str, Any] | None = None
) -> list[T]:
    """The rows of `stmt` (its table's every column) as read-only copies of the mapped
    dataclass, outside the session: for a daily rule's look over everyone, or the
    standing every email's footer is read from, loading through the ORM cost several
    times the query. Nothing done to them is saved."""
    keys = [str(c.key) for c in stmt.selected_columns]
    return [_copy(cls, keys, row) for row in _plain_rows(connection, stmt, params or {})]


def _copy(cls: type[T], keys: Sequence[str], values: Sequence[Any]) -> T:
    obj: T = manager_of_class(cls).new_instance()
    obj.__dict__.update(zip(keys, values, strict=True))
    return obj


_ACTIVE = pairings.c.status == PairingStatus.ACTIVE
_ACTIVE_PAIRINGS = select(pairings).where(_ACTIVE).order_by(pairings.c.id)
_PAIRED_PEOPLE = select(people).where(
    people.c.id.in_(
        select(pairings.c.mentor_id)
        .where(_ACTIVE)
        .union(select(pairings.c.mentee_id).where(_ACTIVE))
    )
)
_MEETINGS_OF = (
    select(meetings)
    .where(meetings.c.pairing_id == bindparam("pairing_id"))
    .order_by(meetings.c.met_on)
)
_LAST_MET = (
    select(meetings.c.pairing_id, func.max(meetings.c.created_at))
    .where(meetings.c.pairing_id.in_(select(pairings.c.id).where(_ACTIVE)))
    .group_by(meetings.c.pairing_id)
)


def _naming(table: Table, status: object) -> Select[Any]:
    """A table's rows in `status` naming the person on either side (`_ids_of`)."""
    return select(table).where(
        table.c.id.in_(_ids_of(table, "mentee_id", "mentor_id")), table.c.status == status
    )


@cache
def _standing_reads() -> tuple[Select[Any], Select[Any], Select[Any], Select[Any]]:
    """What `standing_rows` runs, on the tables (so the rows can be copied): the latest
    round with its registration, as `latest_round_for` and `registration` read them;
    then that round's introductions, pending requests and active pairings naming them."""
    latest = (
        select(rounds, registrations)
        .join(registrations, registrations.c.round_id == rounds.c.id)
        .where(registrations.c.person_id == bindparam("person_id"))
        .order_by(rounds.c.opens_at.desc())
        .limit(1)
    )
    intros = (
        select(introductions)
        .where(introductions.c.id.in_(_ids_of(introductions, "mentee_id", "mentor_id")))
        .where(introductions.c.round_id == bindparam("round_id"))
        .order_by(introductions.c.number, introductions.c.id)
    )
    pending = _naming(approaches, ApproachStatus.PENDING).order_by(
        approaches.c.created_at, approaches.c.id
    )
    active = _naming(pairings, PairingStatus.ACTIVE).order_by(pairings.c.started_at)
    return latest, intros, pending, active


@cache
def _pairing_and_people() -> Select[Pairing, Person, Person, datetime | None]:
    """A pairing, both its people and when its latest meeting was logged, in one
    statement (what each daily pairing step reads before it changes the pairing)."""
    mentor, mentee = people.alias("mentor"), people.alias("mentee")
    last_met = (
        select(func.max(meetings.c.created_at))
        .where(meetings.c.pairing_id == pairings.c.id)
        .scalar_subquery()
    )
    return (
        select(Pairing, aliased(Person, mentor), aliased(Person, mentee), last_met)
        .join(mentor, mentor.c.id == pairings.c.mentor_id)
        .join(mentee, mentee.c.id == pairings.c.mentee_id)
        .where(pairings.c.id == bindparam("pairing_id"))
    )


@cache
def _take_inbound(columns: tuple[str, ...]) -> Update:
    i = inbound_messages.c
    return (
        update(inbound_messages)
        .where(i.id == bindparam("taken_id"), i.status == InboundStatus.STORED)
        .values({name: bindparam(name) for name in columns})
    )


# What a handler's emails write: an email, its reply token, audit events, the message.
_MAIL_TABLES = frozenset({"outbound_messages", "reply_tokens", "audit_events", "inbound_messages"})
# The tables each remembered read (by its key's first part) reads: a flush that writes
# none of them leaves its answer standing (`sql_unit_of_work._forget_flushed`).
REMEMBERED_READS: dict[str, frozenset[str]] = {
    "person_by_email": frozenset({"people"}),
    "people": frozenset({"people"}),
    "latest_round_for": frozenset({"rounds", "registrations"}),
    "registration": frozenset({"registrations"}),
    "introductions_of": frozenset({"introductions"}),
    "active_pairings_of": frozenset({"pairings"}),
    "pairings_of": frozenset({"pairings"}),
    "token": frozenset({"reply_tokens"}),
    # A person's standing (`service.standing`) reads their round, registration,
    # introductions, approaches, pairings (any table but the mail's, to be safe) and, of
    # the outbox, only whether an email asked them to decide (`mail_budget.ASKING_TO_DECIDE`,
    # which write "asked_to_decide" too): so the email, token and audit event each email
    # adds leave it standing.
    "standing": frozenset(
        {t for t in metadata.tables if t not in _MAIL_TABLES} | {"asked_to_decide"}
    ),
}


class SqlRepository:
    """The store's queries. The lookups one message makes again and again (its sender by
    address, their reply token, registration and latest round) are read once while
    nothing changes, through the unit of work's `remember`."""

    def __init__(self, session: Session, remember: Remember = _always_read) -> None:
        self.session = session
        self._remember = remember

    # people
    def person(self, person_id: int) -> Person | None:
        return self.session.get(Person, person_id)

    def person_by_email(self, email: str) -> Person | None:
        address = email.strip().lower()
        found: Person | None = self._remember(
            ("person_by_email", address), lambda: self._person_by_email(address)
        )
        return found

    def _person_by_email(self, address: str) -> Person | None:
        # The id first, without the ORM: most mail from strangers stops here, and a
        # person already in this session comes from its identity map.
        person_id = _plain_first(self.session.connection(), _PERSON_ID_BY_EMAIL, {"email": address})
        return None if person_id is None else self.session.get(Person, person_id)

    def people(self, ids: Sequence[int]) -> dict[int, Person]:
        # Remembered: a command's handler and the standing its answer's footer is read
        # from ask for the same speed matches' people.
        key = tuple(ids)
        found: dict[int, Person] = self._remember(("people", key), lambda: self._people(key))
        return dict(found)

    def _people(self, ids: Sequence[int]) -> dict[int, Person]:
        found = self.session.scalars(select(Person).where(people.c.id.in_(ids))).all()
        return {p.id: p for p in found if p.id is not None}

    # rounds
    def round(self, round_id: int) -> Round | None:
        return self.session.get(Round, round_id)

    def round_by_name(self, name: str) -> Round | None:
        return self.session.scalar(select(Round).where(rounds.c.name == name))

    def rounds(self) -> Sequence[Round]:
        return self.session.scalars(select(Round).order_by(rounds.c.opens_at)).all()

    def round_open_at(self, moment: datetime) -> Round | None:
        """The round whose registration window contains `moment`."""
        return self.session.scalar(
            select(Round)
            .where(rounds.c.opens_at <= moment, rounds.c.closes_at > moment)
            .order_by(rounds.c.opens_at.desc())
        )

    def next_round_after(self, moment: datetime) -> Round | None:
        return self.session.scalar(
            select(Round).where(rounds.c.opens_at > moment).order_by(rounds.c.opens_at)
        )

    def latest_round_for(self, person_id: int) -> Round | None:
        found: Round | None = self._remember(
            ("latest_round_for", person_id),
            lambda: self.session.scalar(_latest_round_for(), {"person_id": person_id}),
        )
        return found

    # registrations
    def registration(self, round_id: int, person_id: int) -> Registration | None:
        params = {"round_id": round_id, "person_id": person_id}
        found: Registration | None = self._remember(
            ("registration", round_id, person_id),
            lambda: self.session.scalar(_registration(), params),
        )
        return found

    def registrations(
        self, round_id: int, status: RegistrationStatus | None = None
    ) -> Sequence[Registration]:
        query = select(Registration).where(registrations.c.round_id == round_id)
        if status is not None:
            query = query.where(registrations.c.status == status)
        return self.session.scalars(query.order_by(registrations.c.id)).all()

    def registrations_of(self, person_id: int) -> Sequence[Registration]:
        return self.session.scalars(
            select(Registration)
            .where(registrations.c.person_id == person_id)
            .order_by(registrations.c.id)
        ).all()

    # introductions
    def introductions(self, round_id: int) -> Sequence[Introduction]:
        return self.session.scalars(
            select(Introduction)
            .where(introductions.c.round_id == round_id)
            .order_by(introductions.c.id)
        ).all()

    def introductions_of(
        self, person_id: int, round_id: int | None = None
    ) -> Sequence[Introduction]:
        if round_id is not None:
            # Remembered: MET, the standing and its speed mentors' places all ask it.
            params = {"person_id": person_id, "round_id": round_id}
            found: Sequence[Introduction] = self._remember(
                ("introductions_of", person_id, round_id),
                lambda: tuple(self.session.scalars(_introductions_of_in(), params).all()),
            )
            return found
        query = select(Introduction).where(
            (introductions.c.mentee_id == person_id) | (introductions.c.mentor_id == person_id)
        )
        return self.session.scalars(
            query.order_by(introductions.c.number, introductions.c.id)
        ).all()

    def introduction_between(
        self, round_id: int, mentor_id: int, mentee_id: int
    ) -> Introduction | None:
        return self.session.scalar(
            select(Introduction).where(
                introductions.c.round_id == round_id,
                introductions.c.mentor_id == mentor_id,
                introductions.c.mentee_id == mentee_id,
            )
        )

    def earlier_pairs(self, before_round_id: int) -> set[tuple[int, int]]:
        """(mentor, mentee) person pairs introduced in any other round: never again."""
        rows = self.session.execute(
            select(introductions.c.mentor_id, introductions.c.mentee_id).where(
                introductions.c.round_id != before_round_id
            )
        )
        return {(a, b) for a, b in rows}

    # approaches
    def approach(self, approach_id: int) -> Approach | None:
        return self.session.get(Approach, approach_id)

    def pending_approach(self, mentee_id: int) -> Approach | None:
        return self.session.scalar(_pending_approach(), {"person_id": mentee_id})

    def pending_approaches_to(self, mentor_id: int) -> Sequence[Approach]:
        return self.session.scalars(_pending_approaches_to(), {"person_id": mentor_id}).all()

    def pending_approaches_naming(self, person_id: int) -> Sequence[Approach]:
        return self.session.scalars(_pending_approaches_naming(), {"person_id": person_id}).all()

    def approaches_of_mentee(
        self, mentee_id: int, round_id: int | None = None
    ) -> Sequence[Approach]:
        query = select(Approach).where(approaches.c.mentee_id == mentee_id)
        if round_id is not None:
            query = query.where(approaches.c.round_id == round_id)
        return self.session.scalars(query.order_by(approaches.c.created_at)).all()

    def all_pending_approaches(self) -> Sequence[Approach]:
        return self.session.scalars(
            select(Approach).where(approaches.c.status == ApproachStatus.PENDING)
        ).all()

    # pairings
    def pairing(self, pairing_id: int) -> Pairing | None:
        return self.session.get(Pairing, pairing_id)

    def active_pairing_of_mentee(self, mentee_id: int) -> Pairing | None:
        return self.session.scalar(
            select(Pairing).where(
                pairings.c.mentee_id == mentee_id, pairings.c.status == PairingStatus.ACTIVE
            )
        )

    def active_pairings_of(self, person_id: int) -> Sequence[Pairing]:
        # Remembered: the pipeline (signs of life), the handler and the standing ask it.
        found: Sequence[Pairing] = self._remember(
            ("active_pairings_of", person_id),
            lambda: tuple(
                self.session.scalars(_active_pairings_of(), {"person_id": person_id}).all()
            ),
        )
        return found

    def active_pairings_as_mentor(self, mentor_id: int) -> int:
        return (
            self.session.scalar(
                select(func.count())
                .select_from(Pairing)
                .where(pairings.c.mentor_id == mentor_id, pairings.c.status == PairingStatus.ACTIVE)
            )
            or 0
        )

    def pairings_of(self, person_id: int) -> Sequence[Pairing]:
        # Remembered: MET and the standing's choices both ask it.
        found: Sequence[Pairing] = self._remember(
            ("pairings_of", person_id),
            lambda: tuple(self.session.scalars(_pairings_of(), {"person_id": person_id}).all()),
        )
        return found

    def all_active_pairings(self) -> Sequence[Pairing]:
        return self.session.scalars(
            select(Pairing).where(pairings.c.status == PairingStatus.ACTIVE).order_by(pairings.c.id)
        ).all()

    def pairings_in(self, round_id: int) -> Sequence[Pairing]:
        return self.session.scalars(
            select(Pairing).where(pairings.c.round_id == round_id).order_by(pairings.c.id)
        ).all()

    def approaches_in(self, round_id: int) -> Sequence[Approach]:
        return self.session.scalars(
            select(Approach).where(approaches.c.round_id == round_id).order_by(approaches.c.id)
        ).all()

    # meetings
    def meetings_of(self, pairing_ids: Sequence[int]) -> Sequence[Meeting]:
        """Every logging (both partners' copies) for these pairings."""
        return self.session.scalars(
            select(Meeting).where(meetings.c.pairing_id.in_(pairing_ids)).order_by(meetings.c.id)
        ).all()

    def meetings(self, pairing_id: int) -> Sequence[Meeting]:
        return self.session.scalars(
            select(Meeting).where(meetings.c.pairing_id == pairing_id).order_by(meetings.c.met_on)
        ).all()

    def distinct_meetings(self, pairing_id: int) -> list[Meeting]:
        """Meetings that took place: one logged by both partners counts once. Read-only
        copies (what every check-in's totals are counted from), past the ORM."""
        self.session.flush()  # as the ORM's autoflush would: a meeting just logged counts
        found = _copies(
            self.session.connection(), Meeting, _MEETINGS_OF, {"pairing_id": pairing_id}
        )
        return distinct_meetings(found)

    def minutes_met(self, pairing_id: int) -> int:
        return sum(m.minutes for m in self.distinct_meetings(pairing_id))

    def all_meetings(self) -> Sequence[Meeting]:
        return self.session.scalars(select(Meeting).order_by(meetings.c.met_on)).all()

    # feedback
    def feedback_given(self, pairing_id: int, person_id: int, asking: str) -> Feedback | None:
        f = feedback.c
        return self.session.scalars(
            select(Feedback).where(
                f.pairing_id == pairing_id, f.person_id == person_id, f.asking == asking
            )
        ).first()

    def feedback_of(self, pairing_ids: Sequence[int]) -> Sequence[Feedback]:
        if not pairing_ids:
            return []
        return self.session.scalars(
            select(Feedback).where(feedback.c.pairing_id.in_(pairing_ids)).order_by(feedback.c.id)
        ).all()

    def feedback_by(self, person_id: int) -> Sequence[Feedback]:
        return self.session.scalars(
            select(Feedback).where(feedback.c.person_id == person_id).order_by(feedback.c.id)
        ).all()

    # mail records
    def inbound_by_key(self, key: str) -> InboundMessage | None:
        return self.session.scalar(select(InboundMessage).where(inbound_messages.c.key == key))

    def outbound_by_key(self, key: str) -> OutboundMessage | None:
        return self.session.scalar(_outbound_by_key(), {"key": dedupe_key(key)})

    def emails_to_since(
        self,
        address: str,
        since: datetime,
        *,
        template: str | None = None,
        automatic_answer: bool | None = None,
    ) -> int:
        """How many emails were queued to `address` since a moment (for daily limits),
        not counting one cancelled before it went (it never reached them)."""
        if template is None and automatic_answer is True:  # every automatic answer asks
            params = {"address": address, "since": since}
            return self.session.scalar(_automatic_answers_since(), params) or 0
        query = (
            select(func.count())
            .select_from(outbound_messages)
            .where(outbound_messages.c.to_address == address)
            .where(outbound_messages.c.created_at >= since)
            .where(outbound_messages.c.status != OutboundStatus.CANCELLED)
        )
        if template is not None:
            query = query.where(outbound_messages.c.template == template)
        if automatic_answer is not None:
            query = query.where(outbound_messages.c.automatic_answer.is_(automatic_answer))
        return self.session.scalar(query) or 0

    def outbound_by_message_id(self, message_id: str) -> OutboundMessage | None:
        return self.session.scalar(
            select(OutboundMessage).where(outbound_messages.c.message_id == message_id)
        )

    def token(self, token_hash: str) -> ReplyToken | None:
        found: ReplyToken | None = self._remember(
            ("token", token_hash),
            lambda: self.session.scalar(_token(), {"token_hash": token_hash}),
        )
        return found

    def outbound_facts(self) -> Sequence[tuple[int | None, str, str, datetime | None, str, bool]]:
        """(person, template, status, sent_at, last_error, automatic) for every email:
        the figures the health report needs, without loading any message body."""
        o = outbound_messages.c
        rows = self.session.execute(
            select(o.person_id, o.template, o.status, o.sent_at, o.last_error, o.automatic_answer)
        )
        return [(p, t, str(s), at, e, bool(a)) for p, t, s, at, e, a in rows]

    def inbound_facts(self) -> Sequence[tuple[int | None, str, str, datetime]]:
        """(person, status, kind, received_at) for every message received."""
        i = inbound_messages.c
        rows = self.session.execute(select(i.person_id, i.status, i.kind, i.received_at))
        return [(p, str(s), k, at) for p, s, k, at in rows]

    # audit trail
    def latest_audit(self, action: str, subject: str) -> AuditEvent | None:
        """The most recent event of this kind about this subject (e.g. "pairing:7")."""
        return self.session.scalar(
            select(AuditEvent)
            .where(audit_events.c.action == action, audit_events.c.subject == subject)
            .order_by(audit_events.c.id.desc())
            .limit(1)
        )

    # what the time rules ask of every candidate at once (jobs/)
    def first_introduction_sent_at(self, round_id: int) -> datetime | None:
        """`timeline.matches_sent_at` asked of the database: every day of the year,
        without loading a large round's introductions."""
        return _utc(
            self.session.scalar(
                select(func.min(introductions.c.sent_at)).where(
                    introductions.c.round_id == round_id
                )
            )
        )

    def pairing_and_people(
        self, pairing_id: int
    ) -> tuple[Pairing, Person, Person, datetime | None] | None:
        params = {"pairing_id": pairing_id}
        found = self.session.execute(_pairing_and_people(), params).first()
        if found is None:
            return None
        pairing, mentor, mentee, last_met = found
        return pairing, mentor, mentee, _utc(last_met)

    def last_meeting_logged_at(self, pairing_ids: Sequence[int]) -> dict[int, datetime]:
        """When the latest meeting of each pairing was recorded (pairings without one are
        left out)."""
        if not pairing_ids:
            return {}
        rows = self.session.execute(
            select(meetings.c.pairing_id, func.max(meetings.c.created_at))
            .where(meetings.c.pairing_id.in_(pairing_ids))
            .group_by(meetings.c.pairing_id)
        )
        return {pid: at for pid, at in ((p, _utc(a)) for p, a in rows.all()) if at is not None}

    def active_pairings_at_a_glance(self) -> ActivePairings:
        connection = self.session.connection()
        last_met = {
            pid: at
            for pid, at in ((p, _utc(a)) for p, a in _plain_rows(connection, _LAST_MET, {}))
            if at is not None
        }
        return ActivePairings(
            _copies(connection, Pairing, _ACTIVE_PAIRINGS),
            {p.id: p for p in _copies(connection, Person, _PAIRED_PEOPLE) if p.id is not None},
            last_met,
        )

    def standing_rows(self, person_id: int) -> StandingRows:
        self.session.flush()  # as the ORM's autoflush would: these read past the session
        connection = self.session.connection()
        latest, intros, pending, active = _standing_reads()
        params = {"person_id": person_id}
        found = _plain_rows(connection, latest, params, first=True)
        asked = _copies(connection, Approach, pending, params)
        paired = _copies(connection, Pairing, active, params)
        if not found:
            return StandingRows(None, None, [], asked, paired)
        width = len(rounds.c)
        keys = [str(c.key) for c in latest.selected_columns]
        round_ = _copy(Round, keys[:width], found[0][:width])
        registration = _copy(Registration, keys[width:], found[0][width:])
        in_round = {"person_id": person_id, "round_id": round_.id}
        told = _copies(connection, Introduction, intros, in_round)
        return StandingRows(round_, registration, told, asked, paired)

    def queued_keys(self, keys: Sequence[str]) -> set[str]:
        """Which of these dedupe keys the outbox already holds (as given, not as stored)."""
        if not keys:
            return set()
        stored = {dedupe_key(k): k for k in keys}
        if len(stored) == 1:  # the outbox asks before queueing each email: the short path
            [(one, given)] = stored.items()
            # One queued in this unit of work but not yet flushed counts too: looked for
            # among a few pending objects rather than flushed, so a handler's emails are
            # inserted together, not one flush each (many pending: flushed, as the ORM's
            # autoflush would, so a long job's queueing does not grow as its square).
            pending = self.session.new
            if self.session.deleted or len(pending) > _PENDING_LOOKED_AT:
                self.session.flush()
            elif any(isinstance(o, OutboundMessage) and o.dedupe_key == one for o in pending):
                return {given}
            held = _plain_first(self.session.connection(), _OUTBOUND_ID_BY_KEY, {"key": one})
            return set() if held is None else {given}
        found = self.session.scalars(
            select(outbound_messages.c.dedupe_key).where(
                outbound_messages.c.dedupe_key.in_(list(stored))
            )
        )
        return {stored[k] for k in found}

    def registered_people_ids(self) -> Sequence[int]:
        """Everyone not erased who has registered for some round."""
        return self.session.scalars(
            select(people.c.id)
            .where(people.c.erased_at.is_(None))
            .where(people.c.id.in_(select(registrations.c.person_id)))
        ).all()

    # --- what the pipeline, privacy, the digest and the demo ask (the store is closed:
    # nothing outside `service/store/` writes a query) ---
    def inbound(self, inbound_id: int) -> InboundMessage | None:
        return self.session.get(InboundMessage, inbound_id)

    def mark_moved(self, ids: Sequence[int], now: datetime) -> None:
        """Note when messages left the inbox, many in one statement."""
        self.session.execute(_MARK_MOVED, {"ids": list(ids), "now": now})

    def interest_entries(self) -> Sequence[InterestEntry]:
        return self.session.scalars(select(InterestEntry).order_by(interest_list.c.id)).all()

    def interest_entry(self, email: str) -> InterestEntry | None:
        return self.session.scalar(
            select(InterestEntry).where(interest_list.c.email == email.strip().lower())
        )

    def latest_email(self, person_id: int, template: str) -> OutboundMessage | None:
        """The newest email of this template queued to this person."""
        o = outbound_messages.c
        return self.session.scalar(
            select(OutboundMessage)
            .where(o.person_id == person_id, o.template == template)
            .order_by(o.created_at.desc(), o.id.desc())
            .limit(1)
        )

    def latest_email_at(self, template: str, before: datetime) -> datetime | None:
        """When the newest email of this template was queued before `before`."""
        o = outbound_messages.c
        found: datetime | None = self.session.scalar(
            select(func.max(o.created_at)).where(o.template == template, o.created_at < before)
        )
        return found

    def approaches_to(self, mentor_id: int) -> Sequence[Approach]:
        """Every request made to this mentor, whatever became of it."""
        return self.session.scalars(
            select(Approach)
            .where(approaches.c.mentor_id == mentor_id)
            .order_by(approaches.c.created_at, approaches.c.id)
        ).all()

    def message_counts(self, person_id: int) -> tuple[int, int]:
        """(emails received from them, emails queued to them)."""
        received = self.session.scalar(
            select(func.count()).where(inbound_messages.c.person_id == person_id)
        )
        sent = self.session.scalar(
            select(func.count()).where(outbound_messages.c.person_id == person_id)
        )
        return received or 0, sent or 0

    def mail_counts(self) -> tuple[int, int]:
        """(messages received, emails queued), all of them."""
        received = self.session.scalar(select(func.count()).select_from(inbound_messages))
        sent = self.session.scalar(select(func.count()).select_from(outbound_messages))
        return received or 0, sent or 0

    def all_people(self) -> Sequence[Person]:
        return self.session.scalars(select(Person).order_by(people.c.id)).all()

    def all_introductions(self) -> Sequence[Introduction]:
        return self.session.scalars(select(Introduction).order_by(introductions.c.id)).all()

    def all_approaches(self) -> Sequence[Approach]:
        return self.session.scalars(select(Approach).order_by(approaches.c.id)).all()

    def all_pairings(self) -> Sequence[Pairing]:
        return self.session.scalars(select(Pairing).order_by(pairings.c.id)).all()

    def registration_by_id(self, registration_id: int) -> Registration | None:
        return self.session.get(Registration, registration_id)

    def introduction(self, introduction_id: int) -> Introduction | None:
        return self.session.get(Introduction, introduction_id)

    def registrations_created(self, since: datetime, until: datetime) -> Sequence[Registration]:
        """Registrations made in (since, until]."""
        r = registrations.c
        return self.session.scalars(
            select(Registration).where(r.created_at > since, r.created_at <= until).order_by(r.id)
        ).all()

    def needs_attention(self, *, resolved: bool = False) -> Sequence[InboundMessage]:
        i = inbound_messages.c
        done = i.resolved_at.is_not(None) if resolved else i.resolved_at.is_(None)
        query = select(InboundMessage).where(i.status == InboundStatus.NEEDS_ATTENTION, done)
        return self.session.scalars(query.order_by(i.id)).all()

    def inbound_processed(
        self,
        since: datetime,
        until: datetime,
        *,
        status: InboundStatus | None = None,
        kind: str | None = None,
    ) -> Sequence[InboundMessage]:
        """Messages handled in (since, until], of one status and/or kind."""
        i = inbound_messages.c
        query = select(InboundMessage).where(i.processed_at > since, i.processed_at <= until)
        if status is not None:
            query = query.where(i.status == status)
        if kind is not None:
            query = query.where(i.kind == kind)
        return self.session.scalars(query.order_by(i.id)).all()

    def audit_events(self, action: str, since: datetime, until: datetime) -> Sequence[AuditEvent]:
        """Events of one kind recorded in (since, until], oldest first."""
        a = audit_events.c
        return self.session.scalars(
            select(AuditEvent).where(a.action == action, a.at > since, a.at <= until).order_by(a.id)
        ).all()

    def audit_after(self, last_id: int) -> Sequence[AuditEvent]:
        """Every event recorded after the one with id `last_id`."""
        return self.session.scalars(
            select(AuditEvent).where(audit_events.c.id > last_id).order_by(audit_events.c.id)
        ).all()

    def sent_after(self, last_id: int) -> list[SentFact]:
        """Emails queued after the one with id `last_id`, without their bytes."""
        o = outbound_messages.c
        rows = self.session.execute(
            select(o.id, o.template, o.created_at, o.person_id, o.to_address, o.provider_id)
            .where(o.id > last_id)
            .order_by(o.id)
        )
        return [SentFact(*row) for row in rows]

    def received_after(self, last_id: int) -> list[ReceivedFact]:
        """Messages handled (processed_at set) after the one with id `last_id`."""
        i = inbound_messages.c
        rows = self.session.execute(
            select(i.id, i.status, i.kind, i.reason, i.person_id, i.processed_at)
            .where(i.id > last_id, i.processed_at.is_not(None))
            .order_by(i.id)
        )
        return [ReceivedFact(n, str(s), k, r, p, at) for n, s, k, r, p, at in rows]

    def matched_mentee_count(self) -> int:
        """Mentees with at least one introduction past "proposed"."""
        i = introductions.c
        found = self.session.scalar(
            select(func.count(distinct(i.mentee_id))).where(i.status != "proposed")
        )
        return found or 0

    # erasure: what is blanked of a person's mail, notes and tokens (service/privacy.py
    # decides when; these say where it lives)
    def erase_mail_of(self, person_id: int, old_address: str, new_address: str) -> None:
        """Blank their messages and the forms that registered them (the pipeline links a
        form to nobody, but the emails it caused to them do); cancel unsent mail to them
        (it would go to an address that no longer exists); blank what was sent to them."""
        o, i = outbound_messages.c, inbound_messages.c
        to_them = or_(o.person_id == person_id, func.lower(o.to_address) == old_address.lower())
        their_forms = select(o.inbound_id).where(to_them, o.inbound_id.is_not(None))
        mine = or_(i.person_id == person_id, (i.kind == "form") & i.id.in_(their_forms))
        self.session.execute(
            update(inbound_messages).where(mine).values(raw=b"", transport_id="", reason="erased")
        )
        self.session.execute(
            update(outbound_messages)
            .where(o.person_id == person_id, o.status.in_(UNSENT))
            .values(status=OutboundStatus.CANCELLED)
        )
        self.session.execute(
            update(outbound_messages)
            .where(to_them)
            .values(raw=b"", to_address=new_address, last_error="")
        )

    def clear_meeting_notes_of(self, person_id: int) -> None:
        """Notes are free text: theirs, and their partners' (which may well name them)."""
        p = pairings.c
        theirs = select(p.id).where(or_(p.mentor_id == person_id, p.mentee_id == person_id))
        m = meetings.c
        self.session.execute(
            update(meetings)
            .where(or_(m.logged_by == person_id, m.pairing_id.in_(theirs)))
            .values(note="")
        )

    def clear_feedback_comments_of(self, person_id: int) -> None:
        """Comments are free text: theirs, and their partners' (which may well name them)."""
        p = pairings.c
        theirs = select(p.id).where(or_(p.mentor_id == person_id, p.mentee_id == person_id))
        f = feedback.c
        self.session.execute(
            update(feedback)
            .where(or_(f.person_id == person_id, f.pairing_id.in_(theirs)))
            .values(comment="")
        )

    def forget_tokens_and_interest(self, person_id: int, address: str) -> None:
        self.session.execute(delete(reply_tokens).where(reply_tokens.c.person_id == person_id))
        self.session.execute(
            delete(interest_list).where(interest_list.c.email == address.strip().lower())
        )

    def blank_inbound(self, inbound_id: int) -> None:
        """Blank one stored message's raw bytes; its key stays."""
        self.session.execute(
            update(inbound_messages)
            .where(inbound_messages.c.id == inbound_id)
            .values(raw=b"", transport_id="")
        )

    def add_tombstone(
        self, person_id: int, salt: str, address_hash: str, terms: Sequence[str], now: datetime
    ) -> None:
        self.session.execute(
            insert(erasures).values(
                person_id=person_id,
                salt=salt,
                address_hash=address_hash,
                pending_terms=json.dumps(list(terms)),
                created_at=now,
            )
        )

    def tombstones(self) -> list[Tombstone]:
        # Without the ORM's execution path: it cost more than the query (asked per message).
        return [tombstone(*row) for row in _plain_rows(self.session.connection(), _TOMBSTONES, {})]

    def set_tombstone_terms(self, tombstone_id: int, terms: Sequence[str]) -> None:
        self.session.execute(
            update(erasures)
            .where(erasures.c.id == tombstone_id)
            .values(pending_terms=json.dumps(list(terms)))
        )

    # inbound outcomes
    def take_inbound(self, record: InboundMessage, values: dict[str, Any]) -> bool:
        """Move a stored message to its outcome in one statement, only while it is still
        "stored": False when another transaction took it first (roll back then). The
        record then holds `values` as written, so no second UPDATE follows at commit."""
        # On the session's connection, in its transaction, without the ORM's bulk-update
        # machinery (a third of the statement's cost); nothing remembered reads this row.
        connection = self.session.connection()  # the handler's changes are flushed at commit
        statement = _take_inbound(tuple(sorted(values)))
        params = {**values, "taken_id": record.id}
        if connection.dialect.name == "sqlite":
            rowcount = _plain_execute(connection, statement, params)[1].rowcount
        else:
            taken: CursorResult[Any] = connection.execute(statement, params)
            rowcount = taken.rowcount
        if rowcount != 1:
            return False
        for name, value in values.items():
            set_committed_value(record, name, value)
        return True

    def add_inbound(self, record: InboundMessage) -> None:
        """One INSERT, without the ORM's flush (half the cost of keeping a message): the
        record stays outside the session, and what follows updates it by id."""
        values = {name: getattr(record, name) for name in _INBOUND_COLUMNS}
        added = self.session.connection().execute(_ADD_INBOUND, values)
        assert added.inserted_primary_key is not None
        record.id = int(added.inserted_primary_key[0])

    def stored_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        found = self.session.connection().execute(_STORED_KEYS, {"keys": list(keys)})
        return set(found.scalars())

    def add_inbounds(self, records: Sequence[InboundMessage]) -> None:
        """`add_inbound` for many: one multi-row INSERT, the ids returned in order."""
        if len(records) < 2:
            for record in records:
                self.add_inbound(record)
            return
        rows = [{name: getattr(r, name) for name in _INBOUND_COLUMNS} for r in records]
        ids = self.session.connection().execute(_ADD_INBOUNDS, rows).scalars().all()
        for record, row_id in zip(records, ids, strict=True):
            record.id = int(row_id)

    def inbound_exists(self, key: str) -> bool:
        """Is a message stored under this key? (The common answer, no, without loading.)"""
        found = _plain_first(self.session.connection(), _INBOUND_ID_BY_KEY, {"key": key})
        return found is not None

    def is_our_message_id(self, message_id: str) -> bool:
        """Did we send an email with this Message-ID? (Without loading the email.)"""
        found = _plain_first(
            self.session.connection(), _OUTBOUND_ID_BY_MESSAGE_ID, {"message_id": message_id}
        )
        return found is not None

    # a person's story, and the coordinators' corrections (service.story, service.corrections)
    def corrections_about(self, person_id: int) -> Sequence[Correction]:
        """Every correction about this person, or about a pairing they were in, oldest first."""
        c = corrections.c
        return self.session.scalars(
            select(Correction)
            .where(or_(c.person_id == person_id, c.partner_id == person_id))
            .order_by(c.at, c.id)
        ).all()

    def clear_correction_notes_of(self, person_id: int) -> None:
        """A coordinator's note is free text about the people it names."""
        c = corrections.c
        self.session.execute(
            update(corrections)
            .where(or_(c.person_id == person_id, c.partner_id == person_id))
            .values(note="")
        )

    def emails_of(self, person_id: int) -> Sequence[OutboundMessage]:
        """Every email queued to this person, oldest first."""
        o = outbound_messages.c
        return self.session.scalars(
            select(OutboundMessage).where(o.person_id == person_id).order_by(o.created_at, o.id)
        ).all()

    def messages_from(self, person_id: int) -> Sequence[InboundMessage]:
        """Every message received from (or attributed to) this person, oldest first."""
        i = inbound_messages.c
        return self.session.scalars(
            select(InboundMessage).where(i.person_id == person_id).order_by(i.received_at, i.id)
        ).all()

    def audit_about(self, subjects: Sequence[str]) -> Sequence[AuditEvent]:
        """Every event about these subjects ("person:3", "pairing:7"), oldest first."""
        if not subjects:
            return []
        a = audit_events.c
        return self.session.scalars(
            select(AuditEvent).where(a.subject.in_(list(subjects))).order_by(a.at, a.id)
        ).all()


def _utc(moment: datetime | None) -> datetime | None:
    """A moment read through an aggregate, which SQLite returns without its time zone."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


UNSENT = (OutboundStatus.QUEUED, OutboundStatus.SENDING)


def tombstone(
    row_id: int,
    person_id: int,
    salt: str,
    address_hash: str,
    pending: str | None,
    created_at: datetime,
) -> Tombstone:
    terms = tuple(json.loads(pending)) if pending else None
    return Tombstone(row_id, person_id, salt, address_hash, terms, created_at)
