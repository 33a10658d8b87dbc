"""The whole store counted, for the end of the demo: how many of each thing in each state.

Counted in the database (GROUP BY), never by loading every row's objects: a demo year
of 1,000 people holds tens of thousands of emails.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, Connection, Table, func, or_, select

from service.store.database import Database
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


@dataclass(frozen=True)
class Logged:
    """One meeting as logged (both partners may log the same one)."""

    pairing_id: int
    logged_by: int
    met_on: date
    minutes: int


@dataclass
class Tallies:
    people: int
    registrations: Counter[str]  # by status, and so on below
    introductions: Counter[str]
    matched_mentees: int  # with an introduction past "proposed"
    matched_mentors: int
    approaches: Counter[str]
    pairings: Counter[str]
    pairings_continued: int  # active, and into a further period
    pairings_ended: Counter[str]  # by end reason
    active_ends: list[datetime]  # when each active pairing's agreed period ends
    meetings: list[Logged]
    emails_sent: Counter[str]  # by template, each email handed to the provider
    outbound: Counter[str]
    bounced: int
    match_emails: int  # of the templates asked about
    queued_at: list[datetime]  # when each email was queued
    inbound: Counter[str]
    attention_at: list[datetime]  # when each message set aside for a human arrived
    # When each email that answered no one's message (time rules, digests, coordinators'
    # commands) went out: the ones that should keep to working hours.
    unprompted_sent_at: list[datetime] = field(default_factory=list)
    # Each email sent to a participant: whose, when, and whether it answered their own
    # message (how many a person gets a month, and how many of those they did not ask for).
    sent_to_people: list[tuple[int, datetime, bool]] = field(default_factory=list)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _by(c: Connection, table: Table, column: Column[str]) -> Counter[str]:
    rows = c.execute(select(column, func.count()).select_from(table).group_by(column))
    return Counter({str(k): int(n) for k, n in rows})


def _count(c: Connection, *where: object) -> int:
    return int(c.scalar(select(func.count()).where(*where)) or 0)  # type: ignore[arg-type]


def tally(db: Database, match_templates: Sequence[str]) -> Tallies:
    with db.engine.connect() as c:
        live = introductions.c.status != "proposed"
        o, p = outbound_messages.c, pairings.c
        return Tallies(
            people=int(c.scalar(select(func.count()).select_from(people)) or 0),
            registrations=_by(c, registrations, registrations.c.status),
            introductions=_by(c, introductions, introductions.c.status),
            matched_mentees=_count_distinct(c, introductions.c.mentee_id, live),
            matched_mentors=_count_distinct(c, introductions.c.mentor_id, live),
            approaches=_by(c, approaches, approaches.c.status),
            pairings=_by(c, pairings, p.status),
            pairings_continued=_count(c, p.status == "active", p.period > 1),
            pairings_ended=_ended(c),
            active_ends=_times(c, p.ends_at, p.status == "active"),
            meetings=[
                Logged(*row)
                for row in c.execute(
                    select(
                        meetings.c.pairing_id,
                        meetings.c.logged_by,
                        meetings.c.met_on,
                        meetings.c.minutes,
                    )
                )
            ],
            emails_sent=_sent_by_template(c),
            outbound=_by(c, outbound_messages, o.status),
            bounced=_count(c, o.status == "failed", o.last_error == "bounced"),
            match_emails=_count(c, o.template.in_(match_templates)),
            queued_at=_times(c, o.created_at),
            inbound=_by(c, inbound_messages, inbound_messages.c.status),
            # The time rules' mail, and news another person's email caused: everything
            # held for working hours (`outbox.queue(automatic=True)`).
            unprompted_sent_at=_times(
                c, o.sent_at, or_(o.inbound_id.is_(None), o.keep_to_hours), o.sent_at.is_not(None)
            ),
            # An answer to their own email (not news another person's email caused).
            sent_to_people=[
                (int(who), _aware(m), bool(answer))
                for who, m, answer in c.execute(
                    select(o.person_id, o.sent_at, o.automatic_answer).where(
                        o.person_id.is_not(None), o.sent_at.is_not(None)
                    )
                )
            ],
            attention_at=_times(
                c, inbound_messages.c.received_at, inbound_messages.c.status == "needs_attention"
            ),
        )


def _times(c: Connection, column: Column[Any], *where: Any) -> list[datetime]:
    """Every value of a date-time column (where `where` holds), as aware UTC times."""
    return [_aware(m) for (m,) in c.execute(select(column).where(*where))]


def _count_distinct(c: Connection, column: Column[int], *where: object) -> int:
    return int(c.scalar(select(func.count(func.distinct(column))).where(*where)) or 0)  # type: ignore[arg-type]


def _ended(c: Connection) -> Counter[str]:
    p = pairings.c
    rows = c.execute(
        select(p.end_reason, func.count()).where(p.status == "ended").group_by(p.end_reason)
    )
    return Counter({str(reason): int(n) for reason, n in rows})


def _sent_by_template(c: Connection) -> Counter[str]:
    o = outbound_messages.c
    rows = c.execute(
        select(o.template, func.count())
        .where(o.status.in_(("sent", "failed")), o.sent_at.is_not(None))
        .group_by(o.template)
    )
    return Counter({str(t): int(n) for t, n in rows})
