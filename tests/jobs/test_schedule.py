"""The schedule as plain rules: interval jobs, and daily jobs at the programme's local time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from jobs.schedule import Entry, entries, is_due, next_run
from service.config import ProgrammeConfig

TZ = "Europe/London"


def _entry(config: ProgrammeConfig, name: str) -> Entry:
    [found] = [e for e in entries(config) if e.name == name]
    return found


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_interval_jobs_run_at_once_then_every_interval(config: ProgrammeConfig) -> None:
    poll = _entry(config, "poll-mailbox")
    now = utc(2027, 6, 1, 12, 0)
    assert is_due(poll, None, now, TZ)
    assert next_run(poll, now, now, TZ) == now + timedelta(minutes=3)
    assert not is_due(poll, now, now + timedelta(minutes=2, seconds=59), TZ)
    assert is_due(poll, now, now + timedelta(minutes=3), TZ)


def test_daily_rules_fire_at_local_seven_in_summer_and_winter(config: ProgrammeConfig) -> None:
    rules = _entry(config, "run-due")
    assert rules.when == "daily at 07:00"
    # British Summer Time: 07:00 in London is 06:00 UTC.
    yesterday = utc(2027, 5, 31, 6, 0)
    assert not is_due(rules, yesterday, utc(2027, 6, 1, 5, 59), TZ)
    assert is_due(rules, yesterday, utc(2027, 6, 1, 6, 0), TZ)
    assert next_run(rules, yesterday, utc(2027, 6, 1, 5, 0), TZ) == utc(2027, 6, 1, 6, 0)
    # Winter: 07:00 in London is 07:00 UTC.
    last = utc(2027, 12, 1, 7, 0)
    assert not is_due(rules, last, utc(2027, 12, 2, 6, 59), TZ)
    assert is_due(rules, last, utc(2027, 12, 2, 7, 0), TZ)


def test_the_day_the_clocks_go_forward_still_runs_at_seven_local(config: ProgrammeConfig) -> None:
    rules = _entry(config, "run-due")
    # 28 March 2027: clocks go forward at 01:00 UTC; 07:00 local is 06:00 UTC.
    assert next_run(rules, utc(2027, 3, 27, 7, 0), utc(2027, 3, 28, 0, 0), TZ) == utc(
        2027, 3, 28, 6, 0
    )


def test_a_daily_job_runs_once_a_day_and_catches_up_once(config: ProgrammeConfig) -> None:
    digest = _entry(config, "digest")
    ran = utc(2027, 6, 1, 7, 0)  # 08:00 local
    assert not is_due(digest, ran, utc(2027, 6, 1, 22, 0), TZ)  # later the same day
    # The worker was down for three days: one run when it comes back …
    back = utc(2027, 6, 5, 15, 0)
    assert is_due(digest, ran, back, TZ)
    # … and then the next is tomorrow at 08:00 local, not three more.
    assert next_run(digest, back, back, TZ) == utc(2027, 6, 6, 7, 0)


def test_a_daily_job_that_never_ran_waits_for_its_time_today(config: ProgrammeConfig) -> None:
    rules = _entry(config, "run-due")
    assert next_run(rules, None, utc(2027, 6, 1, 4, 0), TZ) == utc(2027, 6, 1, 6, 0)
    assert is_due(rules, None, utc(2027, 6, 1, 9, 0), TZ)
