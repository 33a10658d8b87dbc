"""A programme in memory for handler unit tests: a round whose matches were sent, and
the people, introductions, requests and pairings a test asks for.

Handlers run here exactly as the pipeline runs them, `fn(request, uow, ctx)` in one unit
of work, committed when they return and rolled back when they refuse, but on the
in-memory unit of work (tests/store/test_contract.py holds it to the SQL one's promises).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest

import handlers
from service.bus import CommandRequest, Context
from service.config import ProgrammeConfig
from service.domain.model import (
    Approach,
    AuditEvent,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
    RoundStatus,
)
from service.errors import DomainError
from service.messages import Email
from service.purpose import resolve
from service.store.memory import MemoryStore, MemoryUnitOfWork
from service.store.unit_of_work import UnitOfWork

OPENS = datetime(2026, 5, 18, 8, 0, tzinfo=UTC)
NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # after the matches were sent
T = TypeVar("T")
Handler = Callable[[Any, UnitOfWork, Context], list[Email]]


@dataclass
class World:
    config: ProgrammeConfig
    now: datetime = NOW
    store: MemoryStore = field(default_factory=MemoryStore)
    round: Round = field(init=False)

    def __post_init__(self) -> None:
        with self.uow() as uow:
            self.round = Round(
                name="2026",
                opens_at=OPENS,
                closes_at=OPENS + timedelta(days=31),
                created_at=OPENS,
                status=RoundStatus.SENT,
            )
            uow.add(self.round)
            uow.commit()

    def uow(self) -> MemoryUnitOfWork:
        return self.store.uow()

    @property
    def ctx(self) -> Context:
        return Context(self.config, self.now, handlers.TABLE)

    @property
    def round_id(self) -> int:
        assert self.round.id is not None
        return self.round.id

    # --- building the state ----------------------------------------------------------------
    def _keep(self, *objects: Any) -> None:
        with self.uow() as uow:
            for obj in objects:
                uow.add(obj)
            uow.commit()

    def person(
        self,
        first: str,
        roles: str = "mentee",
        *,
        grade: str = "HEO",
        department: str = "Home Office",
        status: RegistrationStatus = RegistrationStatus.CONFIRMED,
        places: int = 1,
    ) -> Person:
        """A participant registered in the round (confirmed unless said otherwise)."""
        person = Person(
            email=f"{first.lower()}@dept.gov.uk",
            first_name=first,
            last_name="Example",
            created_at=OPENS,
        )
        self._keep(person)
        assert person.id is not None
        self._keep(
            Registration(
                round_id=self.round_id,
                person_id=person.id,
                roles=roles,
                grade=grade,
                department=department,
                profession="Policy",
                created_at=OPENS,
                status=status,
                confirmed_at=OPENS if status is RegistrationStatus.CONFIRMED else None,
                long_term_capacity=places,
            )
        )
        return person

    def mentor(self, first: str, *, places: int = 1) -> Person:
        return self.person(first, "mentor", grade="G7", department="HM Treasury", places=places)

    def introduce(
        self,
        mentor: Person,
        mentee: Person,
        number: int = 1,
        status: IntroductionStatus = IntroductionStatus.SENT,
    ) -> Introduction:
        assert mentor.id is not None and mentee.id is not None
        intro = Introduction(
            round_id=self.round_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            number=number,
            created_at=OPENS + timedelta(days=32),
            status=status,
            sent_at=OPENS + timedelta(days=33),
        )
        self._keep(intro)
        return intro

    def request(self, mentee: Person, mentor: Person, days_ago: int = 1) -> Approach:
        assert mentor.id is not None and mentee.id is not None
        approach = Approach(
            round_id=self.round_id,
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            created_at=self.now - timedelta(days=days_ago),
        )
        self._keep(approach)
        return approach

    def pair(self, mentor: Person, mentee: Person, days_ago: int = 14) -> Pairing:
        assert mentor.id is not None and mentee.id is not None
        started = self.now - timedelta(days=days_ago)
        pairing = Pairing(
            round_id=self.round_id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            started_at=started,
            ends_at=started + timedelta(days=365),
            mentor_last_seen_at=started,
            mentee_last_seen_at=started,
        )
        self._keep(pairing)
        return pairing

    # --- running a handler ---------------------------------------------------------------
    def run(self, handler: Handler, request: Any) -> list[Email]:
        """Handle `request` and commit, as the pipeline does."""
        with self.uow() as uow:
            emails = handler(_attached(request, uow), uow, self.ctx)
            uow.commit()
        return emails

    def refused(self, handler: Handler, request: Any) -> str:
        """Handle `request`, which must be refused; the refusal's sentence. Nothing of it
        is kept (the test then finds the state as it was)."""
        before = self.events()
        with pytest.raises(DomainError) as refusal, self.uow() as uow:
            handler(_attached(request, uow), uow, self.ctx)
            uow.commit()
        assert self.events() == before
        return str(refusal.value)

    # --- reading the state -----------------------------------------------------------------
    def events(self) -> list[str]:
        """Every audit event so far, as "action subject"."""
        with self.uow() as uow:
            return [f"{e.action} {e.subject}" for e in uow.repo.audit_after(0)]

    def audit(self) -> list[AuditEvent]:
        with self.uow() as uow:
            return list(uow.repo.audit_after(0))

    def read(self, query: Callable[[UnitOfWork], T]) -> T:
        with self.uow() as uow:
            return query(uow)

    def fresh(self, obj: T) -> T:
        """`obj` as the store holds it now (what the handler committed)."""
        found: T = self.store.tables.rows[type(obj)][key(obj)]
        return found


def _attached(request: Any, uow: UnitOfWork) -> Any:
    """The request with its person as this unit of work reads them, as the pipeline
    gives it (it finds the sender in the same unit of work): what the handler changes
    about them is then kept on commit."""
    if not isinstance(request, CommandRequest):
        return request
    person = uow.repo.person(key(request.person))
    assert person is not None
    return replace(request, person=person, about=resolve(uow, request.about.purpose))


def key(obj: object) -> int:
    """The id of something the store holds."""
    found = getattr(obj, "id", None)
    assert isinstance(found, int)
    return found


def sent(emails: list[Email]) -> list[tuple[str, str]]:
    """(template, recipient address) of each email, in order."""
    return [(e.template, e.to.address) for e in emails]
