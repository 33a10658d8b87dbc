"""The programme rules behind the email commands, on plain objects: no database, no clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from service.domain import rules
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
