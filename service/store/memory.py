"""The in-memory unit of work: the store's promises kept in plain dicts and lists.

For handler unit tests that run in milliseconds. tests/store/test_contract.py runs the
same tests against this and against SQLite and PostgreSQL, so what a handler test shows
here holds on the real database too.

A unit of work works on a deep copy of the committed state; `commit()` makes the copy
the committed state, `rollback()` (or leaving the block without committing) throws it
away. Ids are given when an object is added, from one counter per kind that a rollback
does not wind back (as on PostgreSQL). The database's constraints (one person per
address, one email per dedupe key, one pending request and one active pairing per
mentee, ...) are checked at `flush()` and `commit()`, and a breach raises
`service.store.errors.Conflict`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from service import clock
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
from service.store.errors import Conflict
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

T = TypeVar("T")
KINDS: tuple[type, ...] = (
    Person,
    Round,
    Registration,
    Introduction,
    Approach,
    Pairing,
    Meeting,
    Feedback,
    AuditEvent,
    InboundMessage,
    OutboundMessage,
    ReplyToken,
    InterestEntry,
    Tombstone,
    Correction,
)
UNSENT = (OutboundStatus.QUEUED, OutboundStatus.SENDING)


@dataclass
class Tables:
    """One dict per kind of object, by id."""

    rows: dict[type, dict[int, Any]] = field(default_factory=lambda: {k: {} for k in KINDS})

    def all(self, kind: type[T]) -> list[T]:
        return [self.rows[kind][i] for i in sorted(self.rows[kind])]


# What the database holds unique: (kind, the fields that together must differ, which rows).
_UNIQUE: list[tuple[type, tuple[str, ...], Callable[[Any], bool]]] = [
    (Person, ("email",), lambda _: True),
    (Round, ("name",), lambda _: True),
    (Registration, ("round_id", "person_id"), lambda _: True),
    (Introduction, ("round_id", "mentor_id", "mentee_id"), lambda _: True),
    (Approach, ("mentee_id",), lambda a: a.status == ApproachStatus.PENDING),
    (Pairing, ("mentee_id",), lambda p: p.status == PairingStatus.ACTIVE),
    (InboundMessage, ("key",), lambda _: True),
    (OutboundMessage, ("dedupe_key",), lambda _: True),
    (OutboundMessage, ("message_id",), lambda _: True),
    (ReplyToken, ("token_hash",), lambda _: True),
    (InterestEntry, ("email",), lambda _: True),
    (Feedback, ("pairing_id", "person_id", "asking"), lambda _: True),
]


def check_constraints(tables: Tables) -> None:
    for kind, fields, applies in _UNIQUE:
        seen: set[tuple[Any, ...]] = set()
        for obj in tables.rows[kind].values():
            if not applies(obj):
                continue
            key = tuple(getattr(obj, f) for f in fields)
            if key in seen:
                raise Conflict(f"a second {kind.__name__} with the same {', '.join(fields)}")
            seen.add(key)


@dataclass
class MemoryStore:
    """The committed state, shared by every unit of work made from it."""

    tables: Tables = field(default_factory=Tables)
    last_ids: dict[type, int] = field(default_factory=dict)

    def next_id(self, kind: type) -> int:
        self.last_ids[kind] = self.last_ids.get(kind, 0) + 1
        return self.last_ids[kind]

    def uow(self, *, actor: str = "system", inbound_id: int | None = None) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self, actor=actor, inbound_id=inbound_id)


class MemoryUnitOfWork:
    """`service.store.unit_of_work.UnitOfWork` on a `MemoryStore`."""

    def __init__(
        self, store: MemoryStore, *, actor: str = "system", inbound_id: int | None = None
    ) -> None:
        self.store = store
        self.actor = actor
        self.inbound_id = inbound_id
        self._tables = Tables()
        self._repo = MemoryRepository(self._tables, store.next_id)

    @property
    def repo(self) -> MemoryRepository:
        return self._repo

    def __enter__(self) -> Self:
        self._tables.rows = copy.deepcopy(self.store.tables.rows)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # What was read stays readable; what was not committed is forgotten.
        self._tables.rows = {k: {} for k in KINDS}

    def add(self, obj: object) -> None:
        kind = type(obj)
        if kind not in self._tables.rows:
            raise TypeError(f"the store keeps no {kind.__name__}")
        if getattr(obj, "id", None) is None:
            obj.id = self.store.next_id(kind)  # type: ignore[attr-defined]
        self._tables.rows[kind][obj.id] = obj  # type: ignore[attr-defined]

    def delete(self, obj: object) -> None:
        self._tables.rows[type(obj)].pop(getattr(obj, "id", None), None)  # type: ignore[arg-type]

    def flush(self) -> None:
        check_constraints(self._tables)

    def commit(self) -> None:
        check_constraints(self._tables)
        self.store.tables.rows = copy.deepcopy(self._tables.rows)

    def rollback(self) -> None:
        self._tables.rows = copy.deepcopy(self.store.tables.rows)

    def remember(self, key: Hashable, compute: Callable[[], T]) -> T:
        # Reading a dict costs nothing: always worked out afresh, so never stale.
        return compute()

    def audit(
        self,
        action: str,
        subject: str,
        detail: dict[str, object] | None = None,
        *,
        actor: str | None = None,
    ) -> AuditEvent:
        event = AuditEvent(
            at=clock.now(),
            actor=actor or self.actor,
            action=action,
            subject=subject,
            detail=dict(detail or {}),
            inbound_id=self.inbound_id,
        )
        self.add(event)
        return event


def key_of(obj: object) -> int:
    found = getattr(obj, "id", None)
    assert isinstance(found, int), "not stored yet"
    return found


def _first(found: Iterable[T]) -> T | None:
    return next(iter(found), None)


def _in(since: datetime, moment: datetime | None, until: datetime) -> bool:
    return moment is not None and since < moment <= until


class MemoryRepository:
    """`service.store.unit_of_work.Repository` over the unit of work's tables."""

    def __init__(self, tables: Tables, next_id: Callable[[type], int]) -> None:
        self._t = tables
        self._next_id = next_id

    def _all(self, kind: type[T]) -> list[T]:
        return self._t.all(kind)

    def _get(self, kind: type[T], obj_id: int) -> T | None:
        found: T | None = self._t.rows[kind].get(obj_id)
        return found

    # people
    def person(self, person_id: int) -> Person | None:
        return self._get(Person, person_id)

    def person_by_email(self, email: str) -> Person | None:
        address = email.strip().lower()
        return _first(p for p in self._all(Person) if p.email == address)

    def people(self, ids: Sequence[int]) -> dict[int, Person]:
        wanted = set(ids)
        return {p.id: p for p in self._all(Person) if p.id in wanted and p.id is not None}

    def all_people(self) -> Sequence[Person]:
        return self._all(Person)

    # rounds
    def round(self, round_id: int) -> Round | None:
        return self._get(Round, round_id)

    def round_by_name(self, name: str) -> Round | None:
        return _first(r for r in self._all(Round) if r.name == name)

    def rounds(self) -> Sequence[Round]:
        return sorted(self._all(Round), key=lambda r: r.opens_at)

    def round_open_at(self, moment: datetime) -> Round | None:
        open_ = [r for r in self.rounds() if r.opens_at <= moment < r.closes_at]
        return open_[-1] if open_ else None

    def next_round_after(self, moment: datetime) -> Round | None:
        return _first(r for r in self.rounds() if r.opens_at > moment)

    def latest_round_for(self, person_id: int) -> Round | None:
        theirs = {r.round_id for r in self._all(Registration) if r.person_id == person_id}
        found = [r for r in self.rounds() if r.id in theirs]
        return found[-1] if found else None

    # registrations
    def registration(self, round_id: int, person_id: int) -> Registration | None:
        return _first(
            r
            for r in self._all(Registration)
            if r.round_id == round_id and r.person_id == person_id
        )

    def registration_by_id(self, registration_id: int) -> Registration | None:
        return self._get(Registration, registration_id)

    def registrations(
        self, round_id: int, status: RegistrationStatus | None = None
    ) -> Sequence[Registration]:
        return [
            r
            for r in self._all(Registration)
            if r.round_id == round_id and (status is None or r.status == status)
        ]

    def registrations_of(self, person_id: int) -> Sequence[Registration]:
        return [r for r in self._all(Registration) if r.person_id == person_id]

    def registrations_created(self, since: datetime, until: datetime) -> Sequence[Registration]:
        return [r for r in self._all(Registration) if _in(since, r.created_at, until)]

    # introductions
    def introduction(self, introduction_id: int) -> Introduction | None:
        return self._get(Introduction, introduction_id)

    def introductions(self, round_id: int) -> Sequence[Introduction]:
        return [i for i in self._all(Introduction) if i.round_id == round_id]

    def all_introductions(self) -> Sequence[Introduction]:
        return self._all(Introduction)

    def introductions_of(
        self, person_id: int, round_id: int | None = None
    ) -> Sequence[Introduction]:
        found = [
            i
            for i in self._all(Introduction)
            if person_id in (i.mentee_id, i.mentor_id)
            and (round_id is None or i.round_id == round_id)
        ]
        return sorted(found, key=lambda i: (i.number, i.id or 0))

    def introduction_between(
        self, round_id: int, mentor_id: int, mentee_id: int
    ) -> Introduction | None:
        return _first(
            i
            for i in self._all(Introduction)
            if (i.round_id, i.mentor_id, i.mentee_id) == (round_id, mentor_id, mentee_id)
        )

    def earlier_pairs(self, before_round_id: int) -> set[tuple[int, int]]:
        return {
            (i.mentor_id, i.mentee_id)
            for i in self._all(Introduction)
            if i.round_id != before_round_id
        }

    def matched_mentee_count(self) -> int:
        return len({i.mentee_id for i in self._all(Introduction) if i.status != "proposed"})

    # approaches
    def approach(self, approach_id: int) -> Approach | None:
        return self._get(Approach, approach_id)

    def _approaches(self, keep: Callable[[Approach], bool]) -> list[Approach]:
        return sorted(
            (a for a in self._all(Approach) if keep(a)), key=lambda a: (a.created_at, a.id or 0)
        )

    def pending_approach(self, mentee_id: int) -> Approach | None:
        return _first(
            self._approaches(
                lambda a: a.mentee_id == mentee_id and a.status == ApproachStatus.PENDING
            )
        )

    def pending_approaches_to(self, mentor_id: int) -> Sequence[Approach]:
        return self._approaches(
            lambda a: a.mentor_id == mentor_id and a.status == ApproachStatus.PENDING
        )

    def pending_approaches_naming(self, person_id: int) -> Sequence[Approach]:
        return self._approaches(
            lambda a: person_id in (a.mentee_id, a.mentor_id)
            and a.status == ApproachStatus.PENDING
        )

    def approaches_of_mentee(
        self, mentee_id: int, round_id: int | None = None
    ) -> Sequence[Approach]:
        return self._approaches(
            lambda a: a.mentee_id == mentee_id and (round_id is None or a.round_id == round_id)
        )

    def approaches_to(self, mentor_id: int) -> Sequence[Approach]:
        return self._approaches(lambda a: a.mentor_id == mentor_id)

    def all_pending_approaches(self) -> Sequence[Approach]:
        return [a for a in self._all(Approach) if a.status == ApproachStatus.PENDING]

    def approaches_in(self, round_id: int) -> Sequence[Approach]:
        return [a for a in self._all(Approach) if a.round_id == round_id]

    def all_approaches(self) -> Sequence[Approach]:
        return self._all(Approach)

    # pairings
    def pairing(self, pairing_id: int) -> Pairing | None:
        return self._get(Pairing, pairing_id)

    def _pairings_by_start(self, keep: Callable[[Pairing], bool]) -> list[Pairing]:
        return sorted(
            (p for p in self._all(Pairing) if keep(p)), key=lambda p: (p.started_at, p.id or 0)
        )

    def active_pairing_of_mentee(self, mentee_id: int) -> Pairing | None:
        return _first(
            p
            for p in self._all(Pairing)
            if p.mentee_id == mentee_id and p.status == PairingStatus.ACTIVE
        )

    def active_pairings_of(self, person_id: int) -> Sequence[Pairing]:
        return self._pairings_by_start(
            lambda p: person_id in (p.mentee_id, p.mentor_id) and p.status == PairingStatus.ACTIVE
        )

    def active_pairings_as_mentor(self, mentor_id: int) -> int:
        return sum(
            p.mentor_id == mentor_id and p.status == PairingStatus.ACTIVE
            for p in self._all(Pairing)
        )

    def pairings_of(self, person_id: int) -> Sequence[Pairing]:
        return self._pairings_by_start(lambda p: person_id in (p.mentee_id, p.mentor_id))

    def all_active_pairings(self) -> Sequence[Pairing]:
        return [p for p in self._all(Pairing) if p.status == PairingStatus.ACTIVE]

    def pairings_in(self, round_id: int) -> Sequence[Pairing]:
        return [p for p in self._all(Pairing) if p.round_id == round_id]

    def all_pairings(self) -> Sequence[Pairing]:
        return self._all(Pairing)

    # meetings
    def meetings_of(self, pairing_ids: Sequence[int]) -> Sequence[Meeting]:
        wanted = set(pairing_ids)
        return [m for m in self._all(Meeting) if m.pairing_id in wanted]

    def meetings(self, pairing_id: int) -> Sequence[Meeting]:
        found = [m for m in self._all(Meeting) if m.pairing_id == pairing_id]
        return sorted(found, key=lambda m: (m.met_on, m.id or 0))

    def distinct_meetings(self, pairing_id: int) -> list[Meeting]:
        return distinct_meetings(self.meetings(pairing_id))

    def minutes_met(self, pairing_id: int) -> int:
        return sum(m.minutes for m in self.distinct_meetings(pairing_id))

    def all_meetings(self) -> Sequence[Meeting]:
        return sorted(self._all(Meeting), key=lambda m: (m.met_on, m.id or 0))

    def clear_meeting_notes_of(self, person_id: int) -> None:
        theirs = {p.id for p in self.pairings_of(person_id)}
        for m in self._all(Meeting):
            if m.logged_by == person_id or m.pairing_id in theirs:
                m.note = ""

    # feedback
    def feedback_given(self, pairing_id: int, person_id: int, asking: str) -> Feedback | None:
        return _first(
            f
            for f in self._all(Feedback)
            if (f.pairing_id, f.person_id, f.asking) == (pairing_id, person_id, asking)
        )

    def feedback_of(self, pairing_ids: Sequence[int]) -> Sequence[Feedback]:
        wanted = set(pairing_ids)
        return [f for f in self._all(Feedback) if f.pairing_id in wanted]

    def feedback_by(self, person_id: int) -> Sequence[Feedback]:
        return [f for f in self._all(Feedback) if f.person_id == person_id]

    def clear_feedback_comments_of(self, person_id: int) -> None:
        theirs = {p.id for p in self.pairings_of(person_id)}
        for f in self._all(Feedback):
            if f.person_id == person_id or f.pairing_id in theirs:
                f.comment = ""

    # mail records
    def inbound(self, inbound_id: int) -> InboundMessage | None:
        return self._get(InboundMessage, inbound_id)

    def inbound_by_key(self, key: str) -> InboundMessage | None:
        return _first(i for i in self._all(InboundMessage) if i.key == key)

    def take_inbound(self, record: InboundMessage, values: dict[str, Any]) -> bool:
        held = self.inbound(key_of(record))
        if held is None or held.status != InboundStatus.STORED:
            return False
        for name, value in values.items():
            setattr(held, name, value)
            setattr(record, name, value)
        return True

    def add_inbound(self, record: InboundMessage) -> None:
        record.id = self._next_id(InboundMessage)
        self._t.rows[InboundMessage][record.id] = record

    def inbound_exists(self, key: str) -> bool:
        return self.inbound_by_key(key) is not None

    def stored_keys(self, keys: Sequence[str]) -> set[str]:
        wanted = set(keys)
        return {i.key for i in self._all(InboundMessage) if i.key in wanted}

    def add_inbounds(self, records: Sequence[InboundMessage]) -> None:
        for record in records:
            self.add_inbound(record)

    def is_our_message_id(self, message_id: str) -> bool:
        return self.outbound_by_message_id(message_id) is not None

    def mark_moved(self, ids: Sequence[int], now: datetime) -> None:
        for record in self._all(InboundMessage):
            if record.id in ids and record.moved_at is None:
                record.moved_at = now

    def needs_attention(self, *, resolved: bool = False) -> Sequence[InboundMessage]:
        return [
            i
            for i in self._all(InboundMessage)
            if i.status is InboundStatus.NEEDS_ATTENTION and (i.resolved_at is not None) == resolved
        ]

    def inbound_processed(
        self,
        since: datetime,
        until: datetime,
        *,
        status: InboundStatus | None = None,
        kind: str | None = None,
    ) -> Sequence[InboundMessage]:
        return [
            i
            for i in self._all(InboundMessage)
            if _in(since, i.processed_at, until)
            and (status is None or i.status == status)
            and (kind is None or i.kind == kind)
        ]

    def received_after(self, last_id: int) -> list[ReceivedFact]:
        return [
            ReceivedFact(i.id, str(i.status), i.kind, i.reason, i.person_id, i.processed_at)
            for i in self._all(InboundMessage)
            if i.id is not None and i.id > last_id and i.processed_at is not None
        ]

    def inbound_facts(self) -> Sequence[tuple[int | None, str, str, datetime]]:
        return [
            (i.person_id, str(i.status), i.kind, i.received_at) for i in self._all(InboundMessage)
        ]

    def blank_inbound(self, inbound_id: int) -> None:
        record = self.inbound(inbound_id)
        if record is not None:
            record.raw, record.transport_id = b"", ""

    def outbound_by_key(self, key: str) -> OutboundMessage | None:
        stored = dedupe_key(key)
        return _first(o for o in self._all(OutboundMessage) if o.dedupe_key == stored)

    def outbound_by_message_id(self, message_id: str) -> OutboundMessage | None:
        return _first(o for o in self._all(OutboundMessage) if o.message_id == message_id)

    def emails_to_since(
        self,
        address: str,
        since: datetime,
        *,
        template: str | None = None,
        automatic_answer: bool | None = None,
    ) -> int:
        return sum(
            o.to_address == address
            and o.created_at >= since
            and o.status != OutboundStatus.CANCELLED
            and (template is None or o.template == template)
            and (automatic_answer is None or o.automatic_answer is automatic_answer)
            for o in self._all(OutboundMessage)
        )

    def latest_email(self, person_id: int, template: str) -> OutboundMessage | None:
        found = [
            o
            for o in self._all(OutboundMessage)
            if o.person_id == person_id and o.template == template
        ]
        return max(found, key=lambda o: (o.created_at, o.id or 0), default=None)

    def latest_email_at(self, template: str, before: datetime) -> datetime | None:
        return max(
            (
                o.created_at
                for o in self._all(OutboundMessage)
                if o.template == template and o.created_at < before
            ),
            default=None,
        )

    def sent_after(self, last_id: int) -> list[SentFact]:
        return [
            SentFact(o.id, o.template, o.created_at, o.person_id, o.to_address, o.provider_id)
            for o in self._all(OutboundMessage)
            if o.id is not None and o.id > last_id
        ]

    def outbound_facts(self) -> Sequence[tuple[int | None, str, str, datetime | None, str, bool]]:
        return [
            (o.person_id, o.template, str(o.status), o.sent_at, o.last_error, o.automatic_answer)
            for o in self._all(OutboundMessage)
        ]

    def message_counts(self, person_id: int) -> tuple[int, int]:
        received = sum(i.person_id == person_id for i in self._all(InboundMessage))
        sent = sum(o.person_id == person_id for o in self._all(OutboundMessage))
        return received, sent

    def mail_counts(self) -> tuple[int, int]:
        return len(self._all(InboundMessage)), len(self._all(OutboundMessage))

    def erase_mail_of(self, person_id: int, old_address: str, new_address: str) -> None:
        old = old_address.lower()
        to_them = [
            o
            for o in self._all(OutboundMessage)
            if o.person_id == person_id or o.to_address.lower() == old
        ]
        their_forms = {o.inbound_id for o in to_them if o.inbound_id is not None}
        for i in self._all(InboundMessage):
            if i.person_id == person_id or (i.kind == "form" and i.id in their_forms):
                i.raw, i.transport_id, i.reason = b"", "", "erased"
        for o in to_them:
            if o.person_id == person_id and o.status in UNSENT:
                o.status = OutboundStatus.CANCELLED
            o.raw, o.to_address, o.last_error = b"", new_address, ""

    # tokens and the interest list
    def token(self, token_hash: str) -> ReplyToken | None:
        return _first(t for t in self._all(ReplyToken) if t.token_hash == token_hash)

    def interest_entries(self) -> Sequence[InterestEntry]:
        return sorted(self._all(InterestEntry), key=lambda e: e.id or 0)

    def interest_entry(self, email: str) -> InterestEntry | None:
        address = email.strip().lower()
        return _first(e for e in self._all(InterestEntry) if e.email == address)

    def forget_tokens_and_interest(self, person_id: int, address: str) -> None:
        rows = self._t.rows
        rows[ReplyToken] = {i: t for i, t in rows[ReplyToken].items() if t.person_id != person_id}
        rows[InterestEntry] = {
            i: e for i, e in rows[InterestEntry].items() if e.email != address.strip().lower()
        }

    # erasure tombstones
    def add_tombstone(
        self, person_id: int, salt: str, address_hash: str, terms: Sequence[str], now: datetime
    ) -> None:
        stone = Tombstone(
            self._next_id(Tombstone), person_id, salt, address_hash, tuple(terms), now
        )
        self._t.rows[Tombstone][stone.id] = stone

    def tombstones(self) -> list[Tombstone]:
        return self._all(Tombstone)

    def set_tombstone_terms(self, tombstone_id: int, terms: Sequence[str]) -> None:
        rows = self._t.rows[Tombstone]
        rows[tombstone_id] = replace(rows[tombstone_id], pending_terms=tuple(terms))

    # audit trail
    def latest_audit(self, action: str, subject: str) -> AuditEvent | None:
        found = [e for e in self._all(AuditEvent) if e.action == action and e.subject == subject]
        return found[-1] if found else None

    def audit_events(self, action: str, since: datetime, until: datetime) -> Sequence[AuditEvent]:
        return [e for e in self._all(AuditEvent) if e.action == action and _in(since, e.at, until)]

    def audit_after(self, last_id: int) -> Sequence[AuditEvent]:
        return [e for e in self._all(AuditEvent) if e.id is not None and e.id > last_id]

    # what the time rules ask of every candidate at once (jobs/)
    def first_introduction_sent_at(self, round_id: int) -> datetime | None:
        sent = [
            i.sent_at
            for i in self._all(Introduction)
            if i.round_id == round_id and i.sent_at is not None
        ]
        return min(sent) if sent else None

    def pairing_and_people(
        self, pairing_id: int
    ) -> tuple[Pairing, Person, Person, datetime | None] | None:
        pairing = self.pairing(pairing_id)
        if pairing is None:
            return None
        mentor, mentee = self.person(pairing.mentor_id), self.person(pairing.mentee_id)
        if mentor is None or mentee is None:
            return None
        return pairing, mentor, mentee, self.last_meeting_logged_at([pairing_id]).get(pairing_id)

    def last_meeting_logged_at(self, pairing_ids: Sequence[int]) -> dict[int, datetime]:
        wanted = set(pairing_ids)
        latest: dict[int, datetime] = {}
        for m in self._all(Meeting):
            if m.pairing_id in wanted:
                latest[m.pairing_id] = max(m.created_at, latest.get(m.pairing_id, m.created_at))
        return latest

    def standing_rows(self, person_id: int) -> StandingRows:
        round_ = self.latest_round_for(person_id)
        asked = list(self.pending_approaches_naming(person_id))
        paired = list(self.active_pairings_of(person_id))
        if round_ is None or round_.id is None:
            return StandingRows(None, None, [], asked, paired)
        intros = list(self.introductions_of(person_id, round_.id))
        return StandingRows(round_, self.registration(round_.id, person_id), intros, asked, paired)

    def active_pairings_at_a_glance(self) -> ActivePairings:
        active = sorted(self.all_active_pairings(), key=lambda p: p.id or 0)
        ids = [p.id for p in active if p.id is not None]
        sides = {p.mentor_id for p in active} | {p.mentee_id for p in active}
        return ActivePairings(active, self.people(sorted(sides)), self.last_meeting_logged_at(ids))

    def queued_keys(self, keys: Sequence[str]) -> set[str]:
        stored = {dedupe_key(k): k for k in keys}
        return {stored[o.dedupe_key] for o in self._all(OutboundMessage) if o.dedupe_key in stored}

    def registered_people_ids(self) -> Sequence[int]:
        registered = {r.person_id for r in self._all(Registration)}
        people = self._all(Person)
        return [p.id for p in people if p.id is not None and p.id in registered and not p.erased]

    # a person's story, and the coordinators' corrections
    def corrections_about(self, person_id: int) -> Sequence[Correction]:
        found = [c for c in self._all(Correction) if person_id in (c.person_id, c.partner_id)]
        return sorted(found, key=lambda c: (c.at, c.id or 0))

    def clear_correction_notes_of(self, person_id: int) -> None:
        for c in self._all(Correction):
            if person_id in (c.person_id, c.partner_id):
                c.note = ""

    def emails_of(self, person_id: int) -> Sequence[OutboundMessage]:
        found = [o for o in self._all(OutboundMessage) if o.person_id == person_id]
        return sorted(found, key=lambda o: (o.created_at, o.id or 0))

    def messages_from(self, person_id: int) -> Sequence[InboundMessage]:
        found = [i for i in self._all(InboundMessage) if i.person_id == person_id]
        return sorted(found, key=lambda i: (i.received_at, i.id or 0))

    def audit_about(self, subjects: Sequence[str]) -> Sequence[AuditEvent]:
        wanted = set(subjects)
        found = [a for a in self._all(AuditEvent) if a.subject in wanted]
        return sorted(found, key=lambda a: (a.at, a.id or 0))
