"""CAPACITY n and NOT THIS ROUND, by email replies through the real pipeline."""

from __future__ import annotations

from sqlalchemy import select

from service.domain.model import (
    Approach,
    ApproachStatus,
    Introduction,
    IntroductionStatus,
    Pairing,
    Registration,
)
from tests.harness import Programme, Sent
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
CHRIS = "chris.lee@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"
SAM = "sam.oneill@justice.gov.uk"


def places(programme: Programme, address: str) -> int:
    with programme.app.uow() as uow:
        found = uow.repo.person_by_email(address)
        assert found is not None and found.id is not None
        [reg] = [r for r in uow.session.scalars(select(Registration)) if r.person_id == found.id]
        return reg.long_term_capacity


def rows(programme: Programme, kind: type) -> list:  # type: ignore[type-arg]
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(kind)).all())


def requests_to(programme: Programme, address: str) -> list[Sent]:
    return [m for m in programme.inbox_of(address) if "would like you" in m.subject]


def test_capacity_raises_the_places_and_both_requests_can_be_accepted(
    programme: Programme,
) -> None:
    match_round(programme, {ALEX: [PRIYA], CHRIS: [PRIYA]})
    programme.send(programme.reply(programme.last_to(PRIYA), "CAPACITY 2"))
    confirmation = programme.last_to(PRIYA)
    assert "You can now take up to 2 long-term mentees this round" in confirmation.text
    assert places(programme, PRIYA) == 2

    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(CHRIS), "KEEP 1"))
    for request in requests_to(programme, PRIYA):
        programme.send(programme.reply(request, "ACCEPT"))
    assert len(rows(programme, Pairing)) == 2

    # Fewer places than the mentees she has now: refused, with what to do instead.
    programme.send(programme.reply(programme.last_to(PRIYA), "CAPACITY 1"))
    refusal = programme.last_to(PRIYA)
    assert "You mentor 2 long-term mentees now, so we cannot lower your number to 1" in (
        refusal.text
    )
    assert "Reply CAPACITY 2 to take no one new" in refusal.text
    assert places(programme, PRIYA) == 2


def test_bad_numbers_get_one_clear_answer_and_change_nothing(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    matches = programme.last_to(PRIYA)
    count = len(programme.inbox_of(PRIYA))

    programme.send(programme.reply(matches, "CAPACITY lots"))
    [answer] = programme.inbox_of(PRIYA)[count:]
    assert "We could not read “lots” as a number" in answer.text
    assert "for example CAPACITY 2" in answer.text

    programme.send(programme.reply(matches, "CAPACITY 9"))
    [answer] = programme.inbox_of(PRIYA)[count + 1 :]
    assert "You can offer from 1 to 3 long-term mentees" in answer.text
    assert "NOT THIS ROUND" in answer.text
    assert places(programme, PRIYA) == 1

    # A mentee has no places to change.
    programme.send(programme.reply(programme.last_to(ALEX), "CAPACITY 2"))
    assert "CAPACITY is for mentors" in programme.last_to(ALEX).text


def test_not_this_round_closes_requests_keeps_speed_sessions_and_capacity_undoes_it(
    programme: Programme,
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM], CHRIS: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    [request] = requests_to(programme, PRIYA)
    sessions_before = {(i.id, i.status) for i in rows(programme, Introduction)}

    programme.send(programme.reply(request, "NOT THIS ROUND"))

    confirmation = programme.last_to(PRIYA)
    assert "Nobody will ask you to be their long-term mentor this round" in confirmation.text
    assert "We closed 1 request" in confirmation.text
    assert "CAPACITY" in confirmation.text.split("WHAT YOU CAN DO NOW")[1]
    assert places(programme, PRIYA) == 0
    [approach] = rows(programme, Approach)
    assert approach.status is ApproachStatus.EXPIRED
    offered = programme.last_to(ALEX)
    assert "Sam" in offered.text  # Alex is offered the other speed mentor
    # The speed sessions are as they were (Alex's KEEP had already marked Priya as met).
    assert {(i.id, i.status) for i in rows(programme, Introduction)} == sessions_before
    assert IntroductionStatus.CLOSED not in {s for _, s in sessions_before}

    programme.send(programme.reply(programme.last_to(CHRIS), "KEEP 1"))
    assert "cannot take on another long-term mentee this round" in programme.last_to(CHRIS).text
    assert len(rows(programme, Approach)) == 1

    programme.send(programme.reply(confirmation, "CAPACITY 1"))
    assert places(programme, PRIYA) == 1
    programme.send(programme.reply(programme.last_to(CHRIS), "KEEP 1"))
    assert len(requests_to(programme, PRIYA)) == 2
