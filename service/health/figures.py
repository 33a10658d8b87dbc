"""The programme-health figures, as plain functions over one round's facts (no I/O).

`service.health.load` reads the facts through the repository; `service.health.page`
draws them. Every number carries how many people stand behind it (`Count.people`), so
the sponsors' version can suppress any figure fewer than five people could be singled
out by. No characteristic is read here at all: nothing below can show one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from statistics import median
from typing import NamedTuple

from service.config import ProgrammeConfig
from service.domain.model import (
    Approach,
    ApproachStatus,
    EndReason,
    Feedback,
    Introduction,
    IntroductionStatus,
    Meeting,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    Round,
)
from service.domain.rules import cpd_points, distinct_meetings

SPONSOR_THRESHOLD = 5  # fewer people than this behind a number: suppressed for sponsors
NO_CONTACT_AFTER = timedelta(days=14)


class OutFact(NamedTuple):
    person_id: int | None
    template: str
    status: str
    sent_at: datetime | None
    last_error: str
    automatic: bool


class InFact(NamedTuple):
    person_id: int | None
    status: str
    kind: str
    received_at: datetime


@dataclass(frozen=True)
class Facts:
    """Everything the report reads about one round, loaded once."""

    now: datetime
    round: Round
    registrations: Sequence[Registration]
    introductions: Sequence[Introduction]
    approaches: Sequence[Approach]
    pairings: Sequence[Pairing]
    meetings: Sequence[Meeting]  # every logging; `distinct_meetings` removes doubles
    people: Mapping[int, Person]
    outbound: Sequence[OutFact] = ()
    inbound: Sequence[InFact] = ()
    until: datetime | None = None  # mail after this belongs to the next round
    feedback: Sequence[Feedback] = ()  # answers to "how is your mentoring going?" (1 to 5)


@dataclass(frozen=True)
class Count:
    """A figure and how many people stand behind it."""

    value: float
    people: int

    def hidden(self, for_sponsors: bool) -> bool:
        return for_sponsors and 0 < self.people < SPONSOR_THRESHOLD

    def text(self, for_sponsors: bool) -> str:
        if self.hidden(for_sponsors):
            return f"<{SPONSOR_THRESHOLD}"
        if isinstance(self.value, float) and not self.value.is_integer():
            return f"{self.value:,.1f}"
        return f"{int(self.value):,}"


def people_count(n: int) -> Count:
    return Count(n, n)


@dataclass(frozen=True)
class Words:
    """Reasons in words, each with how many people it is about ("2 never confirmed")."""

    items: tuple[tuple[int, str], ...]

    def text(self, for_sponsors: bool) -> str:
        shown = [f"{Count(n, n).text(for_sponsors)} {why}" for n, why in self.items if n]
        return "; ".join(shown) or "none"


Cell = Count | Words | str


@dataclass(frozen=True)
class Figure:
    """One chart and the table beside it: rows of a label and values per column."""

    key: str
    title: str
    description: str  # the chart's text alternative, in words
    columns: Sequence[str]
    rows: Sequence[tuple[str, Sequence[Cell]]]
    chart: str = "bars"  # "bars" (horizontal, first column) or "columns" (time, stacked)
    notes: Sequence[str] = ()


# --- the funnel --------------------------------------------------------------------------


def _mentees(regs: Sequence[Registration]) -> list[Registration]:
    return [r for r in regs if r.has_role(Role.MENTEE)]


def _confirmed(r: Registration) -> bool:
    return r.status is RegistrationStatus.CONFIRMED or r.confirmed_at is not None


def _words(counter: Mapping[str, int]) -> Words:
    return Words(tuple((n, why) for why, n in counter.items()))


ENDINGS = {
    EndReason.COMPLETED: "completed",
    EndReason.UNPAIRED_BY_MENTEE: "unpaired by the mentee",
    EndReason.UNPAIRED_BY_MENTOR: "unpaired by the mentor",
    EndReason.UNPAIRED_BY_COORDINATOR: "unpaired by a coordinator",
    EndReason.UNRESPONSIVE: "no response from a partner",
    EndReason.STALE: "went quiet (stale)",
    EndReason.WITHDRAWN: "a partner withdrew",
    EndReason.DATA_ERASED: "data erased",
}


@dataclass(frozen=True)
class _Funnel:
    """The mentees who reached each step, as person ids."""

    registered: set[int]
    confirmed: set[int]
    withdrew: set[int]
    matched: set[int]
    met: set[int]
    asked: set[int]
    paired: set[int]
    good: set[int]  # still active, or completed


def _funnel_groups(f: Facts) -> _Funnel:
    mentees = _mentees(f.registrations)
    confirmed = {r.person_id for r in mentees if _confirmed(r)}
    live = [i for i in f.introductions if i.status is not IntroductionStatus.PROPOSED]
    matched = {i.mentee_id for i in live} & confirmed
    met = {
        i.mentee_id
        for i in live
        if i.status is IntroductionStatus.MET or i.contacted_at is not None
    } & matched
    return _Funnel(
        registered={r.person_id for r in mentees},
        confirmed=confirmed,
        withdrew={r.person_id for r in mentees if r.status is RegistrationStatus.WITHDRAWN},
        matched=matched,
        met=met,
        asked={a.mentee_id for a in f.approaches} & matched,
        paired={p.mentee_id for p in f.pairings},
        good={p.mentee_id for p in f.pairings if p.active or p.end_reason is EndReason.COMPLETED},
    )


def _funnel_steps(f: Facts, g: _Funnel) -> list[tuple[str, set[int], Cell]]:
    """Each step: its label, who reached it, and why the others did not, in words."""
    last = {a.mentee_id: a for a in f.approaches}  # latest request per mentee wins
    refused = Counter(a.status.value for m, a in last.items() if m in g.asked - g.paired)
    ended = Counter(
        ENDINGS[p.end_reason]
        for p in f.pairings
        if p.mentee_id in g.paired - g.good and p.end_reason is not None
    )
    unconfirmed, unmatched = g.registered - g.confirmed, g.confirmed - g.matched
    return [
        ("Registered (mentees)", g.registered, ""),
        (
            "Confirmed their address",
            g.confirmed,
            _words(
                {
                    "never confirmed": len(unconfirmed - g.withdrew),
                    "withdrew first": len(unconfirmed & g.withdrew),
                }
            ),
        ),
        (
            "Matched with speed mentors",
            g.matched,
            _words(
                {
                    "had no suitable mentor (see the match report)": len(unmatched - g.withdrew),
                    "withdrew before matching": len(unmatched & g.withdrew),
                }
            ),
        ),
        (
            "Met a speed mentor",
            g.met,
            _words({"reported no speed session": len(g.matched - g.met)}),
        ),
        (
            "Asked a mentor to continue",
            g.asked,
            _words({"did not ask (or replied NONE)": len(g.met - g.asked)}),
        ),
        (
            "Paired long term",
            g.paired,
            _words({f"request {k}": n for k, n in sorted(refused.items())}),
        ),
        ("Still active or completed", g.good, _words(dict(sorted(ended.items())))),
    ]


def funnel(f: Facts) -> Figure:
    """Mentees from registering to a finished or living pairing, with each step's drop."""
    g = _funnel_groups(f)
    rows: list[tuple[str, Sequence[Cell]]] = []
    before: set[int] | None = None
    for label, group, reasons in _funnel_steps(f, g):
        drop = people_count(len(before - group)) if before is not None else ""
        rows.append((label, [people_count(len(group)), drop, reasons]))
        before = group
    return Figure(
        "funnel",
        "From registration to a lasting pairing",
        f"Funnel of mentees: {len(g.registered)} registered, {len(g.confirmed)} confirmed,"
        f" {len(g.matched)} matched, {len(g.met)} met a speed mentor, {len(g.asked)} asked to"
        f" keep one, {len(g.paired)} paired, {len(g.good)} still active or completed.",
        ["mentees", "lost at this step", "why, in words"],
        rows,
    )


