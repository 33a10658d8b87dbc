"""The matching engine's data: who takes part, the rules, and what comes out.

Everything here is plain, immutable data with no I/O. The caller (the store and the
CLI) builds these from confirmed registrations; ids are the caller's integer ids.

A *pair* is always written ``(mentor_id, mentee_id)``, mentor first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.config import ProgrammeConfig

Pair = tuple[int, int]
"""``(mentor_id, mentee_id)``."""


@dataclass(frozen=True, slots=True)
class Mentee:
    """A confirmed mentee. ``department`` is the canonical name (aliases already folded)."""

    id: int
    grade_rank: int
    department: str
    profession: str | None = None
    profession_of_interest: str | None = None
    characteristics: frozenset[str] = frozenset()
    wants_characteristic: bool = False
    max_mentors: int = 3


@dataclass(frozen=True, slots=True)
class Mentor:
    """A confirmed mentor. ``capacity`` is how many introductions they take this round."""

    id: int
    grade_rank: int
    department: str
    profession: str | None = None
    characteristics: frozenset[str] = frozenset()
    capacity: int = 3


@dataclass(frozen=True, slots=True)
class MatchRules:
    """Hard rules and preference weights (from ``ProgrammeConfig.matching``).

    Hard rules: the mentor is ``grade_gap_min``..``grade_gap_max`` rungs above the
    mentee, in a different (canonical) department, and the pair is not forbidden.

    Preference points for one introduction: ``grade_gap_points`` for the gap, plus
    ``profession_of_interest`` when the mentor works in the mentee's profession of
    interest, plus ``shared_characteristic`` when the mentee opted in and the two share
    one. ``repeated_profession`` (zero or negative) is added once for every introduction
    of a mentee beyond the first from the same mentor profession (variety).
    """

    grade_gap_min: int = 1
    grade_gap_max: int = 2
    grade_gap_points: tuple[tuple[int, int], ...] = ((1, 9), (2, 12))
    profession_of_interest: int = 10
    shared_characteristic: int = 6
    repeated_profession: int = -3

    def __post_init__(self) -> None:
        if self.grade_gap_min < 1 or self.grade_gap_max < self.grade_gap_min:
            raise ValueError("grade gap must satisfy 1 <= grade_gap_min <= grade_gap_max")
        if self.repeated_profession > 0:
            # A bonus for repeats would make the cost of a mentee's slots non-convex; the
            # min-cost-flow model is exact only for a penalty (or none).
            raise ValueError("repeated_profession must be zero or negative (a penalty)")

    @classmethod
    def from_config(cls, config: ProgrammeConfig) -> MatchRules:
        m = config.matching
        w = m.weights
        return cls(
            grade_gap_min=m.grade_gap_min,
            grade_gap_max=m.grade_gap_max,
            grade_gap_points=((1, w.grade_gap_1), (2, w.grade_gap_2)),
            profession_of_interest=w.profession_of_interest,
            shared_characteristic=w.shared_characteristic,
            repeated_profession=w.repeated_profession,
        )

    def gap_points(self, gap: int) -> int:
        for g, points in self.grade_gap_points:
            if g == gap:
                return points
        return 0


@dataclass(frozen=True)
class MatchProblem:
    """One round's matching problem.

    ``forbidden``: pairs that must never be introduced (earlier rounds, coordinator
    "forbid", the same person registered in both roles).
    ``pinned``: pairs a coordinator wants; honoured whenever possible (see
    `MatchResult.pin_problems` for those that could not be).
    ``existing``: introductions already committed (``--late`` mode). They are kept as
    they are, count towards coverage, and use up capacity; only spare capacity is filled.
    """

    mentees: tuple[Mentee, ...]
    mentors: tuple[Mentor, ...]
    rules: MatchRules = MatchRules()
    forbidden: frozenset[Pair] = frozenset()
    pinned: frozenset[Pair] = frozenset()
    existing: frozenset[Pair] = frozenset()

    @classmethod
    def build(
        cls,
        mentees: Iterable[Mentee],
        mentors: Iterable[Mentor],
        rules: MatchRules | None = None,
        *,
        forbidden: Iterable[Pair] = (),
        pinned: Iterable[Pair] = (),
        existing: Iterable[Pair] = (),
    ) -> MatchProblem:
        mentee_list = tuple(sorted(mentees, key=lambda m: m.id))
        mentor_list = tuple(sorted(mentors, key=lambda m: m.id))
        for kind, people in (("mentee", mentee_list), ("mentor", mentor_list)):
            ids = [p.id for p in people]
            if len(set(ids)) != len(ids):
                raise ValueError(f"a {kind} id appears twice")
        return cls(
            mentees=mentee_list,
            mentors=mentor_list,
            rules=rules or MatchRules(),
            forbidden=frozenset(forbidden),
            pinned=frozenset(pinned),
            existing=frozenset(existing),
        )

    def mentee_by_id(self) -> dict[int, Mentee]:
        return {m.id: m for m in self.mentees}

    def mentor_by_id(self) -> dict[int, Mentor]:
        return {m.id: m for m in self.mentors}


class Origin(StrEnum):
    EXISTING = "existing"  # committed before (late mode); untouched
    PINNED = "pinned"  # a coordinator pin
    MATCHED = "matched"  # chosen by the engine


@dataclass(frozen=True, slots=True)
class Introduction:
    mentor_id: int
    mentee_id: int
    origin: Origin = Origin.MATCHED

    @property
    def pair(self) -> Pair:
        return (self.mentor_id, self.mentee_id)


@dataclass(frozen=True, slots=True, order=True)
class Objective:
    """The four goals in priority order; compare tuples lexicographically (bigger is better)."""

    mentees_matched: int
    mentors_matched: int
    introductions: int
    score: int


@dataclass(frozen=True, slots=True)
class PinProblem:
    mentor_id: int
    mentee_id: int
    reason: str  # plain words, no sensitive data


@dataclass(frozen=True, slots=True)
class PinNote:
    """A pin that was honoured although it breaks a matching rule the coordinator overrode."""

    mentor_id: int
    mentee_id: int
    note: str


@dataclass(frozen=True)
class Pruning:
    """Candidate pruning for large rounds (see `service.matching.engine`).

    Each mentee keeps its ``per_mentee`` best candidate mentors, and each mentor its
    ``per_mentor`` best candidate mentees (ties broken by a fixed hash of the pair, so
    equal candidates are spread rather than everyone picking the same mentor). On top,
    each mentee keeps ``random_per_mentee`` and each mentor ``random_per_mentor``
    candidates drawn by that hash alone, whatever their score: best-score lists all point
    at the same popular mentors, and these few random links are what keeps coverage at
    its optimum (a random bipartite graph of modest degree has a near-perfect matching).
    The solver is then exact on the union of kept candidates.
    """

    per_mentee: int = 24
    per_mentor: int = 12
    random_per_mentee: int = 8
    random_per_mentor: int = 4


@dataclass(frozen=True)
class MatchResult:
    introductions: tuple[Introduction, ...]
    objective: Objective
    exact: bool  # True when every candidate pair was considered (no pruning)
    candidates_considered: int
    pin_problems: tuple[PinProblem, ...] = ()
    pin_notes: tuple[PinNote, ...] = ()
    seconds: float = 0.0
    stats: Mapping[str, float] = field(default_factory=dict)

    @property
    def new_introductions(self) -> tuple[Introduction, ...]:
        return tuple(i for i in self.introductions if i.origin is not Origin.EXISTING)

    def mentors_of(self) -> dict[int, list[int]]:
        """mentee id -> mentor ids (sorted)."""
        out: dict[int, list[int]] = {}
        for intro in self.introductions:
            out.setdefault(intro.mentee_id, []).append(intro.mentor_id)
        return {k: sorted(v) for k, v in out.items()}

    def mentees_of(self) -> dict[int, list[int]]:
        """mentor id -> mentee ids (sorted)."""
        out: dict[int, list[int]] = {}
        for intro in self.introductions:
            out.setdefault(intro.mentor_id, []).append(intro.mentee_id)
        return {k: sorted(v) for k, v in out.items()}
