"""A person's whole story, in time order and in words, for the coordinators.

`mentoring person show EMAIL` prints it and a coordinator's `STATUS email` sends it:
registrations and confirmations, speed-mentoring introductions, requests and their
answers, partnerships (how and why they ended), meetings (numbered as the meeting
corrections number them), every email we sent (subject, day, state) and received (how it
was read), bounces, out-of-office and pauses, and the coordinators' notes and corrections
with who made them. Written to the coordinator about the person, never to them; a
characteristic is never read.

`gather` reads the facts (the only I/O); `tell` turns them into lines (a plain function).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.parser import BytesHeaderParser
from email.policy import default
from zoneinfo import ZoneInfo

from service.corrections import correction_words, in_order, why_it_ended
from service.domain.model import (
    Approach,
    ApproachStatus,
    AuditEvent,
    EndReason,
    Introduction,
    IntroductionStatus,
    Meeting,
    Pairing,
    Person,
    Registration,
    Round,
)
from service.domain.rules import is_paused
from service.store.records import Correction, InboundMessage, OutboundMessage
from service.store.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Entry:
    at: datetime
    text: str


@dataclass
class Facts:
    """Everything the story is told from, read once."""

    person: Person
    names: dict[int, str]
    rounds: dict[int, Round]
    registrations: Sequence[Registration] = ()
    introductions: Sequence[Introduction] = ()
    approaches: Sequence[Approach] = ()
    pairings: Sequence[Pairing] = ()
    meetings: Sequence[Meeting] = ()
    sent: Sequence[OutboundMessage] = ()
    received: Sequence[InboundMessage] = ()
    events: Sequence[AuditEvent] = ()
    corrections: Sequence[Correction] = field(default_factory=list)


def gather(uow: UnitOfWork, person: Person) -> Facts:
    """Read what the story needs about `person` (never a characteristic)."""
    pid = person.id
    assert pid is not None
    repo = uow.repo
    approaches = [*repo.approaches_of_mentee(pid), *repo.approaches_to(pid)]
    pairings = repo.pairings_of(pid)
    registrations = repo.registrations_of(pid)
    introductions = repo.introductions_of(pid)
    others = {i.mentor_id for i in introductions} | {i.mentee_id for i in introductions}
    others |= {a.mentor_id for a in approaches} | {a.mentee_id for a in approaches}
    others |= {p.mentor_id for p in pairings} | {p.mentee_id for p in pairings}
    corrections = repo.corrections_about(pid)
    others |= {c.partner_id for c in corrections if c.partner_id is not None}
    subjects = [f"person:{pid}", *(f"pairing:{p.id}" for p in pairings)]
    return Facts(
        person=person,
        names={i: p.name or p.email for i, p in repo.people(sorted(others | {pid})).items()},
        rounds={r.id: r for r in repo.rounds() if r.id is not None},
        registrations=registrations,
        introductions=introductions,
        approaches=approaches,
        pairings=pairings,
        meetings=repo.meetings_of([p.id for p in pairings if p.id is not None]),
        sent=repo.emails_of(pid),
        received=repo.messages_from(pid),
        events=repo.audit_about(subjects),
        corrections=corrections,
    )


def tell(facts: Facts, tz: str = "Europe/London") -> list[Entry]:
    """The story's lines, oldest first (times inside the words in `tz`)."""
    entries = [
        *_registrations(facts),
        *_introductions(facts),
        *_approaches(facts),
        *_pairings(facts),
        *_meetings(facts),
        *_events(facts),
        # At the same moment a correction comes before the emails it caused.
        *_corrections(facts),
        *_mail(facts, ZoneInfo(tz)),
    ]
    return sorted(entries, key=lambda e: e.at)  # stable: the order above breaks ties


def lines(facts: Facts, tz: str) -> list[str]:
    """Each entry as a line: "12 Mar 2027 09:15  Confirmed their address."."""
    zone = ZoneInfo(tz)
    return [f"{e.at.astimezone(zone):%d %b %Y %H:%M}  {e.text}" for e in tell(facts, tz)]


