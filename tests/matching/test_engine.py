"""The solver against brute force, hard rules, pins, forbids, late mode and determinism."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from service.matching import (
    MatchProblem,
    MatchRules,
    Mentee,
    Mentor,
    Objective,
    Origin,
    Pruning,
    evaluate,
    is_eligible,
    match,
)
from service.matching.model import MatchResult
from tests.matching.brute import brute_force, eligible_count, honoured_pins, random_problem

MAX_BRUTE_EDGES = 12


def _tiny_problems(seed: int, count: int, **kw: bool) -> list[MatchProblem]:
    rng = random.Random(seed)
    out: list[MatchProblem] = []
    while len(out) < count:
        p = random_problem(rng, **kw)
        if eligible_count(p) <= MAX_BRUTE_EDGES:
            out.append(p)
    return out


def assert_valid(problem: MatchProblem, result: MatchResult) -> None:
    """Hard rules, capacities, forbids, pins and committed introductions."""
    mentees, mentors = problem.mentee_by_id(), problem.mentor_by_id()
    pairs = [i.pair for i in result.introductions]
    assert len(pairs) == len(set(pairs))
    for intro in result.introductions:
        mentee, mentor = mentees[intro.mentee_id], mentors[intro.mentor_id]
        if intro.origin is Origin.MATCHED:
            assert is_eligible(mentee, mentor, problem.rules, problem.forbidden), intro
        if intro.origin is not Origin.EXISTING:
            assert intro.pair not in problem.forbidden
        if intro.origin is Origin.PINNED:
            assert intro.pair in problem.pinned
    per_e = Counter(p[1] for p in pairs)
    per_m = Counter(p[0] for p in pairs)
    for mentee_id, n in per_e.items():
        assert n <= max(mentees[mentee_id].max_mentors, 0) or all(
            i.origin is Origin.EXISTING for i in result.introductions if i.mentee_id == mentee_id
        )
    for mentor_id, n in per_m.items():
        assert n <= max(mentors[mentor_id].capacity, 0)
    assert set(problem.existing) <= set(pairs)
    assert honoured_pins(problem) <= set(pairs)
    assert result.objective == evaluate(problem, pairs)


@pytest.mark.parametrize("seed", range(12))
def test_lexicographic_optimum_equals_brute_force(seed: int) -> None:
    for problem in _tiny_problems(seed, 60):
        result = match(problem, pruning=None)
        best, _ = brute_force(problem)
        assert result.objective == best, problem
        assert result.exact
        assert_valid(problem, result)


@pytest.mark.parametrize("seed", range(6))
def test_late_mode_and_pins_equal_brute_force(seed: int) -> None:
    for problem in _tiny_problems(1000 + seed, 60, late=True, pins=True):
        result = match(problem, pruning=None)
        best, _ = brute_force(problem)
        assert result.objective == best, problem
        assert_valid(problem, result)
        existing = {i.pair for i in result.introductions if i.origin is Origin.EXISTING}
        assert existing == set(problem.existing)


@pytest.mark.parametrize("seed", range(4))
def test_pruned_is_valid_and_never_better_than_exact(seed: int) -> None:
    for problem in _tiny_problems(2000 + seed, 40, late=seed % 2 == 1, pins=True):
        exact = match(problem, pruning=None)
        pruned = match(problem, pruning=Pruning(per_mentee=1, per_mentor=1))
        assert_valid(problem, pruned)
        assert not pruned.exact
        assert pruned.objective <= exact.objective
        generous = match(problem, pruning=Pruning(per_mentee=50, per_mentor=50))
        assert generous.objective == exact.objective


def _rules(**kw: int) -> MatchRules:
    return MatchRules(**kw)  # type: ignore[arg-type]


def test_coverage_beats_points() -> None:
    # Mentor 10 is the best for mentee 1 (profession of interest) but the only one for
    # mentee 2; mentor 11 can take only mentee 1. Both mentees must be covered.
    mentees = [
        Mentee(1, 0, "A", profession_of_interest="Policy", max_mentors=1),
        Mentee(2, 0, "B", max_mentors=1),
    ]
    mentors = [
        Mentor(10, 2, "C", profession="Policy", capacity=1),
        Mentor(11, 1, "B", capacity=1),  # same department as mentee 2
    ]
    problem = MatchProblem.build(mentees, mentors)
    result = match(problem)
    assert {i.pair for i in result.introductions} == {(10, 2), (11, 1)}
    assert result.objective.mentees_matched == 2


def test_mentor_coverage_beats_more_introductions_for_one_mentee() -> None:
    mentees = [Mentee(1, 0, "A", max_mentors=2)]
    mentors = [Mentor(10, 1, "B", capacity=1), Mentor(11, 2, "C", capacity=1)]
    result = match(MatchProblem.build(mentees, mentors))
    assert result.objective == Objective(1, 2, 2, 9 + 12)


def test_variety_penalty_prefers_different_professions() -> None:
    rules = MatchRules(repeated_profession=-5)
    mentees = [Mentee(1, 0, "A", max_mentors=2)]
    mentors = [
        Mentor(10, 2, "B", profession="Policy"),
        Mentor(11, 2, "C", profession="Policy"),
        Mentor(12, 1, "D", profession="Tax"),
    ]
    result = match(MatchProblem.build(mentees, mentors, rules))
    # 12 + 9 (different professions) beats 12 + 12 - 5.
    chosen = {i.mentor_id for i in result.introductions}
    assert 12 in chosen and len(chosen) == 2
    assert result.objective.score == 21


def test_forbidden_pairs_are_never_introduced() -> None:
    mentees = [Mentee(1, 0, "A")]
    mentors = [Mentor(10, 1, "B"), Mentor(11, 1, "C")]
    result = match(MatchProblem.build(mentees, mentors, forbidden={(10, 1)}))
    assert {i.pair for i in result.introductions} == {(11, 1)}


def test_pins_are_honoured_even_against_points_and_reported_when_impossible() -> None:
    mentees = [Mentee(1, 0, "A", max_mentors=1), Mentee(2, 0, "B", max_mentors=1)]
    mentors = [Mentor(10, 1, "C", capacity=1), Mentor(11, 2, "A", capacity=1)]
    problem = MatchProblem.build(
        mentees, mentors, pinned={(11, 1), (10, 1), (10, 3)}, forbidden={(10, 2)}
    )
    result = match(problem)
    pairs = {i.pair: i.origin for i in result.introductions}
    # (10, 1) comes first in id order and is honoured; (11, 1) then exceeds mentee 1's one slot.
    assert pairs[(10, 1)] is Origin.PINNED
    reasons = {(p.mentor_id, p.mentee_id): p.reason for p in result.pin_problems}
    assert "most (1)" in reasons[(11, 1)]
    assert "not in this round" in reasons[(10, 3)]


def test_pin_against_the_department_rule_is_honoured_with_a_note() -> None:
    mentees = [Mentee(1, 0, "A")]
    mentors = [Mentor(10, 1, "A")]
    result = match(MatchProblem.build(mentees, mentors, pinned={(10, 1)}))
    assert [i.pair for i in result.introductions] == [(10, 1)]
    assert "same department" in result.pin_notes[0].note


def test_pin_loses_to_forbid() -> None:
    mentees = [Mentee(1, 0, "A")]
    mentors = [Mentor(10, 1, "B")]
    result = match(MatchProblem.build(mentees, mentors, pinned={(10, 1)}, forbidden={(10, 1)}))
    assert result.introductions == ()
    assert "forbid wins" in result.pin_problems[0].reason


def test_late_mode_keeps_committed_and_fills_only_spare_capacity() -> None:
    mentees = [
        Mentee(1, 0, "A", max_mentors=3),
        Mentee(2, 0, "A", max_mentors=3),  # registered late
    ]
    mentors = [Mentor(10, 1, "B", capacity=2), Mentor(11, 2, "C", capacity=1)]
    existing = {(10, 1), (11, 1)}
    result = match(MatchProblem.build(mentees, mentors, existing=existing))
    pairs = {i.pair: i.origin for i in result.introductions}
    assert pairs[(10, 1)] is Origin.EXISTING and pairs[(11, 1)] is Origin.EXISTING
    assert pairs[(10, 2)] is Origin.MATCHED  # mentor 10's one spare place
    assert (11, 2) not in pairs  # mentor 11 is full
    assert len(result.new_introductions) == 1


def test_deterministic_and_independent_of_input_order() -> None:
    rng = random.Random(7)
    mentees = [
        Mentee(i, rng.randint(0, 4), rng.choice("ABCD"), profession_of_interest=rng.choice("PQR"))
        for i in range(60)
    ]
    mentors = [
        Mentor(100 + j, rng.randint(1, 6), rng.choice("ABCD"), profession=rng.choice("PQR"))
        for j in range(25)
    ]
    first = match(MatchProblem.build(mentees, mentors))
    again = match(MatchProblem.build(mentees, mentors))
    shuffled_e, shuffled_m = mentees[:], mentors[:]
    rng.shuffle(shuffled_e)
    rng.shuffle(shuffled_m)
    third = match(MatchProblem.build(shuffled_e, shuffled_m))
    assert first.introductions == again.introductions == third.introductions


def test_empty_and_degenerate_rounds() -> None:
    assert match(MatchProblem.build([], [])).introductions == ()
    only_mentees = match(MatchProblem.build([Mentee(1, 0, "A")], []))
    assert only_mentees.objective == Objective(0, 0, 0, 0)
    zero_cap = match(MatchProblem.build([Mentee(1, 0, "A")], [Mentor(2, 1, "B", capacity=0)]))
    assert zero_cap.introductions == ()


def test_bonus_for_repeats_is_refused() -> None:
    with pytest.raises(ValueError, match="penalty"):
        MatchRules(repeated_profession=2)


def test_a_generated_2000_person_round_solves_exactly() -> None:
    from benchmarks._generate import generate_round

    generated = generate_round(2000, seed=3)
    result = match(generated.problem)
    assert result.exact
    assert_valid(generated.problem, result)
    assert result.objective.mentees_matched >= 0.98 * len(generated.problem.mentees)