# --- participants ------------------------------------------------------------------------

ROLE_NAMES = {"mentor": "mentors", "mentee": "mentees", "mentee,mentor": "both"}


def _role_name(r: Registration) -> str:
    return ROLE_NAMES[",".join(sorted(x.value for x in r.role_set))]


def _monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def registrations_per_week(f: Facts) -> Figure:
    start = _monday(f.round.opens_at.date())
    end = max([f.round.closes_at.date()] + [r.created_at.date() for r in f.registrations])
    weeks: list[date] = []
    week = start
    while week <= end:
        weeks.append(week)
        week += timedelta(days=7)
    counts: Counter[tuple[date, str]] = Counter(
        (_monday(r.created_at.date()), _role_name(r)) for r in f.registrations
    )
    roles = list(ROLE_NAMES.values())
    rows = [
        (
            f"w/c {w:%d %b}",
            [people_count(counts[(w, role)]) for role in roles],
        )
        for w in weeks
    ]
    return Figure(
        "weekly",
        "Registrations per week",
        f"Registrations per week from {f.round.opens_at:%d %b %Y} to"
        f" {f.round.closes_at:%d %b %Y} (the registration window), by role:"
        f" {len(f.registrations)} in all.",
        roles,
        rows,
        chart="columns",
        notes=[
            f"The window was open from {f.round.opens_at:%d %B} to {f.round.closes_at:%d %B %Y}."
        ],
    )


