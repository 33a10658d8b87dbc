"""Put the programme into a known state directly through the store, for the time rules.

The matching and the handlers are built elsewhere; these tests only need the state they
leave behind: people, a round, confirmed registrations, introductions SENT, approaches
and pairings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from service import clock
from service.app import App
from service.domain.model import (
    Approach,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
    RoundStatus,
)
from service.mail import outbox
from tests.harness import Programme, Sent

# Matches go out on this moment; every test counts days from it.
T0 = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def at(day: int, hour: int = 9) -> datetime:
    return T0 + timedelta(days=day, hours=hour - 9)


@dataclass
class World:
    app: App
    round_id: int = 0
    ids: dict[str, int] = field(default_factory=dict)

    @property
    def programme(self) -> Programme:
        return Programme(self.app)

    def email(self, name: str) -> str:
        return f"{name}@dept.example"

    def inbox(self, name: str) -> list[Sent]:
        return self.programme.inbox_of(self.email(name))

    def subjects(self, name: str) -> list[str]:
        # Without the reply-token tag the subject carries, e.g. " [ref:abc123]".
        return [re.sub(r"\s*\[ref:[^\]]*\]$", "", s.subject).strip() for s in self.inbox(name)]

    def coordinator_mail(self) -> list[Sent]:
        return self.programme.inbox_of(self.app.config.coordinators.addresses[0])

    # --- building -------------------------------------------------------------------
    def add_person(self, name: str, *, roles: str, grade: str, department: str) -> int:
        with self.app.uow() as uow:
            person = Person(
                email=self.email(name),
                first_name=name.capitalize(),
                last_name="Tester",
                created_at=T0 - timedelta(days=60),
            )
            uow.add(person)
            uow.flush()
            assert person.id is not None
            uow.add(
                Registration(
                    round_id=self.round_id,
                    person_id=person.id,
                    roles=roles,
                    grade=grade,
                    department=department,
                    profession="Policy",
                    created_at=T0 - timedelta(days=50),
                    status=RegistrationStatus.CONFIRMED,
                    confirmed_at=T0 - timedelta(days=50),
                    long_term_capacity=1 if "mentor" in roles else 0,
                )
            )
            uow.commit()
            self.ids[name] = person.id
            return person.id

    def introduce(self, mentor: str, mentee: str, number: int) -> None:
        with self.app.uow() as uow:
            uow.add(
                Introduction(
                    round_id=self.round_id,
                    mentor_id=self.ids[mentor],
                    mentee_id=self.ids[mentee],
                    number=number,
                    created_at=T0,
                    status=IntroductionStatus.SENT,
                    sent_at=T0,
                    why="one grade above you, in a different department",
                )
            )
            uow.commit()

    def approach(self, mentee: str, mentor: str, when: datetime) -> int:
        with self.app.uow() as uow:
            a = Approach(
                round_id=self.round_id,
                mentee_id=self.ids[mentee],
                mentor_id=self.ids[mentor],
                created_at=when,
            )
            uow.add(a)
            uow.commit()
            assert a.id is not None
            return a.id

    def pair(self, mentor: str, mentee: str, started: datetime) -> int:
        with self.app.uow() as uow:
            p = Pairing(
                round_id=self.round_id,
                mentor_id=self.ids[mentor],
                mentee_id=self.ids[mentee],
                started_at=started,
                ends_at=started + timedelta(days=self.app.config.timings.programme_length),
            )
            uow.add(p)
            uow.commit()
            assert p.id is not None
            return p.id

    def pairing(self, pairing_id: int) -> Pairing:
        with self.app.uow() as uow:
            p = uow.repo.pairing(pairing_id)
            assert p is not None
            return p

    def update_pairing(self, pairing_id: int, **values: object) -> None:
        with self.app.uow() as uow:
            p = uow.repo.pairing(pairing_id)
            for k, v in values.items():
                setattr(p, k, v)
            uow.commit()

    def not_responding(self, pairing_id: int, reporter: str, when: datetime) -> None:
        """What the NOT RESPONDING handler leaves: the ladder started, and its audit event."""
        from service.domain import liveness

        clock.set_now(when)
        with self.app.uow(actor=f"person:{self.ids[reporter]}") as uow:
            p = uow.repo.pairing(pairing_id)
            assert p is not None
            assert liveness.start_ladder(p, self.ids[reporter], when)
            liveness.seen(p, self.ids[reporter], when)
            role = "mentor" if p.mentor_id == self.ids[reporter] else "mentee"
            uow.audit(
                "pairing.ladder_started",
                f"pairing:{pairing_id}",
                {"silent": p.silent_id, "reported_by": role},
            )
            uow.commit()

    def update_person(self, name: str, **values: object) -> None:
        with self.app.uow() as uow:
            p = uow.repo.person(self.ids[name])
            for k, v in values.items():
                setattr(p, k, v)
            uow.commit()

    def approach_status(self, approach_id: int) -> str:
        with self.app.uow() as uow:
            a = uow.repo.approach(approach_id)
            assert a is not None
            return a.status.value

    # --- time ---------------------------------------------------------------------
    def run(self, when: datetime) -> None:
        """Run the daily rules at `when` and send what they queued."""
        from jobs.time_rules import run_due

        clock.set_now(when)
        run_due(self.app, when)
        outbox.drain(self.app.db, self.app.transport, config=self.app.config)

    def days(self, first: int, last: int) -> None:
        for day in range(first, last + 1):
            self.run(at(day))


def build_world(app: App) -> World:
    """A matched round: mentee Ash with speed mentors Bo (1), Cy (2) and Di (3)."""
    with app.uow() as uow:
        r = Round(
            name="2026",
            opens_at=T0 - timedelta(days=80),
            closes_at=T0 - timedelta(days=40),
            created_at=T0 - timedelta(days=90),
            status=RoundStatus.SENT,
            matched_at=T0,
            matches_sent_at=T0,
        )
        uow.add(r)
        uow.commit()
        assert r.id is not None
    world = World(app, r.id)
    world.add_person("ash", roles="mentee", grade="EO", department="HM Revenue and Customs")
    for n, name in enumerate(("bo", "cy", "di"), start=1):
        world.add_person(name, roles="mentor", grade="SEO", department="Home Office")
        world.introduce(name, "ash", n)
    return world
