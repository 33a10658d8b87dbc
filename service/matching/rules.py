"""Per-pair rules and the objective, in plain Python (the reference the solver must agree with).

`is_eligible` is the hard rule, `pair_points` the preference points of one introduction,
and `evaluate` the four-part objective of a whole set of introductions. The solver in
`service.matching.engine` is tested against these on brute-forced small rounds.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from enum import StrEnum

from service.matching.model import MatchProblem, MatchRules, Mentee, Mentor, Objective, Pair


class Ineligible(StrEnum):
    """Why a pair breaks a hard rule (the first that applies, in this order)."""

    GRADE = "grade"  # mentor not grade_gap_min..grade_gap_max rungs above
    DEPARTMENT = "department"  # same canonical department
    FORBIDDEN = "forbidden"  # earlier round, coordinator forbid, or the same person


def ineligibility(
    mentee: Mentee, mentor: Mentor, rules: MatchRules, forbidden: frozenset[Pair] = frozenset()
) -> Ineligible | None:
    gap = mentor.grade_rank - mentee.grade_rank
    if not rules.grade_gap_min <= gap <= rules.grade_gap_max:
        return Ineligible.GRADE
    if mentor.department == mentee.department:
        return Ineligible.DEPARTMENT
    if (mentor.id, mentee.id) in forbidden:
        return Ineligible.FORBIDDEN
    return None


def is_eligible(
    mentee: Mentee, mentor: Mentor, rules: MatchRules, forbidden: frozenset[Pair] = frozenset()
) -> bool:
    return ineligibility(mentee, mentor, rules, forbidden) is None


def shares_characteristic(mentee: Mentee, mentor: Mentor) -> bool:
    """Only ever used for points; never shown, logged or explained."""
    return mentee.wants_characteristic and not mentee.characteristics.isdisjoint(
        mentor.characteristics
    )


def meets_profession_of_interest(mentee: Mentee, mentor: Mentor) -> bool:
    return mentee.profession_of_interest is not None and (
        mentee.profession_of_interest == mentor.profession
    )


def pair_points(mentee: Mentee, mentor: Mentor, rules: MatchRules) -> int:
    """Preference points of one introduction, before the variety penalty."""
    points = rules.gap_points(mentor.grade_rank - mentee.grade_rank)
    if meets_profession_of_interest(mentee, mentor):
        points += rules.profession_of_interest
    if shares_characteristic(mentee, mentor):
        points += rules.shared_characteristic
    return points


def variety_penalty(mentor_professions: Iterable[str | None], rules: MatchRules) -> int:
    """The (non-positive) variety term for one mentee's mentors' professions.

    Each introduction beyond the first from the same profession adds
    ``rules.repeated_profession``; an unknown profession (None) never repeats.
    """
    counts = Counter(p for p in mentor_professions if p is not None)
    return rules.repeated_profession * sum(n - 1 for n in counts.values() if n > 1)


def evaluate(problem: MatchProblem, pairs: Iterable[Pair]) -> Objective:
    """The objective of a set of introductions (all of them: existing, pinned and new)."""
    mentees = problem.mentee_by_id()
    mentors = problem.mentor_by_id()
    chosen = sorted(set(pairs))
    per_mentee: dict[int, list[str | None]] = {}
    covered_mentors: set[int] = set()
    score = 0
    for mentor_id, mentee_id in chosen:
        mentee, mentor = mentees[mentee_id], mentors[mentor_id]
        score += pair_points(mentee, mentor, problem.rules)
        per_mentee.setdefault(mentee_id, []).append(mentor.profession)
        covered_mentors.add(mentor_id)
    for professions in per_mentee.values():
        score += variety_penalty(professions, problem.rules)
    return Objective(
        mentees_matched=len(per_mentee),
        mentors_matched=len(covered_mentors),
        introductions=len(chosen),
        score=score,
    )