def _breakdown(
    f: Facts, key: str, title: str, value: str, labels: Mapping[str, str] | None = None
) -> Figure:
    labels = labels or {}
    counts = Counter(
        labels.get(str(getattr(r, value)), str(getattr(r, value)) or "not given")
        for r in f.registrations
    )
    top = counts.most_common(12)
    rest = sum(counts.values()) - sum(n for _, n in top)
    rows: list[tuple[str, Sequence[Cell]]] = [(k, [people_count(n)]) for k, n in top]
    if rest:
        others = len(counts) - len(top)
        rows.append((f"{others} other{'s' if others != 1 else ''}", [people_count(rest)]))
    return Figure(
        key,
        title,
        f"{title}: " + ", ".join(f"{k} {n}" for k, n in top) + (f", others {rest}" if rest else ""),
        ["people"],
        rows,
    )


def by_role(f: Facts) -> Figure:
    counts = Counter(_role_name(r) for r in f.registrations)
    rows: list[tuple[str, Sequence[Cell]]] = [
        (role, [people_count(counts[role])]) for role in ROLE_NAMES.values()
    ]
    return Figure(
        "roles",
        "Participants by role",
        "Participants by role: " + ", ".join(f"{k} {counts[k]}" for k in ROLE_NAMES.values()),
        ["people"],
        rows,
    )


def breakdowns(f: Facts, config: ProgrammeConfig) -> list[Figure]:
    grades = {g.code: g.name for g in config.grades}
    return [
        by_role(f),
        _breakdown(f, "departments", "Participants by department", "department"),
        _breakdown(f, "grades", "Participants by grade", "grade", grades),
        _breakdown(f, "professions", "Participants by profession", "profession"),
    ]


# --- pairings ----------------------------------------------------------------------------


class Health(StrEnum):
    ACTIVE = "active and recently heard from"
    QUIET = "quiet"
    NUDGED = "nudged"
    ESCALATED = "escalated to coordinators"
    STALE = "stale"
    ENDED = "ended"


def last_heard(p: Pairing) -> datetime:
    seen = [t for t in (p.mentor_last_seen_at, p.mentee_last_seen_at) if t is not None]
    return max([p.started_at, *seen])


def pairing_health(p: Pairing, now: datetime, config: ProgrammeConfig) -> Health:
    t = config.timings
    if not p.active:
        return Health.ENDED
    if (
        p.stale_warned_at is not None
        or p.unanswered_check_ins >= t.stale_after_unanswered_check_ins
    ):
        return Health.STALE
    if p.silent_id is not None and p.nudges_sent >= t.unresponsive_nudges:
        return Health.ESCALATED
    if p.silent_id is not None:
        return Health.NUDGED
    if now - last_heard(p) > timedelta(days=t.check_in_every):
        return Health.QUIET
    return Health.ACTIVE


