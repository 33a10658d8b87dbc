"""Set-up for the people scenarios: registered participants and their relationships.

Registration goes through the real pipeline (form, then CONFIRM). Matching, approaches
and pairings belong to other parts, so the relationships are written straight into the
store here: these tests are about what STATUS, WITHDRAW and the data rights do with them.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from service import clock
from service.domain.model import (
    Approach,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
)
from tests.harness import Programme, person_answers

MENTEE = "alex@dwp.gov.uk"
MENTOR = "priya@hmrc.gov.uk"
OTHER_MENTOR = "sam@justice.gov.uk"


def register(
    programme: Programme,
    address: str,
    first: str,
    last: str,
    *,
    confirm: bool = True,
    **answers: str,
) -> int:
    programme.send(programme.form(person_answers(address, first, last, **answers)))
    if confirm:
        programme.send(programme.reply(programme.last_to(address), "CONFIRM"))
    return person_id(programme, address)


def person_id(programme: Programme, address: str) -> int:
    with programme.app.uow() as uow:
        person = uow.repo.person_by_email(address)
        assert person is not None and person.id is not None
        return person.id


def person(programme: Programme, pid: int) -> Person:
    with programme.app.uow() as uow:
        found = uow.repo.person(pid)
        assert found is not None
        return found


def cast(programme: Programme) -> dict[str, int]:
    """A mentee (EO) and two mentors (SEO, HEO), all confirmed, in the open round."""
    return {
        "mentee": register(
            programme,
            MENTEE,
            "Alex",
            "Morgan",
            wants_shared_characteristic="Yes",
            characteristics="Bisexual",
        ),
        "mentor": register(
            programme,
            MENTOR,
            "Priya",
            "Shah",
            roles="Mentor",
            grade="SEO",
            department="DWP",
            wants_shared_characteristic="Yes",
            characteristics="Trans",
        ),
        "other": register(
            programme, OTHER_MENTOR, "Sam", "Oneill", roles="Mentor", grade="HEO", department="MoJ"
        ),
    }


def round_id(programme: Programme) -> int:
    with programme.app.uow() as uow:
        reg = uow.session.scalars(select(Registration)).first()
        assert reg is not None
        return reg.round_id


def introduce(
    programme: Programme,
    mentor: int,
    mentee: int,
    number: int,
    status: IntroductionStatus = IntroductionStatus.SENT,
) -> int:
    rid = round_id(programme)
    with programme.app.uow() as uow:
        intro = Introduction(
            round_id=rid,
            mentor_id=mentor,
            mentee_id=mentee,
            number=number,
            created_at=clock.now(),
            status=status,
            sent_at=clock.now(),
        )
        uow.add(intro)
        uow.commit()
        assert intro.id is not None
        return intro.id


def ask(programme: Programme, mentee: int, mentor: int) -> int:
    rid = round_id(programme)
    with programme.app.uow() as uow:
        approach = Approach(
            round_id=rid, mentee_id=mentee, mentor_id=mentor, created_at=clock.now()
        )
        uow.add(approach)
        uow.commit()
        assert approach.id is not None
        return approach.id


def pair(programme: Programme, mentor: int, mentee: int) -> int:
    rid = round_id(programme)
    with programme.app.uow() as uow:
        pairing = Pairing(
            round_id=rid,
            mentor_id=mentor,
            mentee_id=mentee,
            started_at=clock.now(),
            ends_at=clock.now() + timedelta(days=365),
        )
        uow.add(pairing)
        uow.commit()
        assert pairing.id is not None
        return pairing.id
