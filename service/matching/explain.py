"""Reasons in words: why two people were introduced, and why someone was left unmatched.

Nothing here ever names, counts or hints at a characteristic. A shared characteristic
may have raised a pair's points, but the words below are built only from grades,
departments and professions, so they read the same whether or not one was shared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from service.matching.model import MatchProblem, MatchResult, MatchRules, Mentee, Mentor, Origin
from service.matching.rules import meets_profession_of_interest

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


def _or_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


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
    gap = facts.grade_gap
    if gap > 0:
        parts = [f"mentor {_grades(gap)} above"]
    elif gap < 0:
        parts = [f"mentor {_grades(-gap)} below"]
    else:
        parts = ["mentor at the same grade"]
    if facts.profession_of_interest:
        parts.append("from the mentee's profession of interest")
    parts.append("another department" if facts.different_department else "same department")
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
    return f" ({_or_list(names)})" if names else ""


def unmatched_reasons(
    problem: MatchProblem, result: MatchResult, *, grade_names: Sequence[str] | None = None
) -> tuple[Unmatched, ...]:
    """The binding reason for every mentee and mentor with no introduction.

    The reasons are checked in order: capacity offered, anyone at the right grades,
    anyone outside their department, anyone not excluded, anyone with room. When the
    result is exact, "everyone eligible was full" is also a proof that no swap could
    have helped without unmatching someone else (that is what optimality means).
    """
    rules = problem.rules
    lo, hi = rules.grade_gap_min, rules.grade_gap_max
    span = gap_range_words(rules)
    mentors_of = result.mentors_of()
    mentees_of = result.mentees_of()
    committed_e: dict[int, int] = {}
    committed_m: dict[int, int] = {}
    fixed_e: set[int] = set()  # people with a committed or pinned introduction
    fixed_m: set[int] = set()
    for intro in result.introductions:
        if intro.origin is Origin.EXISTING:
            committed_e[intro.mentee_id] = committed_e.get(intro.mentee_id, 0) + 1
            committed_m[intro.mentor_id] = committed_m.get(intro.mentor_id, 0) + 1
        if intro.origin is not Origin.MATCHED:
            fixed_e.add(intro.mentee_id)
            fixed_m.add(intro.mentor_id)
    mentors_by_grade: dict[int, list[Mentor]] = {}
    for m in problem.mentors:
        mentors_by_grade.setdefault(m.grade_rank, []).append(m)
    mentees_by_grade: dict[int, list[Mentee]] = {}
    for e in problem.mentees:
        mentees_by_grade.setdefault(e.grade_rank, []).append(e)
    out: list[Unmatched] = []

    for e in problem.mentees:
        if e.id in mentors_of:
            continue
        if e.max_mentors <= 0:
            out.append(Unmatched("mentee", e.id, "no_capacity", "asked for no introductions"))
            continue
        ranks = range(e.grade_rank + lo, e.grade_rank + hi + 1)
        at_grade = [m for r in ranks for m in mentors_by_grade.get(r, ())]
        grades = _grade_names(ranks, grade_names)
        if not at_grade:
            out.append(
                Unmatched(
                    "mentee",
                    e.id,
                    "no_mentor_at_grade",
                    f"no mentor registered {span} above{grades}",
                )
            )
            continue
        outside = [m for m in at_grade if m.department != e.department]
        if not outside:
            out.append(
                Unmatched(
                    "mentee",
                    e.id,
                    "no_mentor_outside_department",
                    f"no mentor {span} above{grades} outside {e.department}",
                )
            )
            continue
        allowed = [m for m in outside if (m.id, e.id) not in problem.forbidden]
        if not allowed:
            out.append(
                Unmatched(
                    "mentee",
                    e.id,
                    "all_excluded",
                    f"every mentor {span} above outside {e.department} ({len(outside)})"
                    " was met in an earlier round or excluded by a coordinator",
                )
            )
            continue
        offering = [m for m in allowed if m.capacity > 0]
        if not offering:
            out.append(
                Unmatched(
                    "mentee",
                    e.id,
                    "mentors_offer_none",
                    "every eligible mentor offered no introductions this round",
                )
            )
            continue
        full = [m for m in offering if len(mentees_of.get(m.id, ())) >= m.capacity]
        if len(full) < len(offering):
            out.append(
                Unmatched(
                    "mentee",
                    e.id,
                    "not_considered",
                    "an eligible mentor had room, but the pair was left out by the large-round"
                    " shortcut; run the match without pruning to be sure",
                )
            )
            continue
        caps = {m.capacity for m in offering}
        cap_words = f"{caps.pop()} mentees" if len(caps) == 1 else "their capacity"
        committed = all(committed_m.get(m.id, 0) >= m.capacity for m in offering)
        n = len(offering)
        who = "the one eligible mentor was" if n == 1 else f"every eligible mentor ({n}) was"
        reason = f"{who} already at capacity ({cap_words})"
        if committed:
            reason += " with introductions committed earlier"
        elif result.exact and not any(m.id in fixed_m for m in offering):
            reason += ", and moving one would leave another mentee without a mentor"
        out.append(Unmatched("mentee", e.id, "mentors_full", reason))

    for m in problem.mentors:
        if m.id in mentees_of:
            continue
        if m.capacity <= 0:
            out.append(
                Unmatched("mentor", m.id, "no_capacity", "offered no introductions this round")
            )
            continue
        ranks = range(m.grade_rank - hi, m.grade_rank - lo + 1)
        below = [e for r in ranks for e in mentees_by_grade.get(r, ())]
        grades = _grade_names(ranks, grade_names)
        if not below:
            out.append(
                Unmatched(
                    "mentor",
                    m.id,
                    "no_mentee_at_grade",
                    f"no mentee registered {span} below{grades}",
                )
            )
            continue
        elsewhere = [e for e in below if e.department != m.department]
        if not elsewhere:
            out.append(
                Unmatched(
                    "mentor",
                    m.id,
                    "no_mentee_outside_department",
                    f"no mentee {span} below{grades} outside {m.department}",
                )
            )
            continue
        permitted = [e for e in elsewhere if (m.id, e.id) not in problem.forbidden]
        if not permitted:
            out.append(
                Unmatched(
                    "mentor",
                    m.id,
                    "all_excluded",
                    f"every mentee {span} below outside {m.department} ({len(elsewhere)})"
                    " was met in an earlier round or excluded by a coordinator",
                )
            )
            continue
        asking = [e for e in permitted if e.max_mentors > 0]
        full_mentees = [e for e in asking if len(mentors_of.get(e.id, ())) >= e.max_mentors]
        if len(full_mentees) < len(asking):
            out.append(
                Unmatched(
                    "mentor",
                    m.id,
                    "not_considered",
                    "an eligible mentee had room, but the pair was left out by the large-round"
                    " shortcut; run the match without pruning to be sure",
                )
            )
            continue
        caps = {e.max_mentors for e in asking}
        cap_words = f"{caps.pop()} mentors" if len(caps) == 1 else "their most"
        n = len(asking)
        who = "the one eligible mentee" if n == 1 else f"every eligible mentee ({n})"
        reason = f"{who} already had {cap_words}"
        if all(committed_e.get(e.id, 0) >= e.max_mentors for e in asking):
            reason += " from introductions committed earlier"
        elif result.exact and not any(e.id in fixed_e for e in asking):
            reason += ", and moving one would leave another mentor without a mentee"
        out.append(Unmatched("mentor", m.id, "mentees_full", reason))
    return tuple(out)