def pairings_by_health(f: Facts, config: ProgrammeConfig) -> Figure:
    counts = Counter(pairing_health(p, f.now, config) for p in f.pairings)
    rows: list[tuple[str, Sequence[Cell]]] = [
        (h.value, [Count(counts[h], 2 * counts[h])]) for h in Health
    ]
    return Figure(
        "health",
        "Pairings by health",
        "Pairings by health: " + ", ".join(f"{h.value} {counts[h]}" for h in Health),
        ["pairings"],
        rows,
        notes=[
            f"Quiet: neither partner heard from for {config.timings.check_in_every} days."
            " Nudged: one partner reported the other silent. Stale: check-ins unanswered."
        ],
    )


def endings(f: Facts) -> Figure:
    counts = Counter(ENDINGS[p.end_reason] for p in f.pairings if p.end_reason is not None)
    rows: list[tuple[str, Sequence[Cell]]] = [
        (why, [Count(counts[why], 2 * counts[why])]) for why in ENDINGS.values()
    ]
    return Figure(
        "endings",
        "How pairings ended",
        "How pairings ended: " + (", ".join(f"{k} {n}" for k, n in counts.items()) or "none yet"),
        ["pairings"],
        rows,
    )


# --- meetings ----------------------------------------------------------------------------


def meetings_held(f: Facts) -> list[Meeting]:
    return distinct_meetings(f.meetings)


def meetings_per_month(f: Facts) -> Figure:
    held = meetings_held(f)
    months = sorted({(m.met_on.year, m.met_on.month) for m in held})
    rows: list[tuple[str, Sequence[Cell]]] = []
    for y, mo in months:
        these = [m for m in held if (m.met_on.year, m.met_on.month) == (y, mo)]
        behind = 2 * len({m.pairing_id for m in these})
        rows.append(
            (
                date(y, mo, 1).strftime("%b %Y"),
                [
                    Count(len(these), behind),
                    Count(cpd_points(sum(m.minutes for m in these)), behind),
                ],
            )
        )
    total_hours = cpd_points(sum(m.minutes for m in held))
    return Figure(
        "meetings",
        "Meetings and CPD hours per month",
        f"Meetings per month: {len(held)} meetings and {total_hours} CPD hours in all"
        " (a meeting logged by both partners counts once).",
        ["meetings", "CPD hours"],
        rows,
        chart="columns",
        notes=[
            "One hour of mentoring is one CPD point. A meeting both partners logged counts once."
        ],
    )


def meetings_per_pairing(f: Facts) -> Figure:
    held = Counter(m.pairing_id for m in meetings_held(f))
    spread = Counter(min(held.get(p.id or 0, 0), 6) for p in f.pairings)
    rows: list[tuple[str, Sequence[Cell]]] = [
        (
            f"{n}{'+' if n == 6 else ''} meeting{'s' if n != 1 else ''}",
            [Count(spread[n], 2 * spread[n])],
        )
        for n in range(7)
    ]
    return Figure(
        "per-pairing",
        "Meetings per pairing",
        "Meetings per pairing: "
        + ", ".join(f"{spread[n]} with {n}{'+' if n == 6 else ''}" for n in range(7)),
        ["pairings"],
        rows,
    )


# --- email -------------------------------------------------------------------------------


def _in_round(f: Facts, moment: datetime | None) -> bool:
    return moment is not None and f.round.opens_at <= moment < (f.until or f.now + timedelta(1))


def email(f: Facts) -> Figure:
    out = [o for o in f.outbound if _in_round(f, o.sent_at)]
    bounced = [o for o in out if o.last_error == "bounced"]
    autos = [i for i in f.inbound if i.kind == "auto_reply" and _in_round(f, i.received_at)]
    answers = Counter(
        (o.person_id, o.sent_at.strftime("%Y-%m") if o.sent_at else "")
        for o in out
        if o.automatic and o.person_id is not None
    )
    per = list(answers.values())
    answered = len({p for p, _ in answers})
    waiting = [i for i in f.inbound if i.status == "needs_attention"]
    ages = [(f.now - i.received_at).days for i in waiting]
    who = len({o.person_id for o in out if o.person_id is not None})
    rows: list[tuple[str, Sequence[Cell]]] = [
        ("Emails sent", [Count(len(out), who)]),
        ("Delivered", [Count(len(out) - len(bounced), who)]),
        ("Bounced", [Count(len(bounced), len({o.person_id for o in bounced}))]),
        (
            "Auto-replies received (out of office and similar)",
            [Count(len(autos), len({i.person_id for i in autos}))],
        ),
        (
            "Automatic answers per person per month, median",
            [Count(median(per) if per else 0, answered)],
        ),
        ("Automatic answers per person per month, most", [Count(max(per, default=0), answered)]),
        ("Needs-attention messages waiting", [Count(len(waiting), len(waiting))]),
        ("Oldest waiting message, days", [Count(max(ages, default=0), len(waiting))]),
    ]
    return Figure(
        "email",
        "Email",
        f"Email: {len(out)} sent, {len(bounced)} bounced, {len(autos)} auto-replies received,"
        f" {len(waiting)} messages waiting in needs-attention.",
        ["figure"],
        rows,
    )


