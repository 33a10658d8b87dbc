"""A brute-force reference: enumerate every set of introductions of a tiny round."""

from __future__ import annotations

import random
from collections import Counter

from service.matching import MatchProblem, MatchRules, Mentee, Mentor, Objective, evaluate
from service.matching.model import Pair
from service.matching.rules import is_eligible


def honoured_pins(problem: MatchProblem) -> set[Pair]:
    """The pins a correct engine must honour: in id order, while capacity allows."""
    mentees, mentors = problem.mentee_by_id(), problem.mentor_by_id()
    fixed = set(problem.existing)
    used_e = Counter(p[1] for p in fixed)
    used_m = Counter(p[0] for p in fixed)
    out: set[Pair] = set()
    for pair in sorted(problem.pinned):
        mentor_id, mentee_id = pair
        if pair in fixed or mentor_id not in mentors or mentee_id not in mentees:
            continue
        if pair in problem.forbidden:
            continue
        if used_e[mentee_id] >= mentees[mentee_id].max_mentors:
            continue
        if used_m[mentor_id] >= mentors[mentor_id].capacity:
            continue
        out.add(pair)
        used_e[mentee_id] += 1
        used_m[mentor_id] += 1
    return out


def brute_force(problem: MatchProblem) -> tuple[Objective, set[Pair]]:
    fixed = set(problem.existing) | honoured_pins(problem)
    used_e = Counter(p[1] for p in fixed)
    used_m = Counter(p[0] for p in fixed)
    edges = [
        (mentor.id, mentee.id)
        for mentee in problem.mentees
        for mentor in problem.mentors
        if (mentor.id, mentee.id) not in fixed
        and is_eligible(mentee, mentor, problem.rules, problem.forbidden)
    ]
    cap_e = {m.id: m.max_mentors - used_e[m.id] for m in problem.mentees}
    cap_m = {m.id: m.capacity - used_m[m.id] for m in problem.mentors}
    best: tuple[Objective, set[Pair]] | None = None

    def walk(k: int, chosen: list[Pair]) -> None:
        nonlocal best
        if k == len(edges):
            objective = evaluate(problem, fixed | set(chosen))
            if best is None or objective > best[0]:
                best = (objective, fixed | set(chosen))
            return
        walk(k + 1, chosen)
        mentor_id, mentee_id = edges[k]
        if cap_e[mentee_id] > 0 and cap_m[mentor_id] > 0:
            cap_e[mentee_id] -= 1
            cap_m[mentor_id] -= 1
            chosen.append(edges[k])
            walk(k + 1, chosen)
            chosen.pop()
            cap_e[mentee_id] += 1
            cap_m[mentor_id] += 1

    walk(0, [])
    assert best is not None
    return best


def eligible_count(problem: MatchProblem) -> int:
    return sum(
        is_eligible(e, m, problem.rules, problem.forbidden)
        for e in problem.mentees
        for m in problem.mentors
    )


def random_problem(rng: random.Random, *, late: bool = False, pins: bool = False) -> MatchProblem:
    depts = ["A", "B", "C"][: rng.randint(1, 3)]
    profs: list[str | None] = ["P", "Q", "R", None]
    chars = ["x", "y", "z"]
    gap_min = rng.choice([1, 1, 1, 2])
    gap_max = gap_min + rng.choice([0, 1, 1])
    rules = MatchRules(
        grade_gap_min=gap_min,
        grade_gap_max=gap_max,
        grade_gap_points=tuple((g, rng.randint(-2, 14)) for g in range(1, 4)),
        profession_of_interest=rng.choice([0, 10, 3]),
        shared_characteristic=rng.choice([0, 6, 2]),
        repeated_profession=rng.choice([0, -1, -3, -8]),
    )
    mentees = [
        Mentee(
            id=100 + i,
            grade_rank=rng.randint(0, 3),
            department=rng.choice(depts),
            profession=rng.choice(profs),
            profession_of_interest=rng.choice(profs),
            characteristics=frozenset(c for c in chars if rng.random() < 0.4),
            wants_characteristic=rng.random() < 0.5,
            max_mentors=rng.choice([1, 2, 3, 3]),
        )
        for i in range(rng.randint(1, 5))
    ]
    mentors = [
        Mentor(
            id=200 + j,
            grade_rank=rng.randint(1, 5),
            department=rng.choice(depts),
            profession=rng.choice(profs),
            characteristics=frozenset(c for c in chars if rng.random() < 0.4),
            capacity=rng.choice([0, 1, 2, 3, 3]),
        )
        for j in range(rng.randint(1, 4))
    ]
    all_pairs = [(m.id, e.id) for e in mentees for m in mentors]
    forbidden = {p for p in all_pairs if rng.random() < 0.15}
    pinned = {p for p in all_pairs if pins and rng.random() < 0.15}
    existing: set[Pair] = set()
    if late:
        used_e: Counter[int] = Counter()
        used_m: Counter[int] = Counter()
        caps_e = {e.id: e.max_mentors for e in mentees}
        caps_m = {m.id: m.capacity for m in mentors}
        for p in all_pairs:
            if rng.random() < 0.2 and used_e[p[1]] < caps_e[p[1]] and used_m[p[0]] < caps_m[p[0]]:
                existing.add(p)
                used_e[p[1]] += 1
                used_m[p[0]] += 1
        forbidden -= existing
    return MatchProblem.build(
        mentees, mentors, rules, forbidden=forbidden, pinned=pinned, existing=existing
    )
