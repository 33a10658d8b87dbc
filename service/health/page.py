"""The health report as one self-contained HTML page, and its CSVs.

The page has no scripts, no external fonts or images and prints on A4; the wording lives
in `mail_templates/_health_report.html`, so a deployment can change it like any email.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.config import ProgrammeConfig
from service.csv_safe import csv_text
from service.domain.model import IntroductionStatus, Person
from service.domain.rules import cpd_points, distinct_meetings
from service.health import charts
from service.health.figures import (
    ENDINGS,
    Facts,
    Figure,
    Headline,
    breakdowns,
    email,
    endings,
    funnel,
    headline,
    meetings_per_month,
    meetings_per_pairing,
    pairing_health,
    pairings_by_health,
    registrations_per_week,
    who_may_be_stuck,
    years_side_by_side,
)
from service.health.quality import (
    feedback_rows,
    quality_by_month,
    quality_by_pairing,
    quality_text,
    quotable_comments,
    score_spread,
)
from service.mail.render import environment

TEMPLATE = "_health_report.html"


@dataclass(frozen=True)
class Section:
    figure: Figure
    chart: str
    rows: list[tuple[str, list[str]]]


def _section(fig: Figure, for_sponsors: bool) -> Section:
    rows = [
        (label, [c if isinstance(c, str) else c.text(for_sponsors) for c in cells])
        for label, cells in fig.rows
    ]
    return Section(fig, str(charts.chart(fig, for_sponsors)), rows)


def headline_rows(head: Headline, for_sponsors: bool) -> list[tuple[str, str]]:
    """The five numbers a coordinator reads first: (label, value)."""
    return [
        ("people still in a pairing", head.in_pairing.text(for_sponsors)),
        ("people who may need a nudge from a coordinator", head.need_nudge.text(for_sponsors)),
        ("CPD hours logged", head.cpd_hours.text(for_sponsors)),
        ("meetings held", head.meetings.text(for_sponsors)),
        ("% of confirmed mentees matched", head.match_rate.text(for_sponsors)),
    ]


def report_html(
    rounds: Sequence[Facts], config: ProgrammeConfig, *, for_sponsors: bool = False
) -> str:
    """The page for the last of `rounds` (the one reported on), the others compared."""
    f = rounds[-1]
    figs = [
        funnel(f),
        registrations_per_week(f),
        *breakdowns(f, config),
        pairings_by_health(f, config),
        endings(f),
        quality_by_month(f),
        score_spread(f),
        *([] if for_sponsors else [quality_by_pairing(f)]),
        meetings_per_month(f),
        meetings_per_pairing(f),
        email(f),
    ]
    if len(rounds) > 1:
        figs.insert(0, years_side_by_side(rounds))
    stuck = [] if for_sponsors else who_may_be_stuck(f, config)
    head = headline(f, config)
    context: dict[str, Any] = {
        "programme": config.programme.name,
        "round": f.round,
        "now": f.now,
        "for_sponsors": for_sponsors,
        "threshold": 5,
        "headline": headline_rows(head, for_sponsors),
        "quality": quality_text(f, for_sponsors),
        # One person's words: quotable by a coordinator, names removed; not for sponsors.
        "comments": [] if for_sponsors else quotable_comments(f),
        "sections": [_section(fig, for_sponsors) for fig in figs],
        "stuck": [
            {
                "name": f.people[s.person_id].name,
                "email": f.people[s.person_id].email,
                "situation": s.situation,
                "since": s.since,
                "action": s.action,
            }
            for s in stuck
        ],
    }
    return environment().get_template(TEMPLATE).render(context)


# --- CSVs ------------------------------------------------------------------------------------


def _name(people: Mapping[int, Person], pid: int) -> tuple[str, str]:
    p = people.get(pid)
    if p is None or p.erased:
        return ("(erased)", "")
    return (p.name, p.email)


def _day(moment: datetime | None) -> str:
    return moment.date().isoformat() if moment else ""


def report_csvs(f: Facts, config: ProgrammeConfig, *, for_sponsors: bool = False) -> dict[str, str]:
    """File name → CSV text. For sponsors: counts only, no names, small numbers suppressed."""
    if for_sponsors:
        return _sponsor_csvs(f, config)
    pairs, cpd = _pairings_and_cpd(f, config)
    return {
        "introductions.csv": csv_text(_introductions(f)),
        "pairings.csv": csv_text(pairs),
        "meetings-cpd.csv": csv_text(cpd),
        "feedback.csv": csv_text(feedback_rows(f)),
    }


def _sponsor_csvs(f: Facts, config: ProgrammeConfig) -> dict[str, str]:
    """The figures' tables as they are on the sponsors' page."""
    return {
        f"{fig.key}.csv": csv_text(
            [["", *fig.columns]]
            + [
                [label, *(c if isinstance(c, str) else c.text(True) for c in cells)]
                for label, cells in fig.rows
            ]
        )
        for fig in (
            funnel(f),
            pairings_by_health(f, config),
            endings(f),
            meetings_per_month(f),
            quality_by_month(f),
            score_spread(f),
        )
    }


def _introductions(f: Facts) -> list[list[str]]:
    """One row per introduction sent (proposed ones never reached anyone)."""
    people = f.people
    intros = [
        [
            "mentee",
            "mentee email",
            "mentor",
            "mentor email",
            "number",
            "status",
            "sent",
            "contacted",
        ]
    ]
    for i in f.introductions:
        if i.status is IntroductionStatus.PROPOSED:
            continue
        intros.append(
            [
                *_name(people, i.mentee_id),
                *_name(people, i.mentor_id),
                str(i.number),
                i.status.value,
                _day(i.sent_at),
                _day(i.contacted_at),
            ]
        )
    return intros


def _pairings_and_cpd(f: Facts, config: ProgrammeConfig) -> tuple[list[list[str]], list[list[str]]]:
    """One row per pairing, and one per partner with the CPD hours the pairing earned."""
    people = f.people
    pairs = [
        [
            "mentee",
            "mentee email",
            "mentor",
            "mentor email",
            "started",
            "status",
            "health",
            "ended",
            "how it ended",
            "meetings",
            "CPD hours",
        ]
    ]
    cpd = [["person", "email", "role", "partner", "meetings", "CPD hours"]]
    for p in f.pairings:
        held = distinct_meetings([m for m in f.meetings if m.pairing_id == p.id])
        hours = cpd_points(sum(m.minutes for m in held))
        pairs.append(
            [
                *_name(people, p.mentee_id),
                *_name(people, p.mentor_id),
                _day(p.started_at),
                p.status.value,
                pairing_health(p, f.now, config).value,
                _day(p.ended_at),
                ENDINGS[p.end_reason] if p.end_reason else "",
                str(len(held)),
                str(hours),
            ]
        )
        for me, role, other in (
            (p.mentee_id, "mentee", p.mentor_id),
            (p.mentor_id, "mentor", p.mentee_id),
        ):
            cpd.append(
                [*_name(people, me), role, _name(people, other)[0], str(len(held)), str(hours)]
            )
    return pairs, cpd
