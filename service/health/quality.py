"""The mentoring quality score: participants' answers to "How is your mentoring going?"
(1 not useful to 5 very useful), asked by check-ins and the end-of-programme email.

For the programme (mean and median, and how many people answered), over time (per month),
per pairing (coordinators only: it names people), and the comments a coordinator may quote,
with people's names and email addresses replaced. Plain functions over `Facts`; every
number carries the people behind it, so the sponsors' version suppresses small ones.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from statistics import mean, median

from service.domain.feedback import out_of, without_names
from service.domain.model import HIGHEST_SCORE, LOWEST_SCORE, Feedback, Pairing
from service.health.figures import SPONSOR_THRESHOLD, Cell, Count, Facts, Figure

NO_FEEDBACK = "No feedback has been collected yet."
SCORE_NAMES = {1: "1 (not useful)", 5: "5 (very useful)"}


def scored(f: Facts) -> list[Feedback]:
    """Answers with a number (a comment alone has no score)."""
    return [a for a in f.feedback if a.score is not None]


def _scores(answers: Sequence[Feedback]) -> list[int]:
    return [a.score for a in answers if a.score is not None]


def _people(answers: Sequence[Feedback]) -> int:
    return len({a.person_id for a in answers})


def programme_score(f: Facts) -> Count | None:
    """The mean score, with the number of people who gave one (None: nobody yet)."""
    answers = scored(f)
    if not answers:
        return None
    return Count(round(mean(_scores(answers)), 1), _people(answers))


def median_score(f: Facts) -> Cell:
    """The round's median score, for the years side by side."""
    answers = scored(f)
    if not answers:
        return "no feedback yet"
    return Count(float(median(_scores(answers))), _people(answers))


def quality_text(f: Facts, for_sponsors: bool) -> str:
    """The quality headline in words: the score, the median, and who stands behind it."""
    score = programme_score(f)
    if score is None:
        return NO_FEEDBACK
    if score.hidden(for_sponsors):
        return (
            f"Fewer than {SPONSOR_THRESHOLD} people have given a score so far, so the"
            " mentoring quality score is not shown."
        )
    answers = scored(f)
    middle = median(_scores(answers))
    return (
        f"Mentoring quality score: {out_of(score.value)} (median {out_of(middle)}), from"
        f" {len(answers)} answer{'s' if len(answers) != 1 else ''} by {score.people}"
        f" {'person' if score.people == 1 else 'people'}."
    )


def _month(a: Feedback) -> date:
    return date(a.updated_at.year, a.updated_at.month, 1)


def quality_by_month(f: Facts) -> Figure:
    answers = scored(f)
    rows: list[tuple[str, Sequence[Cell]]] = []
    for month in sorted({_month(a) for a in answers}):
        these = [a for a in answers if _month(a) == month]
        people = _people(these)
        rows.append(
            (
                month.strftime("%b %Y"),
                [Count(round(mean(_scores(these)), 1), people), Count(len(these), people)],
            )
        )
    return Figure(
        "quality",
        "Mentoring quality score over time",
        "Average score per month, from 1 (not useful) to 5 (very useful): "
        + (", ".join(f"{label} {_text(cells[0])}" for label, cells in rows) or "no answers yet"),
        ["average score", "answers"],
        rows,
        chart="columns",
        notes=[
            "Check-ins and the end-of-programme email ask how the mentoring is going; people"
            " answer by replying with a number. A second answer to the same email replaces"
            " the first."
        ],
    )


def _text(cell: Cell) -> str:
    # The text alternative: suppressed cells are hidden by the chart's own description.
    return cell.text(False) if isinstance(cell, Count) else str(cell)


def score_spread(f: Facts) -> Figure:
    answers = scored(f)
    spread = Counter(a.score for a in answers)
    people = {s: len({a.person_id for a in answers if a.score == s}) for s in spread}
    rows: list[tuple[str, Sequence[Cell]]] = [
        (SCORE_NAMES.get(s, str(s)), [Count(spread[s], people.get(s, 0))])
        for s in range(HIGHEST_SCORE, LOWEST_SCORE - 1, -1)
    ]
    return Figure(
        "scores",
        "Scores given",
        "Scores given: " + ", ".join(f"{spread[s]} gave {s}" for s in range(5, 0, -1)),
        ["answers"],
        rows,
    )


def _pair_name(f: Facts, p: Pairing) -> str:
    def name(pid: int) -> str:
        person = f.people.get(pid)
        return person.name if person is not None and not person.erased else "(erased)"

    return f"{name(p.mentee_id)} and {name(p.mentor_id)}"


def quality_by_pairing(f: Facts) -> Figure:
    """Coordinators only (it names people): each pairing's answers and average score."""
    answers = scored(f)
    rows: list[tuple[str, Sequence[Cell]]] = []
    for p in f.pairings:
        theirs = [a for a in answers if a.pairing_id == p.id]
        if not theirs:
            continue
        latest = max(theirs, key=lambda a: a.updated_at)
        people = _people(theirs)
        rows.append(
            (
                _pair_name(f, p),
                [
                    Count(round(mean(_scores(theirs)), 1), people),
                    Count(len(theirs), people),
                    f"{latest.score} on {latest.updated_at:%d %b %Y}",
                ],
            )
        )
    return Figure(
        "quality-pairings",
        "Mentoring quality score per pairing",
        f"Average score of each of the {len(rows)} pairings with an answer.",
        ["average score", "answers", "latest"],
        rows,
        notes=["A score of 1 or 2 also puts the pairing in the needs-attention folder."],
    )


@dataclass(frozen=True)
class Quote:
    month: date
    score: int | None
    text: str


def _names(f: Facts) -> list[str]:
    names: list[str] = []
    for person in f.people.values():
        names += [person.name, person.first_name, person.last_name]
    return names


def quotable_comments(f: Facts) -> list[Quote]:
    """Every comment, newest first, with people's names and addresses replaced."""
    names = _names(f)
    found = [a for a in f.feedback if a.comment.strip()]
    found.sort(key=lambda a: a.updated_at, reverse=True)
    return [Quote(_month(a), a.score, without_names(a.comment, names)) for a in found]


def feedback_rows(f: Facts) -> list[list[str]]:
    """The feedback CSV for coordinators: one row per answer (comments without names)."""
    names = _names(f)
    rows = [["pairing", "answered by", "asked in", "score", "comment", "given"]]
    by_id = {p.id: p for p in f.pairings}
    for a in sorted(f.feedback, key=lambda a: a.updated_at):
        p = by_id.get(a.pairing_id)
        if p is None:
            continue
        rows.append(
            [
                _pair_name(f, p),
                p.role_of(a.person_id),
                a.asking,
                "" if a.score is None else str(a.score),
                without_names(a.comment, names),
                a.updated_at.date().isoformat(),
            ]
        )
    return rows