def _name(facts: Facts, person_id: int | None) -> str:
    return facts.names.get(person_id or 0, "someone who has left")


def _round(facts: Facts, round_id: int) -> str:
    found = facts.rounds.get(round_id)
    return f"the {found.name} round" if found else "a round"


def _registrations(facts: Facts) -> list[Entry]:
    out = []
    for reg in facts.registrations:
        where = _round(facts, reg.round_id)
        roles = " and ".join(sorted(r.value for r in reg.role_set))
        out.append(Entry(reg.created_at, f"Registered for {where} as {roles}."))
        if reg.confirmed_at is not None:
            out.append(Entry(reg.confirmed_at, f"Confirmed their address for {where}."))
        if reg.withdrawn_at is not None:
            out.append(Entry(reg.withdrawn_at, f"Left {where} (withdrawn)."))
    return out


_SPEED = {
    IntroductionStatus.PROPOSED: "proposed, not yet sent",
    IntroductionStatus.SENT: "not met yet",
    IntroductionStatus.MET: "they met",
    IntroductionStatus.NOT_MET: "they did not meet",
    IntroductionStatus.CLOSED: "closed before they met",
}


def _introductions(facts: Facts) -> list[Entry]:
    pid = facts.person.id
    out = []
    for i in facts.introductions:
        as_mentee = i.mentee_id == pid
        other = _name(facts, i.mentor_id if as_mentee else i.mentee_id)
        role = "speed mentor" if as_mentee else "speed mentee"
        # NONE closes every speed match, met or not: a session held stays "met".
        met = i.status is IntroductionStatus.MET or i.contacted_at is not None
        state = _SPEED[IntroductionStatus.MET if met else i.status]
        out.append(
            Entry(i.sent_at or i.created_at, f"Introduced to {other}, their {role} ({state}).")
        )
        if met and i.contacted_at is not None:
            out.append(Entry(i.contacted_at, f"Met {other} for their speed-mentoring session."))
    return out


_ANSWERS = {
    ApproachStatus.ACCEPTED: "{mentor} accepted {mentee}'s request",
    ApproachStatus.DECLINED: "{mentor} declined {mentee}'s request",
    ApproachStatus.EXPIRED: "{mentee}'s request to {mentor} expired unanswered",
    ApproachStatus.WITHDRAWN: "{mentee}'s request to {mentor} was withdrawn",
}


def _approaches(facts: Facts) -> list[Entry]:
    out = []
    for a in facts.approaches:
        who = {"mentor": _name(facts, a.mentor_id), "mentee": _name(facts, a.mentee_id)}
        out.append(
            Entry(
                a.created_at,
                "{mentee} asked {mentor} to be their long-term mentor.".format(**who),
            )
        )
        if a.answered_at is not None and a.status in _ANSWERS:
            out.append(Entry(a.answered_at, _ANSWERS[a.status].format(**who) + "."))
    return out


def _pairings(facts: Facts) -> list[Entry]:
    out = []
    for p in facts.pairings:
        pair = f"{_name(facts, p.mentor_id)} (mentor) and {_name(facts, p.mentee_id)} (mentee)"
        out.append(Entry(p.started_at, f"Long-term partnership of {pair} began."))
        # Each ending as it was recorded: a reopened partnership may have ended before.
        endings = [
            (e.at, e.detail.get("reason"), _leaver(facts, e.detail.get("by")))
            for e in facts.events
            if e.action == "pairing.ended" and e.subject == f"pairing:{p.id}"
        ]
        if not endings and p.ended_at is not None:
            endings = [(p.ended_at, p.end_reason, None)]
        out += [
            Entry(at, f"Partnership of {pair} ended: {why_it_ended(_reason(why), who)}.")
            for at, why, who in endings
        ]
    return out


def _leaver(facts: Facts, by: object) -> str | None:
    """Who left, when the ending's record names a person (a coordinator's "by" does not)."""
    return _name(facts, by) if isinstance(by, int) else None


def _reason(value: object) -> EndReason | None:
    try:
        return EndReason(str(value)) if value else None
    except ValueError:
        return None