# --- who may be stuck --------------------------------------------------------------------


@dataclass(frozen=True)
class Stuck:
    person_id: int
    situation: str
    since: datetime
    action: str


def who_may_be_stuck(f: Facts, config: ProgrammeConfig) -> list[Stuck]:
    """People a human should nudge this week, each with the suggested action."""
    out = [
        *_unconfirmed(f, config),
        *_no_contact(f),
        *_requests_waiting(f),
        *_pairings_in_trouble(f, config),
        *_low_scores(f, config),
        *_bouncing(f),
    ]
    return [s for s in out if not _erased(f, s.person_id)]


def _unconfirmed(f: Facts, config: ProgrammeConfig) -> list[Stuck]:
    out: list[Stuck] = []
    for r in f.registrations:
        reminded = r.created_at + timedelta(days=config.timings.confirm_reminder_after)
        # Only while confirming can still get them matched: before the round is matched.
        matching = f.round.matched_at is None or f.now < f.round.matched_at
        if r.status is RegistrationStatus.PENDING_CONFIRMATION and f.now >= reminded and matching:
            out.append(
                Stuck(
                    r.person_id,
                    "has not confirmed their address after the reminder",
                    r.created_at,
                    "Write to them personally, or check the address on the form.",
                )
            )
    return out


def _no_contact(f: Facts) -> list[Stuck]:
    """Mentees who have not reached any speed mentor 14 days after the introductions."""
    regs = {r.person_id: r for r in f.registrations}
    busy = {a.mentee_id for a in f.approaches} | {p.mentee_id for p in f.pairings}
    first_sent: dict[int, datetime] = {}
    for i in f.introductions:
        if i.status is IntroductionStatus.SENT and i.sent_at and i.contacted_at is None:
            first_sent[i.mentee_id] = min(first_sent.get(i.mentee_id, i.sent_at), i.sent_at)
    out: list[Stuck] = []
    for mentee, sent in sorted(first_sent.items()):
        reg = regs.get(mentee)
        if mentee in busy or f.now - sent < NO_CONTACT_AFTER or (reg and not reg.active):
            continue
        out.append(
            Stuck(
                mentee,
                "has not contacted any speed mentor 14 days after the introductions",
                sent,
                "Ask whether they have written to their speed mentors, and offer help.",
            )
        )
    return out


def _requests_waiting(f: Facts) -> list[Stuck]:
    return [
        Stuck(
            a.mentor_id,
            "has a long-term request waiting for an answer",
            a.created_at,
            "Remind the mentor to reply ACCEPT or DECLINE.",
        )
        for a in f.approaches
        if a.status is ApproachStatus.PENDING
    ]


def _pairings_in_trouble(f: Facts, config: ProgrammeConfig) -> list[Stuck]:
    out: list[Stuck] = []
    for p in f.pairings:
        h = pairing_health(p, f.now, config)
        if h in (Health.QUIET, Health.NUDGED, Health.ESCALATED, Health.STALE):
            out.append(
                Stuck(
                    p.mentee_id,
                    f"is in a pairing that is {h.value}",
                    last_heard(p),
                    "Check in with both partners; offer to unpair without blame.",
                )
            )
    return out


