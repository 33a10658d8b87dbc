"""The matcher's results, byte for byte, on generated rounds: speeding up how the network
is built or read must not change which introductions an exact or pruned solve proposes.

The expected digests were computed by the engine before the NumPy-free network builder's
rewrite (main at c90949f); the solver breaks ties by the network's exact shape (node
numbering and arc order), so any change to the network shows here, even one that keeps
the optimum's value. Regenerate only for a deliberate change of results, and say so.
"""

from __future__ import annotations

import hashlib
import random

import pytest

from benchmarks._generate import generate_round
from service.config import load_config
from service.matching import MatchProblem, Pruning, match
from service.matching.model import MatchResult
from tests.matching.brute import random_problem


def digest(result: MatchResult) -> str:
    """Everything a coordinator sees of a result, but its timing."""
    seen = (
        result.introductions,
        result.objective,
        result.pin_problems,
        result.pin_notes,
        result.exact,
        result.candidates_considered,
    )
    return hashlib.sha256(repr(seen).encode()).hexdigest()[:16]


def with_overrides(problem: MatchProblem, people: int, seed: int) -> MatchProblem:
    """The round with some pins, forbids and committed introductions (late matching)."""
    rng = random.Random(seed * 100 + people)
    mentees = [e.id for e in problem.mentees]
    mentors = [m.id for m in problem.mentors]
    pins = {(rng.choice(mentors), rng.choice(mentees)) for _ in range(people // 20)}
    forbid = {(rng.choice(mentors), rng.choice(mentees)) for _ in range(people // 10)}
    existing = set()
    for _ in range(people // 15):
        pair = (rng.choice(mentors), rng.choice(mentees))
        if pair not in forbid and pair not in pins:
            existing.add(pair)
    return MatchProblem.build(
        list(problem.mentees),
        list(problem.mentors),
        problem.rules,
        forbidden=set(problem.forbidden) | forbid,
        pinned=pins,
        existing=existing,
    )


def tiny_digests() -> str:
    """300 small random rounds (a third late, a third with pins), as one digest."""
    rng = random.Random(5)
    parts = []
    for i in range(300):
        problem = random_problem(rng, late=i % 3 == 1, pins=i % 3 == 2)
        parts.append(digest(match(problem)))
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:16]


def test_small_random_rounds_unchanged() -> None:
    assert tiny_digests() == "31d7fa6d435fc50a"


GENERATED = {
    # (people, seed): (exact, exact with pins/forbids/committed, pruned)
    (40, 1): ("9bd187e581c8dffc", "b4094e3ea0141f2c", "0f601eac7f9519e4"),
    (40, 2): ("3ecf81de3fda6473", "cfd280be41ef57f0", "8b0233bdfbee6052"),
    (150, 1): ("4ef4dde7bb7ae4ce", "732d61c1afeb6a39", "297c90c753423156"),
    (150, 2): ("1fbc02e779f66435", "ba3a5a37605d5767", "a4056d885e101a7e"),
    (400, 1): ("245d7f4b6add66fb", "dcd090d54760432a", "8ae223160ce42105"),
    (400, 2): ("fde60b98f8c50ed6", "a4d82080a130c1a9", "e1df47a866fe55bc"),
    (1000, 1): ("b7a98cf5ee8a22c3", "a8a32af8dccb89c8", "260836c237fd5537"),
    (1000, 2): ("32686242c5d3e4f0", "77efe1a63247a75e", "302286c03898b6e1"),
}


@pytest.mark.parametrize(("people", "seed"), sorted(GENERATED))
def test_generated_rounds_unchanged(people: int, seed: int) -> None:
    problem = generate_round(people, seed=seed, config=load_config()).problem
    exact, overridden, pruned = GENERATED[people, seed]
    assert digest(match(problem)) == exact
    assert digest(match(with_overrides(problem, people, seed))) == overridden
    assert digest(match(problem, pruning=Pruning())) == pruned


@pytest.mark.parametrize(("people", "seed"), [(40, 1), (400, 2)])
def test_bulk_network_gives_the_same_results(
    monkeypatch: pytest.MonkeyPatch, people: int, seed: int
) -> None:
    """Big rounds hand the network to the solver as NumPy arrays: the same arcs in the same
    order, so the same introductions as one call per arc."""
    from service.matching import engine

    monkeypatch.setattr(engine, "BULK_ARCS", 0)
    problem = generate_round(people, seed=seed, config=load_config()).problem
    exact, overridden, pruned = GENERATED[people, seed]
    assert digest(match(problem)) == exact
    assert digest(match(with_overrides(problem, people, seed))) == overridden
    assert digest(match(problem, pruning=Pruning())) == pruned