def _day(on: date) -> str:
    return f"{on.day} {on:%B %Y}"


def _meetings(facts: Facts) -> list[Entry]:
    out = []
    partners = {p.id: p.partner_of(facts.person.id or 0) for p in facts.pairings}
    for number, m in enumerate(in_order(facts.meetings), start=1):
        with_whom = _name(facts, partners.get(m.pairing_id))
        note = f" Their note: “{m.note}”." if m.note else ""
        out.append(
            Entry(
                m.created_at,
                f"Meeting {number} with {with_whom}: {m.minutes} minutes on {_day(m.met_on)},"
                f" logged by {_name(facts, m.logged_by)}.{note}",
            )
        )
    return out


_TAG = re.compile(r"\s*\[ref:[^\]]*\]")


def subject_of(raw: bytes) -> str:
    """An email's subject as its reader saw it, without our reply tag."""
    if not raw:
        return "(erased)"
    subject = BytesHeaderParser(policy=default).parsebytes(raw).get("Subject", "")
    return _TAG.sub("", str(subject)).strip() or "(no subject)"


def _mail(facts: Facts, zone: ZoneInfo) -> list[Entry]:
    out = []
    for o in facts.sent:
        state = (
            f"sent {o.sent_at.astimezone(zone):%d %b %Y %H:%M}"
            if o.sent_at
            else o.status.value.replace("_", " ")
        )
        resend = " — a coordinator's resend" if o.dedupe_key.startswith("resend:") else ""
        out.append(
            Entry(
                o.created_at,
                f"We emailed “{subject_of(o.raw)}” [{o.template}] ({state}){resend}.",
            )
        )
    for i in facts.received:
        how = i.reason or i.kind.replace("_", " ") or "not read yet"
        outcome = i.status.value.replace("_", " ")
        out.append(Entry(i.received_at, f"They wrote to us, read as {how} ({outcome})."))
    return out


_EVENTS = {
    "person.bouncing": "Their address started bouncing: we stopped emailing them.",
    "person.bouncing_cleared": "Their mail reached them again (they replied).",
    "pairing.ladder_started": "Their partnership went quiet: the no-blame reminders began.",
    "pairing.ladder_held": "A coordinator stopped the reminders (HOLD).",
    "person.paused": "They paused their mentoring.",
    "person.resumed": "They resumed their mentoring.",
}


def _events(facts: Facts) -> list[Entry]:
    out = []
    for e in facts.events:
        if e.action == "person.away":
            out.append(Entry(e.at, f"Out of office until {e.detail.get('until', '?')}."))
        elif e.action in _EVENTS:
            out.append(Entry(e.at, _EVENTS[e.action]))
    return out


def _corrections(facts: Facts) -> list[Entry]:
    return [
        Entry(c.at, f"Correction by {correction_words(c, facts.names)}.") for c in facts.corrections
    ]


def now_lines(facts: Facts, grade_names: dict[str, str], today: datetime) -> list[str]:
    """Where the person stands now, for the top of `person show` (never a characteristic)."""
    pid = facts.person.id or 0
    out = []
    for reg in facts.registrations:
        roles = " and ".join(sorted(r.value for r in reg.role_set))
        out.append(
            f"{_round(facts, reg.round_id).capitalize()}: {roles},"
            f" {reg.status.value.replace('_', ' ')}; {grade_names.get(reg.grade, reg.grade)},"
            f" {reg.department}, {reg.profession}"
        )
    for p in facts.pairings:
        if p.active:
            role = "mentor" if p.mentee_id == pid else "mentee"
            out.append(f"Open partnership: their {role} is {_name(facts, p.partner_of(pid))}")
    person = facts.person
    if person.bouncing_since is not None:
        out.append(f"Their address bounces (since {_day(person.bouncing_since.date())})")
    if person.away_until is not None and person.away_until >= today.date():
        out.append(f"Out of office until {_day(person.away_until)}")
    if is_paused(person, today):
        until = f" until {_day(person.paused_until.date())}" if person.paused_until else ""
        out.append(f"Paused{until}")
    return out or ["Not registered for a round"]
