"""The recurring schedule, in one place, built from the `[schedule]` configuration.

Mailbox polling and outbox draining run on intervals. The daily work (the time-based
rules, then the coordinators' digest) is dispatched by a frequent `daily` job that acts
once per day at or after the configured local time: this keeps the programme's time
zone (cron expressions would follow each worker machine's zone) and catches up after a
worker was down at the appointed minute.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from service.config import ProgrammeConfig

DAILY_CHECK_EVERY_MINUTES = 10


@dataclass(frozen=True)
class Entry:
    name: str
    func: Callable[..., Any]
    every_minutes: int
    what: str


def entries(config: ProgrammeConfig) -> list[Entry]:
    from jobs import tasks

    s = config.schedule
    tz = config.programme.timezone
    return [
        Entry(
            "poll-mailbox",
            tasks.poll_mailbox,
            s.poll_mailbox_every_minutes,
            "fetch and handle new mail",
        ),
        Entry("drain-outbox", tasks.drain_outbox, s.drain_outbox_every_minutes, "send queued mail"),
        Entry(
            "daily",
            tasks.daily,
            DAILY_CHECK_EVERY_MINUTES,
            f"time-based rules daily at {s.daily_rules_at}, coordinators' digest at"
            f" {s.digest_at} ({tz})",
        ),
    ]


def _at(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def daily_due(config: ProgrammeConfig, name: str, moment: datetime) -> date | None:
    """The local day whose `name` run ("run-due" or "digest") is due at `moment`, if any."""
    s = config.schedule
    at = _at(s.daily_rules_at if name == "run-due" else s.digest_at)
    local = moment.astimezone(ZoneInfo(config.programme.timezone))
    return local.date() if local.time() >= at else None
