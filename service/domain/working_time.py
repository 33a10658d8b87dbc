"""Human hours: when automatic email may go out, and how "days to act" are counted.

Plain functions over a moment and the configured `WorkingHours` (no clock, no I/O).
The outbox holds an automatic email (a reminder, a nudge, a check-in, guidance, the
digest) until `next_working_time`, keeping its dedupe key so it is still sent once;
answers to someone's own email are never held. The timeline rules where a person is
expected to act count working days with `add_working_days`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from service.config import WEEKDAYS, WorkingHours

# Far more than any run of days off (a fortnight of bank holidays would still fit).
_SEARCH_DAYS = 60


def _clock_time(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def is_working_day(day: date, hours: WorkingHours) -> bool:
    return WEEKDAYS[day.weekday()] in hours.days and day not in hours.bank_holidays


def is_working_time(moment: datetime, hours: WorkingHours, tz: str) -> bool:
    """Inside the window on a working day, in the programme's local time."""
    local = moment.astimezone(ZoneInfo(tz))
    starts, ends = _clock_time(hours.starts), _clock_time(hours.ends)
    return is_working_day(local.date(), hours) and starts <= local.time() < ends


def next_working_time(moment: datetime, hours: WorkingHours, tz: str) -> datetime:
    """`moment` itself when it is working time, else the start of the next window."""
    if is_working_time(moment, hours, tz):
        return moment
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    starts = _clock_time(hours.starts)
    day = local.date()
    if local.time() >= starts:
        day += timedelta(days=1)  # today's window has begun (and, not being in it, ended)
    for _ in range(_SEARCH_DAYS):
        if is_working_day(day, hours):
            return datetime.combine(day, starts, tzinfo=zone).astimezone(moment.tzinfo)
        day += timedelta(days=1)
    raise ValueError("no working day within the next 60 days: check working_hours")


def add_working_days(start: datetime, n: int, hours: WorkingHours, tz: str) -> datetime:
    """The same local time of day, `n` working days after `start`'s day.

    Days off are skipped, so a request made on Friday with 2 days to answer is due on
    Tuesday, not Sunday.
    """
    zone = ZoneInfo(tz)
    local = start.astimezone(zone)
    day = working_days_after(local.date(), n, hours)
    moved = datetime.combine(day, local.time(), tzinfo=zone)
    return moved.astimezone(start.tzinfo)


def to_act(start: datetime, n: int, hours: WorkingHours, tz: str) -> datetime:
    """`n` days after `start` for someone expected to act: working days when the
    programme counts them (`hours.count_working_days`), else calendar days."""
    if hours.count_working_days:
        return add_working_days(start, n, hours, tz)
    return start + timedelta(days=n)


def working_days_after(day: date, n: int, hours: WorkingHours) -> date:
    """The `n`-th working day after `day` (a date, for return dates and deadlines)."""
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day, hours):
            counted += 1
    return day
