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
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from service.app import App
from service.domain.model import Meeting
from service.domain.rules import distinct_meetings
from service.mail.ratelimit import eta
from service.store.orm import (
    approaches,
    inbound_messages,
    introductions,
    meetings,
    outbound_messages,
    pairings,
    people,
    registrations,
)

MATCH_TEMPLATES = ("matches_mentee", "matches_mentor", "no_match")


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


def _mailbox_load(app: App, c: Connection, s: Summary) -> None:
    tz = ZoneInfo(app.config.programme.timezone)
    queued = [m for (m,) in c.execute(select(outbound_messages.c.created_at))]
    s.busiest_day = _busiest(queued, tz, hourly=False)
    s.busiest_hour = _busiest(queued, tz, hourly=True)
    sending = app.config.sending
    s.per_minute_limit, s.per_day_limit = sending.messages_per_minute, sending.recipients_per_day
    s.match_emails = int(
        c.scalar(select(func.count()).where(outbound_messages.c.template.in_(MATCH_TEMPLATES))) or 0
    )
    s.match_minutes = eta(s.match_emails, sending).minutes
    attention = c.execute(
        select(inbound_messages.c.received_at).where(inbound_messages.c.status == "needs_attention")
    )
    s.attention_peak = _busiest((m for (m,) in attention), tz, hourly=False)


def summarise(app: App, now: datetime) -> Summary:
    s = Summary()
    grace = timedelta(days=app.config.timings.continue_within_after_end)
    with app.db.engine.connect() as c:

        def by(column: object, table: object) -> Counter[str]:
            rows = c.execute(select(column, func.count()).select_from(table).group_by(column))  # type: ignore[call-overload]
            return Counter({str(k): int(n) for k, n in rows})

        s.people = int(c.scalar(select(func.count()).select_from(people)) or 0)
        s.registrations = by(registrations.c.status, registrations)
        s.introductions = by(introductions.c.status, introductions)
        live = introductions.c.status != "proposed"
        s.matched_mentees = int(
            c.scalar(select(func.count(func.distinct(introductions.c.mentee_id))).where(live)) or 0
        )
        s.matched_mentors = int(
            c.scalar(select(func.count(func.distinct(introductions.c.mentor_id))).where(live)) or 0
        )
        s.approaches = by(approaches.c.status, approaches)
        s.pairings_started = int(c.scalar(select(func.count()).select_from(pairings)) or 0)
        s.pairings_active = int(
            c.scalar(select(func.count()).where(pairings.c.status == "active")) or 0
        )
        s.pairings_continued = int(
            c.scalar(
                select(func.count()).where(pairings.c.status == "active", pairings.c.period > 1)
            )
            or 0
        )
        s.pairings_ended = Counter(
            {
                str(reason): int(n)
                for reason, n in c.execute(
                    select(pairings.c.end_reason, func.count())
                    .where(pairings.c.status == "ended")
                    .group_by(pairings.c.end_reason)
                )
            }
        )
        # The same meeting logged by both partners counts once.
        rows = c.execute(
            select(
                meetings.c.pairing_id, meetings.c.logged_by, meetings.c.met_on, meetings.c.minutes
            )
        )
        met = distinct_meetings(
            Meeting(pairing_id=p, logged_by=b, met_on=d, minutes=n, created_at=now)
            for p, b, d, n in rows
        )
        s.meetings = len(met)
        s.minutes = sum(m.minutes for m in met)
        s.emails = Counter(
            {
                str(t): int(n)
                for t, n in c.execute(
                    select(outbound_messages.c.template, func.count())
                    .where(outbound_messages.c.status.in_(("sent", "failed")))
                    .where(outbound_messages.c.sent_at.is_not(None))
                    .group_by(outbound_messages.c.template)
                )
            }
        )
        s.outbound = by(outbound_messages.c.status, outbound_messages)
        s.bounced = int(
            c.scalar(
                select(func.count()).where(
                    outbound_messages.c.status == "failed",
                    outbound_messages.c.last_error == "bounced",
                )
            )
            or 0
        )
        s.inbound = by(inbound_messages.c.status, inbound_messages)
        _mailbox_load(app, c, s)
        overdue = [
            _aware(end)
            for (end,) in c.execute(select(pairings.c.ends_at).where(pairings.c.status == "active"))
            if _aware(end) + grace < now
        ]
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
