"""The one clock.

Everything that needs the time calls `now()`. Tests freeze it with freezegun (which
patches `datetime`), and the CLI sets it with ``--now`` or ``MENTORING_NOW`` through
`set_now`, so a whole programme year can be simulated in seconds.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.errors import MentoringError

_fixed: datetime | None = None
_offset: timedelta | None = None


def parse_moment(text: str, tz: str = "Europe/London") -> datetime:
    """Read an ISO 8601 date or date-time; a naive one is taken as programme-local time."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise MentoringError(
            f"{text!r} is not a date and time; write it as ISO 8601, e.g. 2026-05-17T09:00"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC)


def set_now(moment: datetime | None, *, ticking: bool = False) -> None:
    """Pin the clock to `moment` (None puts it back to real time).

    With ``ticking`` the clock starts at `moment` and then moves on in real time, which
    keeps the order of events in a long CLI run.
    """
    global _fixed, _offset
    if moment is None:
        _fixed = _offset = None
    elif ticking:
        _fixed, _offset = None, moment - datetime.now(UTC)
    else:
        _fixed, _offset = moment.astimezone(UTC), None


def now() -> datetime:
    """The current moment, timezone-aware, in UTC."""
    if _fixed is not None:
        return _fixed
    real = datetime.now(UTC)
    return real + _offset if _offset is not None else real


def today(tz: str = "Europe/London") -> date:
    return now().astimezone(ZoneInfo(tz)).date()


def start_of_local_day(moment: datetime, tz: str) -> datetime:
    """Midnight of `moment`'s day in `tz`: daily limits count from there."""
    return moment.astimezone(ZoneInfo(tz)).replace(hour=0, minute=0, second=0, microsecond=0)


def init_from_environment() -> None:
    """Honour MENTORING_NOW (same meaning as --now)."""
    text = os.environ.get("MENTORING_NOW")
    if text:
        set_now(parse_moment(text))
