"""The programme rules behind the email commands, on plain objects: no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.domain import rules
from service.domain.choices import Option, quiet_mentees, session_match
from service.domain.model import Introduction, IntroductionStatus, Person
from service.errors import DomainError

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
MENTOR = Person(id=2, email="p2@dept.gov.uk", first_name="Sam", last_name="Jones", created_at=NOW)


def intro(status: IntroductionStatus = IntroductionStatus.SENT) -> Introduction:
    return Introduction(
        round_id=1, mentor_id=2, mentee_id=1, number=1, created_at=NOW, status=status
    )


def test_keep_is_refused_for_a_closed_speed_match() -> None:
    with pytest.raises(DomainError, match="match with Sam Jones is closed"):
        rules.ensure_may_keep(
            MENTOR, intro(IntroductionStatus.CLOSED), ended_with_mentor=False, paired=False
        )


def test_keep_does_not_ask_again_a_mentor_whose_partnership_ended() -> None:
    with pytest.raises(DomainError, match="partnership with Sam Jones has ended"):
        rules.ensure_may_keep(MENTOR, intro(), ended_with_mentor=True, paired=False)
    # While paired with someone else, the one-mentor-at-a-time rule answers instead.
    rules.ensure_may_keep(MENTOR, intro(), ended_with_mentor=True, paired=True)


def test_keep_of_an_open_match_or_an_unmatched_address_passes_this_rule() -> None:
    rules.ensure_may_keep(MENTOR, intro(), ended_with_mentor=False, paired=False)
    rules.ensure_may_keep(MENTOR, None, ended_with_mentor=False, paired=False)


def test_a_speed_session_held_marks_the_match_met_once() -> None:
    match = intro()
    assert rules.speed_session_held(match, NOW)
    assert (match.status, match.contacted_at) == (IntroductionStatus.MET, NOW)
    assert not rules.speed_session_held(match, NOW + timedelta(days=1))
    assert match.contacted_at == NOW


def test_a_speed_session_keeps_the_first_contact_and_skips_closed_matches() -> None:
    earlier = NOW - timedelta(days=3)
    match = intro()
    match.contacted_at = earlier
    assert rules.speed_session_held(match, NOW)
    assert match.contacted_at == earlier
    closed = intro(IntroductionStatus.CLOSED)
    assert not rules.speed_session_held(closed, NOW)
    assert closed.status is IntroductionStatus.CLOSED


def option(number: int, first: str, status: IntroductionStatus = IntroductionStatus.SENT) -> Option:
    match = Introduction(
        id=number, round_id=1, mentor_id=2, mentee_id=10 + number, number=number,
        created_at=NOW, status=status,
    )  # fmt: skip
    someone = Person(
        id=10 + number, email=f"{first.lower()}@dept.gov.uk", first_name=first,
        last_name="Lee", created_at=NOW,
    )  # fmt: skip
    return Option(match, someone, number)


def test_not_contacted_means_the_named_mentee_or_every_quiet_one() -> None:
    kim, ali, met = option(1, "Kim"), option(2, "Ali"), option(3, "Bo", IntroductionStatus.MET)
    assert quiet_mentees([kim, ali, met], [ali], asked=set()) == [ali]
    # Not said which: neither met nor waiting for an answer to their request.
    assert quiet_mentees([kim, ali, met], [], asked={11}) == [ali]


def test_not_contacted_refuses_a_mentee_already_met_and_an_empty_list() -> None:
    met = option(3, "Bo", IntroductionStatus.MET)
    with pytest.raises(DomainError, match="already recorded that you met Bo Lee"):
        quiet_mentees([met], [met], asked=set())
    with pytest.raises(DomainError, match="already been in touch"):
        quiet_mentees([option(1, "Kim"), met], [], asked={11})


def test_met_names_a_match_or_means_the_only_one_waiting() -> None:
    kim, ali = option(1, "Kim"), option(2, "Ali", IntroductionStatus.MET)
    assert session_match("2", [kim, ali]) is ali
    assert session_match(None, [kim, ali]) is kim
    assert session_match(None, [ali]) is ali


def test_met_refuses_when_it_cannot_tell_which_match() -> None:
    kim, ali = option(1, "Kim"), option(2, "Ali")
    with pytest.raises(DomainError, match=r"could not tell which .* 1 Kim Lee, 2 Ali Lee"):
        session_match(None, [kim, ali])
    with pytest.raises(DomainError, match=r"zed@dept\.gov\.uk is not one of your"):
        session_match("zed@dept.gov.uk", [kim, ali])
