"""Side-by-side with the published matcher, ``mentor-match`` 7.0.1 (PyPI).

    pip install -e '.[bench]'                    # installs mentor-match==7.0.1
    python -m benchmarks.matching_compare        # 200, 500, 1,000 participants
    python -m benchmarks.matching_compare --full # also its 37-variant search at 1,000 (~12 min)

How mentor-match is driven (read from its source, ``matching/process.py``): it builds one
``Match`` per mentor × mentee, scores it with the caller's rules, and runs the Hungarian
algorithm (``munkres``) three times in a row, so each person gains at most one partner
per run (hence at most 3). Its rules are supplied by the caller; we use the rules the
programme's matching service published for it (``base_rules``: disqualify the same
organisation, a grade gap above 2 or at most 0, and a pair already matched; 12 points for
a gap of 2, 9 for a gap of 1, 10 when the mentor's profession is the mentee's target
profession, 6 for a shared characteristic the mentee asked to be matched on), plus its
built-in rules (never the same person — same email — and never a repeat). Its "most
people matched" mode runs the three rounds again for every unmatched bonus 0..36 (the sum
of the rule points is 37) and keeps the outcome with most mentees, then most mentors
matched. Our mentees may name several characteristics; for mentor-match the rule is
"the mentee opted in and shares one with the mentor", the same as ours.

Columns: seconds; mentees with 0/1/2/3 mentors; mentors with 0 mentees; introductions;
``its score`` = the sum of its own rule points over all introductions (no unmatched
bonus, which is a search device, and no variety penalty, which it does not have); and
hard-rule violations under its rules (always 0 for both). ``ours`` runs with the
programme's defaults (including the variety penalty, which costs a little of its score);
``ours, its weights`` drops the variety penalty so both optimise the same points.
"""

from __future__ import annotations

import argparse
import importlib
import operator
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from benchmarks._generate import GeneratedRound, Person, generate_round
from service.matching import match


def _optional(module: str) -> Any:
    """mentor-match is an optional benchmark dependency (its top-level package is
    ``matching``); imported by name so type checkers need not know it."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


mm_process = _optional("matching.process")
mm_rules = _optional("matching.rules.rule")
MMMentee = getattr(_optional("matching.mentee"), "Mentee", None)
MMMentor = getattr(_optional("matching.mentor"), "Mentor", None)

GAP_POINTS = {2: 12, 1: 9}
POI_POINTS = 10
CHAR_POINTS = 6
UNMATCHED_BONUS_VARIANTS = range(12 + 9 + 10 + 6)  # 0..36, as the published service did


@dataclass
class Outcome:
    name: str
    seconds: float
    pairs: set[tuple[int, int]]  # (mentor id, mentee id)
    note: str = ""


# --------------------------------------------------------------------------- its scoring


def its_score(generated: GeneratedRound, pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """(points, violations) of an assignment under mentor-match's published rules."""
    mentees = {p.id: p for p in generated.mentee_people}
    mentors = {p.id: p for p in generated.mentor_people}
    points = violations = 0
    for mentor_id, mentee_id in pairs:
        e, m = mentees[mentee_id], mentors[mentor_id]
        gap = m.grade_rank - e.grade_rank
        if e.department == m.department or not 1 <= gap <= 2 or e.email == m.email:
            violations += 1
        points += GAP_POINTS.get(gap, 0)
        if e.profession_of_interest is not None and e.profession_of_interest == m.profession:
            points += POI_POINTS
        if e.wants_characteristic and set(e.characteristics) & set(m.characteristics):
            points += CHAR_POINTS
    return points, violations


# --------------------------------------------------------------------------- mentor-match


def _mm_people(cls: Any, people: Iterable[Person]) -> list[Any]:
    out = []
    for p in people:
        obj = cls(
            grade=p.grade_rank,
            organisation=p.department,
            profession=p.profession,
            email=p.email,
            role="participant",
        )
        obj.our_id = p.id
        obj.target_profession = p.profession_of_interest
        obj.chars = set(p.characteristics)
        obj.wants = p.wants_characteristic
        out.append(obj)
    return out


def _mm_rules(unmatched_bonus: int) -> list[Any]:
    rl = mm_rules

    def same_org(m: Any) -> bool:
        return bool(m.mentee.organisation == m.mentor.organisation)

    def poi(m: Any) -> bool:
        return bool(
            m.mentee.target_profession is not None
            and m.mentee.target_profession == m.mentor.profession
        )

    def char(m: Any) -> bool:
        return bool(m.mentee.wants and m.mentee.chars & m.mentor.chars)

    return [
        rl.Disqualify(same_org),
        rl.Disqualify(rl.Grade(target_diff=2, logical_operator=operator.gt).evaluate),
        rl.Disqualify(rl.Grade(target_diff=0, logical_operator=operator.le).evaluate),
        rl.Grade(2, operator.eq, {True: GAP_POINTS[2], False: 0}),
        rl.Grade(1, operator.eq, {True: GAP_POINTS[1], False: 0}),
        rl.Generic({True: POI_POINTS, False: 0}, poi),
        rl.Generic({True: CHAR_POINTS, False: 0}, char),
        rl.UnmatchedBonus(unmatched_bonus),
    ]


