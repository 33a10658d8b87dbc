"""Put a round straight into the "matches sent" state, through the store.

The matching engine is tested on its own; scenario tests of what comes after it need
people, confirmed registrations and sent introductions (numbered 1..3 as in the match
emails), and the match emails themselves, because every later command is a reply to an
email that carries the person's token. `match_round` builds exactly that and sends the
emails through the real outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from service import clock
from service.domain.model import (
    Introduction,
    IntroductionStatus,
    Person,
    Registration,
    RegistrationStatus,
    RoundStatus,
)
from service.emails import email_to
from service.mail import outbox
from service.store.unit_of_work import UnitOfWork
from tests.harness import Programme

MENTOR_GRADE = "SEO"
MENTEE_GRADE = "EO"


def name_of(address: str) -> tuple[str, str]:
    """'priya.shah@hmrc.gov.uk' -> ('Priya', 'Shah')."""
    first, _, last = address.partition("@")[0].partition(".")
    return first.capitalize(), last.replace(".", " ").title()


def _person(uow: UnitOfWork, address: str) -> Person:
    person = uow.repo.person_by_email(address)
    if person is None:
        first, last = name_of(address)
        person = Person(email=address, first_name=first, last_name=last, created_at=clock.now())
        uow.add(person)
        uow.flush()
    return person


def _register(
    uow: UnitOfWork, round_id: int, person: Person, role: str, capacity: int
) -> Registration:
    assert person.id is not None
    now = clock.now()
    reg = Registration(
        round_id=round_id,
        person_id=person.id,
        roles=role,
        grade=MENTOR_GRADE if role == "mentor" else MENTEE_GRADE,
        department="HM Revenue and Customs" if role == "mentor" else "Home Office",
        profession="Policy",
        created_at=now,
        status=RegistrationStatus.CONFIRMED,
        confirmed_at=now,
        bio="",
        long_term_capacity=capacity if role == "mentor" else 0,
    )
    uow.add(reg)
    return reg


def match_round(
    programme: Programme,
    matches: Mapping[str, Sequence[str]],
    *,
    capacity: Mapping[str, int] | None = None,
    round_name: str = "2026",
) -> None:
    """`matches`: mentee address -> their speed mentors' addresses, in match-email order.

    Mentors offer one long-term place unless `capacity` says otherwise. Every mentee and
    mentor gets their match email (a real one, with a reply token).
    """
    capacity = capacity or {}
    app = programme.app
    with app.uow(actor="coordinator") as uow:
        round_ = uow.repo.round_by_name(round_name)
        assert round_ is not None and round_.id is not None
        now = clock.now()
        mentors: dict[str, Person] = {}
        mentees: dict[str, Person] = {}
        for mentee_address, mentor_addresses in matches.items():
            mentee = mentees[mentee_address] = _person(uow, mentee_address)
            _register(uow, round_.id, mentee, "mentee", 0)
            for number, mentor_address in enumerate(mentor_addresses, start=1):
                if mentor_address not in mentors:
                    mentors[mentor_address] = _person(uow, mentor_address)
                    _register(
                        uow,
                        round_.id,
                        mentors[mentor_address],
                        "mentor",
                        capacity.get(mentor_address, 1),
                    )
                mentor = mentors[mentor_address]
                assert mentor.id is not None and mentee.id is not None
                uow.add(
                    Introduction(
                        round_id=round_.id,
                        mentor_id=mentor.id,
                        mentee_id=mentee.id,
                        number=number,
                        created_at=now,
                        status=IntroductionStatus.SENT,
                        sent_at=now,
                    )
                )
        round_.status = RoundStatus.SENT
        round_.matched_at = round_.matches_sent_at = now
        uow.flush()
        emails = []
        round_ctx = {"name": round_.name, "closes_on": round_.closes_at}
        for person in mentees.values():
            assert person.id is not None
            intros = [i for i in uow.repo.introductions_of(person.id) if i.mentee_id == person.id]
            cards = []
            for intro in intros:
                other = uow.repo.person(intro.mentor_id)
                assert other is not None
                cards.append(
                    {
                        "number": intro.number,
                        "name": other.name,
                        "first_name": other.first_name,
                        "email": other.email,
                        "grade_name": "Senior Executive Officer",
                        "department": "HM Revenue and Customs",
                        "profession": "Policy",
                        "bio": "",
                        "why": "one or two grades above you, in a different department",
                    }
                )
            emails.append(
                email_to(
                    person,
                    "matches_mentee",
                    f"matches-mentee:{person.id}",
                    uow,
                    app.commands,
                    context={"round": round_ctx, "contact_by": now.date(), "mentors": cards},
                )
            )
        for person in mentors.values():
            assert person.id is not None
            intros = [i for i in uow.repo.introductions_of(person.id) if i.mentor_id == person.id]
            listed = []
            for number, intro in enumerate(intros, start=1):
                other = uow.repo.person(intro.mentee_id)
                assert other is not None
                listed.append(
                    {
                        "number": number,
                        "name": other.name,
                        "first_name": other.first_name,
                        "email": other.email,
                        "grade_name": "Executive Officer",
                        "department": "Home Office",
                        "profession": "Policy",
                        "bio": "",
                    }
                )
            emails.append(
                email_to(
                    person,
                    "matches_mentor",
                    f"matches-mentor:{person.id}",
                    uow,
                    app.commands,
                    context={"round": round_ctx, "contact_by": now.date(), "mentees": listed},
                )
            )
        outbox.queue_all(uow, emails, app.config)
        uow.commit()
    outbox.drain(app.db, app.transport)
