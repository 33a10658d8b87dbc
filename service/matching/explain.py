"""Reasons in words: why two people were introduced, and why someone was left unmatched.

Nothing here ever names, counts or hints at a characteristic. A shared characteristic
may have raised a pair's points, but the words below are built only from grades,
departments and professions, so they read the same whether or not one was shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Literal

from service.matching.model import MatchProblem, MatchResult, MatchRules, Mentee, Mentor, Origin
from service.matching.rules import meets_profession_of_interest
from service.text import or_list

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}

Role = Literal["mentee", "mentor"]


def number_word(n: int) -> str:
    return _WORDS.get(n, str(n))


def _grades(n: int) -> str:
    return f"{number_word(n)} grade" if n == 1 else f"{number_word(n)} grades"


def gap_range_words(rules: MatchRules) -> str:
    """'one or two grades', 'one grade', 'one to three grades'."""
    lo, hi = rules.grade_gap_min, rules.grade_gap_max
    if lo == hi:
        return _grades(lo)
    if hi == lo + 1:
        return f"{number_word(lo)} or {_grades(hi)}"
    return f"{number_word(lo)} to {_grades(hi)}"


# --------------------------------------------------------------------------- introductions


@dataclass(frozen=True, slots=True)
class IntroductionFacts:
    """What may be said about an introduction (deliberately no characteristic field)."""

    grade_gap: int
    profession_of_interest: bool
    mentor_profession: str | None
    different_department: bool


def introduction_facts(mentee: Mentee, mentor: Mentor) -> IntroductionFacts:
    return IntroductionFacts(
        grade_gap=mentor.grade_rank - mentee.grade_rank,
        profession_of_interest=meets_profession_of_interest(mentee, mentor),
        mentor_profession=mentor.profession,
        different_department=mentee.department != mentor.department,
    )


def explain_introduction(
    mentee: Mentee, mentor: Mentor, *, name: str, audience: Role = "mentee"
) -> str:
    """One sentence for the match email, e.g.
    "Alex is two grades above you and works in your profession of interest."

    ``name`` is the *other* person's first name; ``audience`` is who reads it.
    """
    facts = introduction_facts(mentee, mentor)
    gap = facts.grade_gap
    if audience == "mentee":
        if gap > 0:
            where = f"{_grades(gap)} above you"
        elif gap < 0:
            where = f"{_grades(-gap)} below you"
        else:
            where = "at your grade"
        if facts.profession_of_interest:
            return f"{name} is {where} and works in your profession of interest."
        if facts.mentor_profession:
            return f"{name} is {where} and works in {facts.mentor_profession}."
        return f"{name} is {where}."
    if gap > 0:
        where = f"{_grades(gap)} below you"
    elif gap < 0:
        where = f"{_grades(-gap)} above you"
    else:
        where = "at your grade"
    if facts.profession_of_interest:
        return f"{name} is {where} and would like a mentor from your profession."
    if facts.different_department:
        return f"{name} is {where} and works in another department."
    return f"{name} is {where}."


def explain_for_coordinator(mentee: Mentee, mentor: Mentor) -> str:
    """The reason for a proposed introduction in a coordinator's words, e.g.
    "mentor two grades above; from the mentee's profession of interest; another department".

    Built from `IntroductionFacts` only, so no characteristic can appear in it.
    """
    facts = introduction_facts(mentee, mentor)
    return _coordinator_reason(
        facts.grade_gap, facts.profession_of_interest, facts.different_department
    )


@cache  # a handful of distinct reasons, for a thousand introductions in a report
def _coordinator_reason(gap: int, profession_of_interest: bool, different_department: bool) -> str:
    if gap > 0:
        parts = [f"mentor {_grades(gap)} above"]
    elif gap < 0:
        parts = [f"mentor {_grades(-gap)} below"]
    else:
        parts = ["mentor at the same grade"]
    if profession_of_interest:
        parts.append("from the mentee's profession of interest")
    parts.append("another department" if different_department else "same department")
    return "; ".join(parts)


# --------------------------------------------------------------------------- unmatched


@dataclass(frozen=True, slots=True)
class Unmatched:
    """A person left with no introduction, and the binding reason (safe to show)."""

    role: Role
    id: int
    code: str
    reason: str


def _grade_names(ranks: range, grade_names: Sequence[str] | None) -> str:
    if not grade_names:
        return ""
    names = [grade_names[r] for r in ranks if 0 <= r < len(grade_names)]
    return f" ({or_list(names)})" if names else ""


def unmatched_reasons(
    problem: MatchProblem, result: MatchResult, *, grade_names: Sequence[str] | None = None
) -> tuple[Unmatched, ...]:
    """The binding reason for every mentee and mentor with no introduction.

    The reasons are checked in order: capacity offered, anyone at the right grades,
    anyone outside their department, anyone not excluded, anyone with room. When the
    result is exact, "everyone eligible was full" is also a proof that no swap could
    have helped without unmatching someone else (that is what optimality means).
    """
    facts = _Facts.of(problem, result, grade_names)
    out: list[Unmatched] = []
    for e in problem.mentees:
        if e.id not in facts.mentors_of:
            out.append(Unmatched("mentee", e.id, *_mentee_reason(e, facts)))
    for m in problem.mentors:
        if m.id not in facts.mentees_of:
            out.append(Unmatched("mentor", m.id, *_mentor_reason(m, facts)))
    return tuple(out)


@dataclass
class _Facts:
    """What the reasons are judged against: the round, its result, and who is where."""

    problem: MatchProblem
    exact: bool
    grade_names: Sequence[str] | None
    span: str  # the grade gap in words
    mentors_of: dict[int, list[int]]
    mentees_of: dict[int, list[int]]
    committed_e: dict[int, int]  # introductions committed earlier, per mentee
    committed_m: dict[int, int]
    fixed_e: set[int]  # people with a committed or pinned introduction
    fixed_m: set[int]
    mentors_by_grade: dict[int, list[Mentor]]
    mentees_by_grade: dict[int, list[Mentee]]

    @classmethod
    def of(
        cls, problem: MatchProblem, result: MatchResult, grade_names: Sequence[str] | None
    ) -> _Facts:
        facts = cls(
            problem,
            result.exact,
            grade_names,
            gap_range_words(problem.rules),
            result.mentors_of(),
            result.mentees_of(),
            {},
            {},
            set(),
            set(),
            {},
            {},
        )
        for intro in result.introductions:
            if intro.origin is Origin.EXISTING:
                facts.committed_e[intro.mentee_id] = facts.committed_e.get(intro.mentee_id, 0) + 1
                facts.committed_m[intro.mentor_id] = facts.committed_m.get(intro.mentor_id, 0) + 1
            if intro.origin is not Origin.MATCHED:
                facts.fixed_e.add(intro.mentee_id)
                facts.fixed_m.add(intro.mentor_id)
        for m in problem.mentors:
            facts.mentors_by_grade.setdefault(m.grade_rank, []).append(m)
        for e in problem.mentees:
            facts.mentees_by_grade.setdefault(e.grade_rank, []).append(e)
        return facts


_NOT_CONSIDERED = (
    "an eligible {other} had room, but the pair was left out by the large-round"
    " shortcut; run the match without pruning to be sure"
)


def _mentee_reason(e: Mentee, f: _Facts) -> tuple[str, str]:
    """(code, words) of the first check an unmatched mentee fails."""
    if e.max_mentors <= 0:
        return "no_capacity", "asked for no introductions"
    rules = f.problem.rules
    ranks = range(e.grade_rank + rules.grade_gap_min, e.grade_rank + rules.grade_gap_max + 1)
    at_grade = [m for r in ranks for m in f.mentors_by_grade.get(r, ())]
    grades = _grade_names(ranks, f.grade_names)
    if not at_grade:
        return "no_mentor_at_grade", f"no mentor registered {f.span} above{grades}"
    outside = [m for m in at_grade if m.department != e.department]
    if not outside:
        return (
            "no_mentor_outside_department",
            f"no mentor {f.span} above{grades} outside {e.department}",
        )
    allowed = [m for m in outside if (m.id, e.id) not in f.problem.forbidden]
    if not allowed:
        return (
            "all_excluded",
            f"every mentor {f.span} above outside {e.department} ({len(outside)})"
            " was met in an earlier round or excluded by a coordinator",
        )
    offering = [m for m in allowed if m.capacity > 0]
    if not offering:
        return "mentors_offer_none", "every eligible mentor offered no introductions this round"
    full = [m for m in offering if len(f.mentees_of.get(m.id, ())) >= m.capacity]
    if len(full) < len(offering):
        return "not_considered", _NOT_CONSIDERED.format(other="mentor")
    return "mentors_full", _mentors_full(offering, f)


def _mentors_full(offering: list[Mentor], f: _Facts) -> str:
    """Every eligible mentor was full: how, and (exact) that no swap could help."""
    caps = {m.capacity for m in offering}
    cap_words = f"{caps.pop()} mentees" if len(caps) == 1 else "their capacity"
    n = len(offering)
    who = "the one eligible mentor was" if n == 1 else f"every eligible mentor ({n}) was"
    reason = f"{who} already at capacity ({cap_words})"
    if all(f.committed_m.get(m.id, 0) >= m.capacity for m in offering):
        reason += " with introductions committed earlier"
    elif f.exact and not any(m.id in f.fixed_m for m in offering):
        reason += ", and moving one would leave another mentee without a mentor"
    return reason


def _mentor_reason(m: Mentor, f: _Facts) -> tuple[str, str]:
    """(code, words) of the first check an unmatched mentor fails."""
    if m.capacity <= 0:
        return "no_capacity", "offered no introductions this round"
    rules = f.problem.rules
    ranks = range(m.grade_rank - rules.grade_gap_max, m.grade_rank - rules.grade_gap_min + 1)
    below = [e for r in ranks for e in f.mentees_by_grade.get(r, ())]
    grades = _grade_names(ranks, f.grade_names)
    if not below:
        return "no_mentee_at_grade", f"no mentee registered {f.span} below{grades}"
    elsewhere = [e for e in below if e.department != m.department]
    if not elsewhere:
        return (
            "no_mentee_outside_department",
            f"no mentee {f.span} below{grades} outside {m.department}",
        )
    permitted = [e for e in elsewhere if (m.id, e.id) not in f.problem.forbidden]
    if not permitted:
        return (
            "all_excluded",
            f"every mentee {f.span} below outside {m.department} ({len(elsewhere)})"
            " was met in an earlier round or excluded by a coordinator",
        )
    asking = [e for e in permitted if e.max_mentors > 0]
    full = [e for e in asking if len(f.mentors_of.get(e.id, ())) >= e.max_mentors]
    if len(full) < len(asking):
        return "not_considered", _NOT_CONSIDERED.format(other="mentee")
    return "mentees_full", _mentees_full(asking, f)


def _mentees_full(asking: list[Mentee], f: _Facts) -> str:
    """Every eligible mentee already had their most: how, and (exact) that no swap helps."""
    caps = {e.max_mentors for e in asking}
    cap_words = f"{caps.pop()} mentors" if len(caps) == 1 else "their most"
    n = len(asking)
    who = "the one eligible mentee" if n == 1 else f"every eligible mentee ({n})"
    reason = f"{who} already had {cap_words}"
    if all(f.committed_e.get(e.id, 0) >= e.max_mentors for e in asking):
        reason += " from introductions committed earlier"
    elif f.exact and not any(e.id in f.fixed_e for e in asking):
        reason += ", and moving one would leave another mentor without a mentee"
    return reason
