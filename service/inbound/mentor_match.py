"""The files of `mentor-match`, the programme's matcher for its 2021–24 rounds.

Two CSVs, `mentees.csv` and `mentors.csv`, headed `first name, last name, email address,
both mentor and mentee, job title, grade, organisation, biography, profession`, then
`match with similar identity, identity to match` (mentees) or `characteristics` (mentors:
a comma-separated list in one cell). Each row becomes the answers of our own form, keyed
by field, so it is read with the same checks and aliases as any form
(`forms.read_answers`); someone in both files is one registration with both roles.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from service.text import fold

COMMON = (
    "first name",
    "last name",
    "email address",
    "both mentor and mentee",
    "job title",
    "grade",
    "organisation",
    "biography",
    "profession",
)
MENTEE_ONLY = ("match with similar identity", "identity to match")
MENTOR_ONLY = ("characteristics",)

# Our field -> its mentor-match column (for the coordinator's messages).
_FIELDS = {
    "first_name": "first name",
    "last_name": "last name",
    "email": "email address",
    "roles": "both mentor and mentee",
    "job_title": "job title",
    "grade": "grade",
    "department": "organisation",
    "bio": "biography",
    "profession": "profession",
}


class Side(StrEnum):
    MENTEES = "mentees"
    MENTORS = "mentors"


def side_of(headers: Sequence[str]) -> Side | None:
    """Which of mentor-match's two files these headers are, or None for neither."""
    present = {fold(h) for h in headers}
    if not all(fold(h) in present for h in COMMON):
        return None
    if all(fold(h) in present for h in MENTEE_ONLY):
        return Side.MENTEES
    if all(fold(h) in present for h in MENTOR_ONLY):
        return Side.MENTORS
    return None


def column_of(field: str, side: Side) -> str:
    if field == "characteristics":
        return "identity to match" if side is Side.MENTEES else "characteristics"
    if field == "wants_shared_characteristic":
        return "match with similar identity"
    return _FIELDS.get(field, field)


def _cell(row: Mapping[str, str], header: str) -> str:
    for key, value in row.items():
        if fold(key) == fold(header):
            return (value or "").strip()
    return ""


@dataclass(frozen=True)
class Person:
    """One row as our form's answers (by field), and where it came from."""

    answers: dict[str, str]
    where: str  # "mentees.csv row 4"
    side: Side


def person(row: Mapping[str, str], side: Side, where: str) -> Person:
    both = _cell(row, "both mentor and mentee").lower() in {"yes", "y", "true", "1"}
    answers = {field: _cell(row, header) for field, header in _FIELDS.items()}
    answers["roles"] = "Both" if both else ("Mentee" if side is Side.MENTEES else "Mentor")
    if side is Side.MENTEES:
        answers["wants_shared_characteristic"] = _cell(row, "match with similar identity")
        answers["characteristics"] = _cell(row, "identity to match")
    else:
        # A mentor's characteristics were given to be matched on: that is the opt-in.
        listed = _cell(row, "characteristics")
        answers["wants_shared_characteristic"] = "Yes" if listed else "No"
        answers["characteristics"] = listed
    # They agreed to take part (and to the code of conduct) when they registered for
    # mentor-match's round; its files carry no column for it.
    answers["eligible"] = answers["consent"] = "Yes"
    return Person(answers, where, side)


def merged(first: Person, second: Person) -> Person:
    """Someone in both files: one registration with both roles, characteristics from both
    (never shown: only the matcher reads them)."""
    answers = {**second.answers, **{k: v for k, v in first.answers.items() if v}}
    answers["roles"] = "Both"
    shared = [
        p.answers["characteristics"]
        for p in (first, second)
        if p.answers["characteristics"] and fold(p.answers["wants_shared_characteristic"]) == "yes"
    ]
    answers["wants_shared_characteristic"] = "Yes" if shared else "No"
    answers["characteristics"] = ", ".join(shared)
    return Person(answers, f"{first.where} and {second.where}", first.side)