def _low_scores(f: Facts, config: ProgrammeConfig) -> list[Stuck]:
    """Someone in a live pairing whose latest feedback score is low (1 or 2)."""
    live = {p.id for p in f.pairings if p.active}
    latest: dict[tuple[int, int], Feedback] = {}
    for a in sorted(f.feedback, key=lambda a: a.updated_at):
        if a.score is not None and a.pairing_id in live:
            latest[(a.pairing_id, a.person_id)] = a
    return [
        Stuck(
            a.person_id,
            f"scored their mentoring {a.score} out of 5 ({a.asking})",
            a.updated_at,
            "Get in touch with them; their answer is in the needs-attention folder.",
        )
        for a in latest.values()
        if a.score is not None and a.score <= config.feedback.low_score
    ]


def _bouncing(f: Facts) -> list[Stuck]:
    in_pairing = {x for p in f.pairings if p.active for x in (p.mentor_id, p.mentee_id)}
    out: list[Stuck] = []
    for pid, reg in {r.person_id: r for r in f.registrations}.items():
        person = f.people.get(pid)
        # A bounce matters while we still write to them: an open round or a live pairing.
        live = reg.active and (f.round.matched_at is None or pid in in_pairing)
        if person is not None and person.bouncing_since is not None and live:
            out.append(
                Stuck(
                    pid,
                    "has an address that bounces",
                    person.bouncing_since,
                    "Find a working address (their manager or the directory).",
                )
            )
    return out


def _erased(f: Facts, person_id: int) -> bool:
    person = f.people.get(person_id)
    return person is None or person.erased


# --- headline and years ------------------------------------------------------------------


@dataclass(frozen=True)
class Headline:
    in_pairing: Count  # people still in a pairing
    need_nudge: Count  # people a human should nudge this week
    cpd_hours: Count
    meetings: Count
    match_rate: Count  # per cent of confirmed mentees matched
    quality: str = "No feedback has been collected yet."
    lines: list[str] = field(default_factory=list)


def headline(f: Facts, config: ProgrammeConfig) -> Headline:
    active = [p for p in f.pairings if p.active]
    people_in = len({x for p in active for x in (p.mentor_id, p.mentee_id)})
    held = meetings_held(f)
    behind = 2 * len({m.pairing_id for m in held})
    stuck = len({s.person_id for s in who_may_be_stuck(f, config)})
    # Imported here: the quality figures are built on this module's Facts and Count.
    from service.health.quality import quality_text

    return Headline(
        in_pairing=people_count(people_in),
        need_nudge=people_count(stuck),
        cpd_hours=Count(cpd_points(sum(m.minutes for m in held)), behind),
        meetings=Count(len(held), behind),
        match_rate=match_rate(f),
        quality=quality_text(f, for_sponsors=False),
    )


def match_rate(f: Facts) -> Count:
    confirmed = {r.person_id for r in _mentees(f.registrations) if _confirmed(r)}
    live = {i.mentee_id for i in f.introductions if i.status is not IntroductionStatus.PROPOSED}
    rate = round(100 * len(live & confirmed) / len(confirmed)) if confirmed else 0
    return Count(rate, len(confirmed))


def years_side_by_side(rounds: Sequence[Facts]) -> Figure:
    from service.health.quality import median_score  # built on this module (see headline)

    rows: list[tuple[str, Sequence[Cell]]] = []
    for f in rounds:
        held = meetings_held(f)
        completed = sum(p.end_reason is EndReason.COMPLETED for p in f.pairings)
        rows.append(
            (
                f.round.name,
                [
                    people_count(sum(_confirmed(r) for r in f.registrations)),
                    match_rate(f),
                    Count(len(f.pairings), 2 * len(f.pairings)),
                    Count(completed, 2 * completed),
                    Count(
                        cpd_points(sum(m.minutes for m in held)),
                        2 * len({m.pairing_id for m in held}),
                    ),
                    median_score(f),
                ],
            )
        )
    return Figure(
        "years",
        "Rounds side by side",
        "Rounds compared: "
        + "; ".join(
            f"{name}: {c[0].value:.0f} participants" for name, c in rows if isinstance(c[0], Count)
        ),
        ["participants", "match rate %", "pairings", "completed", "CPD hours", "median score"],
        rows,
    )
