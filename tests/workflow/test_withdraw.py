"""WITHDRAW through the real pipeline: leaving the round closes everything open, tells the
people concerned kindly, and a coordinator can do it for someone."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select

from service.domain.model import (
    Approach,
    ApproachStatus,
    EndReason,
    Introduction,
    IntroductionStatus,
    Pairing,
    PairingStatus,
    Registration,
    RegistrationStatus,
)
from service.story import gather, lines
from tests.harness import Programme
from tests.workflow.people_helpers import (
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    ask,
    cast,
    introduce,
    pair,
    register,
)

COORDINATOR = "coordinators@civilservice.lgbt.example"
T = TypeVar("T")


def _get(programme: Programme, cls: type[T], object_id: int) -> T:
    with programme.app.uow() as uow:
        found = uow.session.get(cls, object_id)
        assert found is not None
        return found


def _registration(programme: Programme, person_id: int) -> Registration:
    with programme.app.uow() as uow:
        reg = uow.session.scalars(select(Registration)).all()
        return next(r for r in reg if r.person_id == person_id)


def test_withdraw_closes_request_and_matches_and_tells_the_others(programme: Programme) -> None:
    ids = cast(programme)
    met = introduce(programme, ids["mentor"], ids["mentee"], 1, IntroductionStatus.MET)
    waiting = introduce(programme, ids["other"], ids["mentee"], 2)
    request = ask(programme, ids["mentee"], ids["mentor"])
    mentor_before = len(programme.inbox_of(MENTOR))

    programme.send(programme.reply(programme.last_to(MENTEE), "WITHDRAW"))

    assert _registration(programme, ids["mentee"]).status is RegistrationStatus.WITHDRAWN
    assert _get(programme, Approach, request).status is ApproachStatus.WITHDRAWN
    assert _get(programme, Introduction, waiting).status is IntroductionStatus.CLOSED
    assert _get(programme, Introduction, met).status is IntroductionStatus.MET  # history stays
    confirmation = programme.last_to(MENTEE)
    assert "You have left" in confirmation.subject
    assert "We closed your request to Priya Shah." in confirmation.text
    assert "We closed your speed-mentoring match with Sam Oneill." in confirmation.text
    [withdrawn] = programme.inbox_of(MENTOR)[mentor_before:]
    assert "withdrawn their request" in withdrawn.subject
    notice = programme.last_to(OTHER_MENTOR)
    assert "Alex Morgan has left the programme" in notice.subject
    assert "Your speed-mentoring match with them is closed" in notice.text


def test_withdraw_ends_a_pairing_and_the_partner_is_told(programme: Programme) -> None:
    ids = cast(programme)
    pairing = pair(programme, ids["mentor"], ids["mentee"])
    programme.send(programme.reply(programme.last_to(MENTOR), "withdraw"))
    ended = _get(programme, Pairing, pairing)
    assert ended.status is PairingStatus.ENDED
    assert ended.end_reason is EndReason.WITHDRAWN
    notice, choice = programme.inbox_of(MENTEE)[-2:]
    assert "Priya Shah has left the programme" in notice.subject
    assert "Your mentoring partnership has ended" in notice.text
    assert "You can choose another mentor" in notice.text
    # The mentee left behind gets a route on: a new choice among their speed mentors.
    assert "Choose a new mentor" in choice.subject
    assert "We ended your mentoring partnership with Alex Morgan." in programme.last_to(MENTOR).text
    # The coordinators' story of the mentee left behind names who left.
    with programme.app.uow() as uow:
        mentee = uow.repo.person(ids["mentee"])
        assert mentee is not None
        story = lines(gather(uow, mentee), programme.app.config.programme.timezone)
    assert any(line.endswith("ended: Priya Shah left the programme.") for line in story), story


def test_withdraw_twice_says_already_done_and_replay_sends_nothing(programme: Programme) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    first = programme.reply(programme.last_to(MENTEE), "WITHDRAW")
    programme.send(first)
    count = len(programme.sent())
    assert programme.send(first).repeats == 1
    assert len(programme.sent()) == count
    programme.send(programme.reply(programme.last_to(MENTEE), "WITHDRAW"))
    assert "you have already left the 2026 round" in programme.last_to(MENTEE).text


def test_no_to_the_confirmation_question_withdraws(programme: Programme) -> None:
    register(programme, MENTEE, "Alex", "Morgan", confirm=False)
    programme.send(programme.reply(programme.last_to(MENTEE), "No"))
    with programme.app.uow() as uow:
        [reg] = uow.session.scalars(select(Registration)).all()
    assert reg.status is RegistrationStatus.WITHDRAWN


def test_coordinator_withdraws_a_participant(programme: Programme) -> None:
    ids = cast(programme)
    pairing = pair(programme, ids["mentor"], ids["mentee"])
    report = programme.send(programme.plain(COORDINATOR, "Leaving", f"WITHDRAW {MENTOR}"))
    assert report.outcomes == {"processed": 1}
    assert _registration(programme, ids["mentor"]).status is RegistrationStatus.WITHDRAWN
    assert _get(programme, Pairing, pairing).status is PairingStatus.ENDED
    assert "You have left" in programme.last_to(MENTOR).subject
    assert "has left the programme" in programme.inbox_of(MENTEE)[-2].subject
    assert "Choose a new mentor" in programme.last_to(MENTEE).subject
    ack = programme.last_to(COORDINATOR)
    assert "Priya Shah's place" in ack.text
    assert "Priya Shah left the 2026 round" in ack.text  # the third person, for coordinators
