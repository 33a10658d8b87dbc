"""The pause, as plain rules: `rules.is_paused` is the one predicate every time rule,
request and matching asks (the time rules through `timeline.away`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.config import ProgrammeConfig
from service.domain import rules, timeline
from service.domain.model import Pairing, Person
from service.errors import DomainError

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
TZ = "Europe/London"


def person(pid: int) -> Person:
    return Person(
        id=pid, email=f"p{pid}@dept.gov.uk", first_name="P", last_name=str(pid), created_at=NOW
    )


def test_a_pause_lasts_until_the_start_of_the_day_given() -> None:
    p = person(1)
    rules.pause(p, NOW, date(2026, 3, 10), TZ)
    assert rules.is_paused(p, NOW + timedelta(days=6, hours=14))  # 9 March, 23:00
    assert not rules.is_paused(p, datetime(2026, 3, 10, 0, 0, tzinfo=UTC))  # midnight in London
    assert rules.paused_sentence(p, NOW, TZ) == "until 10 March 2026"


def test_an_open_pause_lasts_until_resume() -> None:
    p = person(1)
    rules.pause(p, NOW, None, TZ)
    assert rules.is_paused(p, NOW + timedelta(days=400))
    assert rules.paused_sentence(p, NOW, TZ) == "until you reply RESUME"
    rules.resume(p, NOW + timedelta(days=1))
    assert not rules.is_paused(p, NOW + timedelta(days=1))
    with pytest.raises(DomainError, match="nothing to resume"):
        rules.resume(p, NOW + timedelta(days=2))


def test_a_second_pause_moves_the_end_and_keeps_the_start() -> None:
    p = person(1)
    rules.pause(p, NOW, date(2026, 3, 10), TZ)
    rules.pause(p, NOW + timedelta(days=1), date(2026, 3, 20), TZ)
    assert p.paused_at == NOW
    assert rules.paused_sentence(p, NOW, TZ) == "until 20 March 2026"


def test_a_day_that_has_come_is_refused_and_nothing_changes() -> None:
    p = person(1)
    for day_ in (date(2026, 3, 2), date(2026, 3, 3)):
        with pytest.raises(DomainError, match="is not in the future"):
            rules.pause(p, NOW, day_, TZ)
    assert p.paused_at is None and p.paused_until is None


def test_the_time_rules_treat_a_paused_person_as_away(config: ProgrammeConfig) -> None:
    mentor, mentee = person(1), person(2)
    pairing = Pairing(
        round_id=1,
        mentor_id=1,
        mentee_id=2,
        started_at=NOW - timedelta(days=90),
        ends_at=NOW + timedelta(days=270),
        silent_id=2,
        ladder_started_at=NOW - timedelta(days=30),
    )
    facts = timeline.PairingFacts(pairing, mentor, mentee)
    assert timeline.ladder_step(facts, NOW, config) is timeline.LadderStep.NUDGE
    rules.pause(mentee, NOW - timedelta(days=1), None, TZ)
    assert timeline.away(mentee, NOW, config)
    assert timeline.ladder_step(facts, NOW, config) is None  # the ladder waits
    rules.resume(mentee, NOW)
    assert timeline.ladder_step(facts, NOW, config) is timeline.LadderStep.NUDGE
