"""The figures at the end of the demo, counted from the service's own records.

Also the end-state check: after a simulated year nothing should be left hanging (no
request waiting for an answer, no partnership past its end still open, nothing stuck
in the outbox), and the sent Maildir should hold exactly one file per email sent.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from service.app import App
from service.domain import working_time
from service.domain.model import Meeting
from service.domain.rules import distinct_meetings
from service.mail.ratelimit import eta
from service.store.tallies import Tallies, tally

MATCH_TEMPLATES = ("matches_mentee", "matches_mentor", "no_match")
# Issue 16: nobody should get more than this many emails in a month, answers included.
MONTHLY_CEILING = 6


@dataclass
class Summary:
    people: int = 0
    registrations: Counter[str] = field(default_factory=Counter)
    introductions: Counter[str] = field(default_factory=Counter)
    matched_mentees: int = 0
    matched_mentors: int = 0
    approaches: Counter[str] = field(default_factory=Counter)
    pairings_started: int = 0
    pairings_active: int = 0
    pairings_continued: int = 0  # active, and into a further period (CONTINUE)
    pairings_ended: Counter[str] = field(default_factory=Counter)
    meetings: int = 0
    minutes: int = 0
    emails: Counter[str] = field(default_factory=Counter)  # sent, by template
    outbound: Counter[str] = field(default_factory=Counter)  # by status
    bounced: int = 0
    inbound: Counter[str] = field(default_factory=Counter)  # by status
    sent_files: int = 0
    loose_ends: list[str] = field(default_factory=list)
    # What a coordinator plans the mailbox with (emails counted when the service queued
    # them, in programme-local time; the demo's own mailbox has no sending limit).
    busiest_day: tuple[date, int] | None = None
    busiest_hour: tuple[datetime, int] | None = None
    per_minute_limit: int = 0
    per_day_limit: int = 0
    match_emails: int = 0
    match_minutes: int = 0  # to send them all at the per-minute limit
    attention_peak: tuple[date, int] | None = None  # needs-attention messages in one day
    # Emails that answered nobody's message, and how many of them went out on a day off
    # or outside the working window (should be none: `working_time`).
    unprompted_sent: int = 0
    unprompted_outside_hours: int = 0
    # Emails a participant received in one calendar month: the median over every
    # (person, month) with any, and the most (issue 16: median <= 2, nobody above 6).
    per_person_month_median: float = 0.0
    per_person_month_max: int = 0
    unasked_per_person_month_max: int = 0  # the same, leaving out answers to their emails
    person_months: int = 0  # (person, month) pairs with any email
    person_months_over: int = 0  # of those, how many above MONTHLY_CEILING

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @property
    def emails_sent(self) -> int:
        return sum(self.emails.values())


def _files(folder: Path) -> int:
    total = 0
    for sub in ("new", "cur"):
        try:
            with os.scandir(folder / sub) as scan:
                total += sum(1 for e in scan if not e.name.startswith("."))
        except FileNotFoundError:
            continue
    return total


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _busiest(moments: Iterable[datetime], tz: ZoneInfo, *, hourly: bool) -> tuple[Any, int] | None:
    """The local day (or hour) holding the most of `moments`, and how many."""
    counts: Counter[Any] = Counter()
    for moment in moments:
        local = _aware(moment).astimezone(tz)
        counts[local.replace(minute=0, second=0, microsecond=0) if hourly else local.date()] += 1
    return counts.most_common(1)[0] if counts else None


def _mailbox_load(app: App, t: Tallies, s: Summary) -> None:
    tz = ZoneInfo(app.config.programme.timezone)
    s.busiest_day = _busiest(t.queued_at, tz, hourly=False)
    s.busiest_hour = _busiest(t.queued_at, tz, hourly=True)
    sending = app.config.sending
    s.per_minute_limit, s.per_day_limit = sending.messages_per_minute, sending.recipients_per_day
    s.match_emails = t.match_emails
    s.match_minutes = eta(s.match_emails, sending).minutes
    s.attention_peak = _busiest(t.attention_at, tz, hourly=False)
    _per_person_month(t, tz, s)
    hours, zone = app.config.working_hours, app.config.programme.timezone
    s.unprompted_sent = len(t.unprompted_sent_at)
    s.unprompted_outside_hours = sum(
        not working_time.is_working_time(m, hours, zone) for m in t.unprompted_sent_at
    )


def _per_person_month(t: Tallies, tz: ZoneInfo, s: Summary) -> None:
    counts: Counter[tuple[int, int, int]] = Counter()
    unasked: Counter[tuple[int, int, int]] = Counter()
    for who, moment, answered in t.sent_to_people:
        local = moment.astimezone(tz)
        counts[(who, local.year, local.month)] += 1
        unasked[(who, local.year, local.month)] += not answered
    if counts:
        s.per_person_month_median = float(median(counts.values()))
        s.per_person_month_max = max(counts.values())
        s.unasked_per_person_month_max = max(unasked.values())
        s.person_months = len(counts)
        s.person_months_over = sum(n > MONTHLY_CEILING for n in counts.values())


def summarise(app: App, now: datetime) -> Summary:
    grace = timedelta(days=app.config.timings.continue_within_after_end)
    t = tally(app.db, MATCH_TEMPLATES)
    s = Summary(
        people=t.people,
        registrations=t.registrations,
        introductions=t.introductions,
        matched_mentees=t.matched_mentees,
        matched_mentors=t.matched_mentors,
        approaches=t.approaches,
        pairings_started=sum(t.pairings.values()),
        pairings_active=t.pairings.get("active", 0),
        pairings_continued=t.pairings_continued,
        pairings_ended=t.pairings_ended,
        emails=t.emails_sent,
        outbound=t.outbound,
        bounced=t.bounced,
        inbound=t.inbound,
    )
    # The same meeting logged by both partners counts once.
    met = distinct_meetings(
        Meeting(
            pairing_id=m.pairing_id,
            logged_by=m.logged_by,
            met_on=m.met_on,
            minutes=m.minutes,
            created_at=now,
        )
        for m in t.meetings
    )
    s.meetings = len(met)
    s.minutes = sum(m.minutes for m in met)
    _mailbox_load(app, t, s)
    overdue = [end for end in t.active_ends if end + grace < now]
    s.sent_files = _files(app.settings.mail_dir / "sent")
    if s.approaches.get("pending"):
        s.loose_ends.append(f"{s.approaches['pending']} long-term request(s) still unanswered")
    if overdue:
        s.loose_ends.append(f"{len(overdue)} partnership(s) past their end still open")
    waiting = s.outbound.get("queued", 0) + s.outbound.get("sending", 0)
    if waiting:
        s.loose_ends.append(f"{waiting} email(s) still in the outbox")
    if s.inbound.get("stored"):
        s.loose_ends.append(f"{s.inbound['stored']} inbound message(s) not handled")
    # A bounced email was delivered to the sent folder first, then marked failed.
    if s.sent_files != s.outbound.get("sent", 0) + s.bounced:
        s.loose_ends.append(
            f"the sent folder holds {s.sent_files} files for"
            f" {s.outbound.get('sent', 0) + s.bounced} emails sent"
        )
    return s
