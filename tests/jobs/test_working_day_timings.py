"""Approach reminders and expiry and the stale closure count working days: the mentor,
or the warned pair, is the one to act, and a weekend or bank holiday gives no time to.

The world's day 0 is Wednesday 1 July 2026; Monday 31 August 2026 (day 61) is a bank
holiday in England and Wales.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from service.domain import timeline
from service.domain.model import EndReason, Pairing, PairingStatus
from tests.jobs.world import World, at

FRIDAY_BEFORE_BANK_HOLIDAY = 58  # Friday 28 August 2026
REMINDER = "Reminder: Ash Tester is waiting for your answer"


def test_approach_reminder_and_expiry_skip_the_weekend_and_bank_holiday(world: World) -> None:
    approach = world.approach("ash", "bo", at(FRIDAY_BEFORE_BANK_HOLIDAY))
    # Five calendar days would be Wednesday 2 September (day 63); five working days are
    # Tuesday to Friday and Monday 7 September (day 68).
    world.days(58, 67)
    assert REMINDER not in world.subjects("bo")
    world.run(at(68))
    assert world.subjects("bo") == [REMINDER]
    # Ten working days: Monday 14 September (day 75), not Monday 7 September.
    world.days(69, 74)
    assert world.approach_status(approach) == "pending"
    world.run(at(75))
    assert world.approach_status(approach) == "expired"


def test_the_request_email_gives_the_working_day_deadline(world: World) -> None:
    approach = world.approach("ash", "bo", at(FRIDAY_BEFORE_BANK_HOLIDAY))
    world.days(58, 68)
    [reminder] = world.inbox("bo")
    assert "14 September 2026" in reminder.text
    assert world.approach_status(approach) == "pending"


def test_stale_closure_counts_working_days_after_the_warning(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.days(0, 50)  # guidance and the first check-in, answered by nobody
    world.update_pairing(pairing, stale_warned_at=at(51))  # Friday 21 August
    # Ten working days skip two weekends and the bank holiday: Monday 7 September (68).
    world.days(51, 67)
    assert world.pairing(pairing).status is PairingStatus.ACTIVE
    world.run(at(68))
    p = world.pairing(pairing)
    assert p.status is PairingStatus.ENDED and p.end_reason is EndReason.STALE
    assert p.ended_at == at(68)


def test_calendar_days_when_the_programme_does_not_count_working_days(world: World) -> None:
    config = world.app.config
    hours = replace(config.working_hours, count_working_days=False)
    calendar = replace(config, working_hours=hours)
    warned: datetime = at(51)
    pairing = Pairing(round_id=1, mentor_id=1, mentee_id=2, started_at=at(0), ends_at=at(365))
    pairing.stale_warned_at = warned
    assert timeline.stale_closes_at(pairing, calendar) == at(61)
    assert timeline.stale_closes_at(pairing, config) == at(68)