def _mm_run(generated: GeneratedRound, bonus: int) -> tuple[set[tuple[int, int]], int, int]:
    mentors = _mm_people(MMMentor, generated.mentor_people)
    mentees = _mm_people(MMMentee, generated.mentee_people)
    mm_process.process_data(mentors, mentees, [_mm_rules(bonus) for _ in range(3)])
    pairs = {(m.our_id, e.our_id) for m in mentors for e in m.mentees}
    return (
        pairs,
        sum(1 for e in mentees if e.mentors),
        sum(1 for m in mentors if m.mentees),
    )


def mentor_match_single(generated: GeneratedRound) -> Outcome:
    t0 = time.perf_counter()
    pairs, _, _ = _mm_run(generated, 0)
    return Outcome("mentor-match, 1 run", time.perf_counter() - t0, pairs)


def mentor_match_search(generated: GeneratedRound) -> Outcome:
    t0 = time.perf_counter()
    best: tuple[tuple[int, int], set[tuple[int, int]], int] | None = None
    for bonus in UNMATCHED_BONUS_VARIANTS:
        pairs, n_e, n_m = _mm_run(generated, bonus)
        if best is None or (n_e, n_m) > best[0]:
            best = ((n_e, n_m), pairs, bonus)
    assert best is not None
    return Outcome(
        "mentor-match, best of 37",
        time.perf_counter() - t0,
        best[1],
        note=f"unmatched bonus {best[2]}",
    )


# --------------------------------------------------------------------------- ours


def ours(generated: GeneratedRound, *, its_weights: bool = False) -> Outcome:
    problem = generated.problem
    name = "ours"
    if its_weights:
        problem = replace(problem, rules=replace(problem.rules, repeated_profession=0))
        name = "ours, its weights"
    t0 = time.perf_counter()
    result = match(problem)
    seconds = time.perf_counter() - t0
    return Outcome(
        name,
        seconds,
        {i.pair for i in result.introductions},
        note="exact" if result.exact else "pruned",
    )


# --------------------------------------------------------------------------- table


def _row(generated: GeneratedRound, o: Outcome) -> str:
    per_e = Counter(e for _, e in o.pairs)
    per_m = Counter(m for m, _ in o.pairs)
    hist = Counter(per_e.get(p.id, 0) for p in generated.mentee_people)
    mentors_zero = sum(1 for p in generated.mentor_people if per_m.get(p.id, 0) == 0)
    points, violations = its_score(generated, o.pairs)
    return (
        f"  {o.name:<26} {o.seconds:>8.2f} {hist[0]:>5} {hist[1]:>5} {hist[2]:>5} {hist[3]:>5}"
        f" {mentors_zero:>9} {len(o.pairs):>7} {points:>9} {violations:>5}  {o.note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Compare with mentor-match 7.0.1")
    parser.add_argument("--sizes", type=int, nargs="*", default=[200, 500, 1000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--search-up-to",
        type=int,
        default=500,
        help="run mentor-match's 37-variant search up to this many people",
    )
    parser.add_argument("--full", action="store_true", help="the 37-variant search at every size")
    args = parser.parse_args()
    if mm_process is None:
        raise SystemExit(
            "mentor-match is not installed: pip install -e '.[bench]' (mentor-match==7.0.1)"
        )
    header = (
        f"  {'matcher':<26} {'seconds':>8} {'0':>5} {'1':>5} {'2':>5} {'3':>5}"
        f" {'mentors 0':>9} {'intros':>7} {'its score':>9} {'viol':>5}"
    )
    print("mentees with 0/1/2/3 mentors; 'its score' = mentor-match's own rule points")
    for people in args.sizes:
        generated = generate_round(people, seed=args.seed)
        print(
            f"\n{people} participants ({len(generated.mentee_people)} mentees,"
            f" {len(generated.mentor_people)} mentors, seed {args.seed})"
        )
        print(header)
        outcomes = [ours(generated), ours(generated, its_weights=True)]
        outcomes.append(mentor_match_single(generated))
        if args.full or people <= args.search_up_to:
            outcomes.append(mentor_match_search(generated))
        for o in outcomes:
            print(_row(generated, o), flush=True)


if __name__ == "__main__":
    main()
