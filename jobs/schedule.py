"""The recurring schedule, in one place, built from the `[schedule]` configuration.

Mailbox polling and outbox draining run every few minutes. The daily work (the
time-based rules, then the coordinators' digest) runs once a day at or after its
configured local time in the programme's time zone (not the worker machine's), and
catches up once after a worker was down at the appointed minute.

These are plain functions of the last run and the moment; `jobs.scheduler` keeps the
last run in Redis and enqueues what is due.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from service.config import ProgrammeConfig


@dataclass(frozen=True)
class Entry:
    name: str
    func: Callable[..., Any]
    what: str
    every: timedelta | None = None  # an interval job …
    daily_at: time | None = None  # … or a daily one, at this local time

    @property
    def when(self) -> str:
        if self.every is not None:
            return f"every {int(self.every.total_seconds() // 60)} min"
        assert self.daily_at is not None
        return f"daily at {self.daily_at:%H:%M}"


def entries(config: ProgrammeConfig) -> list[Entry]:
    from jobs import tasks

    s = config.schedule
    return [
        Entry(
            "poll-mailbox",
            tasks.poll_mailbox,
            "fetch and handle new mail",
            every=timedelta(minutes=s.poll_mailbox_every_minutes),
        ),
        Entry(
            "drain-outbox",
            tasks.drain_outbox,
            "send queued mail",
            every=timedelta(minutes=s.drain_outbox_every_minutes),
        ),
        Entry("run-due", tasks.run_due, "time-based rules", daily_at=_at(s.daily_rules_at)),
        Entry("digest", tasks.daily_digest, "coordinators' digest", daily_at=_at(s.digest_at)),
    ]


def _at(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def _local_at(day: date, at: time, tz: ZoneInfo) -> datetime:
    # zoneinfo resolves a wall time that a clock change skips or repeats (fold=0).
    return datetime.combine(day, at, tzinfo=tz)


def next_run(entry: Entry, last: datetime | None, now: datetime, tz: str) -> datetime:
    """When `entry` is next due, given when it last ran (None: never).

    An interval job is due `every` after its last run (at once if it never ran). A daily
    job is due at its local time on the day after its last run, or today when it never
    ran; a moment in the past means "due now" (one catch-up, not one per missed day).
    """
    if entry.every is not None:
        return now if last is None else last + entry.every
    assert entry.daily_at is not None
    zone = ZoneInfo(tz)
    if last is None:
        return _local_at(now.astimezone(zone).date(), entry.daily_at, zone)
    return _local_at(last.astimezone(zone).date() + timedelta(days=1), entry.daily_at, zone)


def is_due(entry: Entry, last: datetime | None, now: datetime, tz: str) -> bool:
    return now >= next_run(entry, last, now, tz)


def daily_due(config: ProgrammeConfig, name: str, moment: datetime) -> date | None:
    """The local day whose `name` run ("run-due" or "digest") is due at `moment`, if any."""
    s = config.schedule
    at = _at(s.daily_rules_at if name == "run-due" else s.digest_at)
    local = moment.astimezone(ZoneInfo(config.programme.timezone))
    return local.date() if local.time() >= at else None
