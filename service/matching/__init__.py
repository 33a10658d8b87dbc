"""Matching mentees to mentors: pure functions over data, no database and no I/O.

- `service.matching.model`: the input and output data.
- `service.matching.rules`: per-pair hard rules, points, and the objective.
- `service.matching.engine`: the exact solver (`match`).
- `service.matching.explain`: reasons in words (never a characteristic).
- `service.matching.report`: the coordinator's report, as data, CSV and HTML.
"""

from service.matching.engine import MatchingError, match
from service.matching.model import (
    Introduction,
    MatchProblem,
    MatchResult,
    MatchRules,
    Mentee,
    Mentor,
    Objective,
    Origin,
    Pair,
    PinNote,
    PinProblem,
    Pruning,
)
from service.matching.rules import evaluate, is_eligible, pair_points

__all__ = [
    "Introduction",
    "MatchProblem",
    "MatchResult",
    "MatchRules",
    "MatchingError",
    "Mentee",
    "Mentor",
    "Objective",
    "Origin",
    "Pair",
    "PinNote",
    "PinProblem",
    "Pruning",
    "evaluate",
    "is_eligible",
    "match",
    "pair_points",
]
