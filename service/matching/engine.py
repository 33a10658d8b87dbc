"""The matching solver: an exact lexicographic optimum as one min-cost flow.

Goals, in strict priority (each counted over *all* introductions, committed and new):

  (a) the most mentees with at least one mentor,
  (b) then the most mentors with at least one mentee,
  (c) then the most introductions,
  (d) then the most preference points (`service.matching.rules.pair_points` per
      introduction, plus the variety penalty for repeated mentor professions).

The network
-----------
::

    s ─slot arcs─► mentee i ─variety arcs─► [i, profession p] ─match arc─► mentor j ─slot arcs─► t
    s ──────────────────────────── bypass (cost 0) ─────────────────────────────────────────► t

* ``s → i``: one arc of capacity 1 and cost ``-(A + C)`` (the mentee's *first* mentor), and
  one of capacity ``max_mentors - 1`` and cost ``-C`` (each further mentor). A mentee who
  already has a committed or pinned introduction gets only ``-C`` arcs.
* ``j → t``: capacity 1 at cost ``-B`` (the mentor's first mentee), the rest at cost 0.
* match arcs: capacity 1, cost ``-points(i, j)``.
* variety: the mentor's profession ``p`` routes through a node ``[i, p]`` whose entry arcs
  cost 0 for the first unit and ``P = -repeated_profession`` for each further one
  (``P`` for every unit when a committed or pinned mentor of ``i`` already has ``p``).
* supply ``U`` at ``s`` and demand ``U`` at ``t``; the bypass arc lets the flow be any size.

Why this is exact
-----------------
Every cost function above is convex in its flow (the parallel arcs of one pair of nodes
have increasing unit costs), so a min-cost integral flow exists and is found exactly by
OR-Tools' cost-scaling solver, and an optimal flow fills the cheaper parallel arc first
(otherwise swapping units between them is a negative cycle). Hence an optimal flow is a
b-matching whose cost is exactly ``-(A·a + B·b + C·c + d)``.

It remains to show the weights make that sum lexicographic *without* astronomically large
numbers. Let ``f*`` be optimal and suppose some matching ``f'`` has a lexicographically
larger ``(a, b, c, d)``. Take both as slot-ordered flows; ``f' - f*`` decomposes
conformally into simple cycles of the residual graph of ``f*`` (the bypass closes
``s``–``t`` paths into cycles). A simple cycle passes ``s`` at most once, so it changes
``a`` by -1, 0 or +1 and ``c`` by -1, 0 or +1 (both live only on ``s``'s arcs); likewise it
changes ``b`` by at most 1 (``t``'s arcs). Each mentor node on a simple cycle carries two
of its arcs, so a cycle holds at most ``2·n_mentors + 2`` match arcs and
``4·n_mentors + 6`` variety arcs, and changes ``d`` by at most::

    D = (2·n_mentors + 2)·max|points| + (4·n_mentors + 6)·P  (plus 1)

With ``C = D + 1``, ``B = C + D + 1`` and ``A = B + C + D + 1`` the sign of each cycle's
cost is minus the lexicographic sign of its ``(Δa, Δb, Δc, Δd)``. The vector sum of the
cycles is ``(a, b, c, d)(f') - (a, b, c, d)(f*)``, lexicographically positive, and a sum
of lexicographically non-positive vectors cannot be positive; so some cycle is
lexicographically positive, i.e. has negative cost — a negative residual cycle at an
optimal flow, which cannot exist. So ``f*`` is the lexicographic optimum. The weights
grow only linearly with the number of mentors (``A`` is about ``4·D``), so costs stay
far inside OR-Tools' 64-bit range even for 50,000 people. The test suite checks all of
this against brute force on many small random rounds.

Large rounds (candidate pruning)
--------------------------------
The eligible pairs of a big round number in the tens of millions. With `Pruning`, each
mentee keeps only its ``per_mentee`` best-scoring candidate mentors and each mentor its
``per_mentor`` best-scoring candidate mentees (equal scores broken by a fixed hash of the
two ids, which spreads equally good candidates instead of piling onto the same person),
plus a few candidates per person chosen by that hash alone (``random_per_mentee``,
``random_per_mentor``); the flow above is then solved exactly on the union. Best-score
lists all point at the same popular mentors, so on their own they lose coverage in big
rounds; the random links restore it (a random bipartite graph of modest degree has a
near-perfect matching), and the mentor-side lists protect mentors few mentees rank first. The result
can only be worse than the exact one if some dropped pair was needed; the benchmark
(`benchmarks/matching.py`) measures that gap against the exact solve.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from service.matching.model import (
    Introduction,
    MatchProblem,
    MatchResult,
    Mentee,
    Mentor,
    Origin,
    Pair,
    PinNote,
    PinProblem,
    Pruning,
)
from service.matching.rules import Ineligible, evaluate, ineligibility

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

AUTO_EXACT_PAIRS = 4_000_000
"""With ``pruning="auto"``, rounds whose mentees × mentors is at most this are solved on
every eligible pair (2,000 people give about 940,000; 3,300 people about 4,000,000);
bigger rounds are pruned."""

_BLOCK_CELLS = 2_000_000  # cells of one mentee × mentor block (memory: ~30 bytes a cell)
_TIE_BITS = 12


class MatchingError(RuntimeError):
    """The solver did not report an optimal flow (a bug, never a data problem)."""


def match(
    problem: MatchProblem, *, pruning: Pruning | Literal["auto"] | None = "auto"
) -> MatchResult:
    """Solve one round. Pure: no I/O; the same problem always gives the same result."""
    started = time.perf_counter()
    if pruning == "auto":
        pairs = len(problem.mentees) * len(problem.mentors)
        pruning = None if pairs <= AUTO_EXACT_PAIRS else Pruning()
    arrays = _Arrays.of(problem)
    fixed, pin_problems, pin_notes = _fixed_pairs(problem, arrays)
    stats: dict[str, float] = {}

    t0 = time.perf_counter()
    cand = _candidates(arrays, fixed, pruning)
    stats["candidates_seconds"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    chosen = _solve(arrays, fixed, cand, stats)
    stats["solve_seconds"] = time.perf_counter() - t0

    intros: list[Introduction] = []
    for pair, origin in sorted(fixed.items()):
        intros.append(Introduction(pair[0], pair[1], origin))
    for e, m in zip(chosen[0].tolist(), chosen[1].tolist(), strict=True):
        intros.append(Introduction(arrays.mentors[m].id, arrays.mentees[e].id, Origin.MATCHED))
    intros.sort(key=lambda i: (i.mentee_id, i.mentor_id))
    objective = evaluate(problem, (i.pair for i in intros))
    return MatchResult(
        introductions=tuple(intros),
        objective=objective,
        exact=pruning is None,
        candidates_considered=len(cand.mentee),
        pin_problems=tuple(pin_problems),
        pin_notes=tuple(pin_notes),
        seconds=time.perf_counter() - started,
        stats=stats,
    )


# --------------------------------------------------------------------------- arrays


@dataclass
class _Arrays:
    mentees: Sequence[Mentee]
    mentors: Sequence[Mentor]
    e_index: dict[int, int]
    m_index: dict[int, int]
    e_id: IntArray
    m_id: IntArray
    e_grade: IntArray
    m_grade: IntArray
    e_dept: IntArray
    m_dept: IntArray
    e_poi: IntArray  # profession code or -1
    m_prof: IntArray  # profession code or -1
    e_wants: BoolArray
    e_chars: npt.NDArray[np.uint64]  # bitmask words, zero unless the mentee opted in
    m_chars: npt.NDArray[np.uint64]
    e_cap: IntArray
    m_cap: IntArray
    gap_points: IntArray  # indexed by gap - gap_min
    gap_min: int
    gap_max: int
    poi_points: int
    char_points: int
    repeat_penalty: int  # P >= 0
    forbidden: frozenset[Pair]

    @classmethod
    def of(cls, p: MatchProblem) -> _Arrays:
        mentees, mentors, rules = p.mentees, p.mentors, p.rules
        depts: dict[str, int] = {}
        profs: dict[str, int] = {}
        chars: dict[str, int] = {}
        for m in mentors:
            for c in m.characteristics:
                chars.setdefault(c, len(chars))
        words = max(1, (len(chars) + 63) // 64)

        def code(table: dict[str, int], value: str | None) -> int:
            return -1 if value is None else table.setdefault(value, len(table))

        def mask(values: frozenset[str]) -> list[int]:
            out = [0] * words
            for v in values:
                bit = chars.get(v)
                if bit is not None:
                    out[bit // 64] |= 1 << (bit % 64)
            return out

        gaps = range(rules.grade_gap_min, rules.grade_gap_max + 1)
        return cls(
            mentees=mentees,
            mentors=mentors,
            e_index={m.id: i for i, m in enumerate(mentees)},
            m_index={m.id: i for i, m in enumerate(mentors)},
            e_id=np.array([m.id for m in mentees], dtype=np.int64),
            m_id=np.array([m.id for m in mentors], dtype=np.int64),
            e_grade=np.array([m.grade_rank for m in mentees], dtype=np.int64),
            m_grade=np.array([m.grade_rank for m in mentors], dtype=np.int64),
            e_dept=np.array([code(depts, m.department) for m in mentees], dtype=np.int64),
            m_dept=np.array([code(depts, m.department) for m in mentors], dtype=np.int64),
            e_poi=np.array(
                [code(profs, m.profession_of_interest) for m in mentees], dtype=np.int64
            ),
            m_prof=np.array([code(profs, m.profession) for m in mentors], dtype=np.int64),
            e_wants=np.array([m.wants_characteristic for m in mentees], dtype=np.bool_),
            e_chars=np.array(
                [
                    mask(m.characteristics) if m.wants_characteristic else [0] * words
                    for m in mentees
                ],
                dtype=np.uint64,
            ).reshape(len(mentees), words),
            m_chars=np.array([mask(m.characteristics) for m in mentors], dtype=np.uint64).reshape(
                len(mentors), words
            ),
            e_cap=np.array([max(0, m.max_mentors) for m in mentees], dtype=np.int64),
            m_cap=np.array([max(0, m.capacity) for m in mentors], dtype=np.int64),
            gap_points=np.array([rules.gap_points(g) for g in gaps], dtype=np.int64),
            gap_min=rules.grade_gap_min,
            gap_max=rules.grade_gap_max,
            poi_points=rules.profession_of_interest,
            char_points=rules.shared_characteristic,
            repeat_penalty=-rules.repeated_profession,
            forbidden=p.forbidden,
        )


def _fixed_pairs(
    problem: MatchProblem, a: _Arrays
) -> tuple[dict[Pair, Origin], list[PinProblem], list[PinNote]]:
    """Committed introductions and the pins that can be honoured (in id order)."""
    fixed = _committed(problem, a)
    used_e = Counter(p[1] for p in fixed)
    used_m = Counter(p[0] for p in fixed)
    problems: list[PinProblem] = []
    notes: list[PinNote] = []
    for pair in sorted(problem.pinned):
        if pair in fixed:
            continue
        mentor_id, mentee_id = pair
        refused = _pin_refusal(problem, a, pair, used_e, used_m)
        if refused is not None:
            problems.append(PinProblem(mentor_id, mentee_id, refused))
            continue
        fixed[pair] = Origin.PINNED
        used_e[mentee_id] += 1
        used_m[mentor_id] += 1
        note = _pin_note(problem, a, pair)
        if note is not None:
            notes.append(PinNote(mentor_id, mentee_id, note))
    return fixed, problems, notes


def _committed(problem: MatchProblem, a: _Arrays) -> dict[Pair, Origin]:
    """Late matching's committed introductions: kept as they are, in id order."""
    fixed: dict[Pair, Origin] = {}
    for pair in sorted(problem.existing):
        mentor_id, mentee_id = pair
        if mentor_id not in a.m_index or mentee_id not in a.e_index:
            raise ValueError(
                f"committed introduction {pair} names someone not in this matching problem"
            )
        fixed[pair] = Origin.EXISTING
    return fixed


def _pin_refusal(
    problem: MatchProblem, a: _Arrays, pair: Pair, used_e: Counter[int], used_m: Counter[int]
) -> str | None:
    """Why a pin cannot be honoured, in plain words (None: it can)."""
    mentor_id, mentee_id = pair
    if mentor_id not in a.m_index:
        return "the mentor is not in this round"
    if mentee_id not in a.e_index:
        return "the mentee is not in this round"
    mentee = a.mentees[a.e_index[mentee_id]]
    mentor = a.mentors[a.m_index[mentor_id]]
    if pair in problem.forbidden:
        return (
            "the pair is also forbidden (an earlier introduction, a coordinator"
            " forbid, or the same person), and a forbid wins"
        )
    if used_e[mentee_id] >= mentee.max_mentors:
        return (
            f"the mentee already has {used_e[mentee_id]} committed or pinned"
            f" introductions, their most ({mentee.max_mentors})"
        )
    if used_m[mentor_id] >= mentor.capacity:
        return (
            f"the mentor already has {used_m[mentor_id]} committed or pinned"
            f" introductions, their capacity ({mentor.capacity})"
        )
    return None


def _pin_note(problem: MatchProblem, a: _Arrays, pair: Pair) -> str | None:
    """The matching rule an honoured pin breaks, if any."""
    mentor_id, mentee_id = pair
    mentee = a.mentees[a.e_index[mentee_id]]
    mentor = a.mentors[a.m_index[mentor_id]]
    why = ineligibility(mentee, mentor, problem.rules)
    if why is Ineligible.GRADE:
        return "pinned although the grade gap rule is not met"
    if why is Ineligible.DEPARTMENT:
        return "pinned although both are in the same department"
    return None


# --------------------------------------------------------------------------- candidates


@dataclass
class _Candidates:
    mentee: IntArray  # mentee index
    mentor: IntArray  # mentor index
    points: IntArray


def _tie_break(e_ids: IntArray, m_ids: IntArray) -> IntArray:
    """A fixed pseudo-random number in [0, 2**_TIE_BITS) per pair (broadcasts)."""
    x = e_ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x = x ^ (m_ids.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F))
    x ^= x >> np.uint64(31)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(29)
    return (x & np.uint64((1 << _TIE_BITS) - 1)).astype(np.int64)


class _Blocks:
    """Scores and validity of mentee × mentor blocks, computed with numpy."""

    def __init__(self, a: _Arrays, excluded: dict[int, list[int]]) -> None:
        self.a = a
        self.excluded = excluded  # mentee index -> mentor indices never to pair
        # A lookup by mentee index (np.isin would import numpy.ma, ~15 ms of every run).
        self.excluded_rows = np.zeros(len(a.mentees), dtype=np.bool_)
        self.excluded_rows[list(excluded)] = True
        self.e_live = a.e_cap > 0
        self.m_live = a.m_cap > 0

    def block(self, rows: IntArray, cols: IntArray) -> tuple[IntArray, BoolArray]:
        a = self.a
        gap = a.m_grade[None, cols] - a.e_grade[rows, None]
        valid = (gap >= a.gap_min) & (gap <= a.gap_max)
        valid &= a.e_dept[rows, None] != a.m_dept[None, cols]
        points = a.gap_points[np.clip(gap - a.gap_min, 0, len(a.gap_points) - 1)]
        if a.poi_points:
            poi = a.e_poi[rows, None]
            points = points + a.poi_points * ((poi == a.m_prof[None, cols]) & (poi >= 0))
        if a.char_points and a.e_wants[rows].any():
            share = np.zeros(valid.shape, dtype=np.bool_)
            for w in range(a.e_chars.shape[1]):
                share |= (a.e_chars[rows, None, w] & a.m_chars[None, cols, w]) != 0
            points = points + a.char_points * share
        if self.excluded:
            col_pos = {int(c): k for k, c in enumerate(cols)}
            hit = np.flatnonzero(self.excluded_rows[rows])
            for r in hit.tolist():
                for m in self.excluded[int(rows[r])]:
                    k = col_pos.get(m)
                    if k is not None:
                        valid[r, k] = False
        return points.astype(np.int64), valid


class _Found:
    """Candidate pairs as they are found, block by block."""

    def __init__(self) -> None:
        self.mentee: list[IntArray] = []
        self.mentor: list[IntArray] = []
        self.points: list[IntArray] = []

    def add(
        self, rows: IntArray, cols: IntArray, points: IntArray, r: IntArray, c: IntArray
    ) -> None:
        self.mentee.append(rows[r])
        self.mentor.append(cols[c])
        self.points.append(points[r, c])

    def unique(self, n_mentors: int) -> _Candidates:
        """Each pair once, sorted by (mentee, mentor): deterministic."""
        if not self.mentee:
            empty = np.zeros(0, dtype=np.int64)
            return _Candidates(empty, empty.copy(), empty.copy())
        all_e = np.concatenate(self.mentee)
        all_m = np.concatenate(self.mentor)
        all_p = np.concatenate(self.points)
        codes = all_e * max(1, n_mentors) + all_m
        _, first = np.unique(codes, return_index=True)
        return _Candidates(all_e[first], all_m[first], all_p[first])


def _candidates(a: _Arrays, fixed: dict[Pair, Origin], pruning: Pruning | None) -> _Candidates:
    excluded: dict[int, list[int]] = {}
    for mentor_id, mentee_id in a.forbidden | fixed.keys():
        e, m = a.e_index.get(mentee_id), a.m_index.get(mentor_id)
        if e is not None and m is not None:
            excluded.setdefault(e, []).append(m)
    blocks = _Blocks(a, excluded)
    e_by_grade = _group(a.e_grade, blocks.e_live)
    m_by_grade = _group(a.m_grade, blocks.m_live)
    found = _Found()
    _mentee_side(blocks, e_by_grade, m_by_grade, pruning, found)
    if pruning is not None and pruning.per_mentor > 0:
        _mentor_side(blocks, e_by_grade, m_by_grade, pruning, found)
    return found.unique(len(a.mentors))


def _mentee_side(
    blocks: _Blocks,
    e_by_grade: dict[int, IntArray],
    m_by_grade: dict[int, IntArray],
    pruning: Pruning | None,
    found: _Found,
) -> None:
    """Every eligible pair (exact), or each mentee's best per_mentee plus random ones."""
    a = blocks.a
    for grade, rows_all in e_by_grade.items():
        cols = _concat([m_by_grade.get(grade + g) for g in range(a.gap_min, a.gap_max + 1)])
        if len(cols) == 0:
            continue
        step = max(1, _BLOCK_CELLS // len(cols))
        for start in range(0, len(rows_all), step):
            rows = rows_all[start : start + step]
            points, valid = blocks.block(rows, cols)
            if pruning is None or pruning.per_mentee + pruning.random_per_mentee >= len(cols):
                r, c = np.nonzero(valid)
            else:
                tie = _tie_break(a.e_id[rows, None], a.m_id[None, cols])
                r, c = _top_per_row(
                    np.where(valid, (points << _TIE_BITS) + tie, -1), pruning.per_mentee, valid
                )
                if pruning.random_per_mentee:
                    r2, c2 = _top_per_row(
                        np.where(valid, tie, -1), pruning.random_per_mentee, valid
                    )
                    r, c = np.concatenate([r, r2]), np.concatenate([c, c2])
            found.add(rows, cols, points, r, c)


def _mentor_side(
    blocks: _Blocks,
    e_by_grade: dict[int, IntArray],
    m_by_grade: dict[int, IntArray],
    pruning: Pruning,
    found: _Found,
) -> None:
    """Pruning only: each mentor's best per_mentor mentees, so few mentors are left out."""
    a = blocks.a
    for grade, cols_all in m_by_grade.items():
        rows = _concat([e_by_grade.get(grade - g) for g in range(a.gap_min, a.gap_max + 1)])
        if len(rows) == 0 or pruning.per_mentor + pruning.random_per_mentor >= len(rows):
            continue  # already complete from the mentee side
        step = max(1, _BLOCK_CELLS // len(rows))
        for start in range(0, len(cols_all), step):
            cols = cols_all[start : start + step]
            points, valid = blocks.block(rows, cols)
            tie = _tie_break(a.e_id[rows, None], a.m_id[None, cols])
            key = np.where(valid, (points << _TIE_BITS) + tie, -1)
            c, r = _top_per_row(key.T, pruning.per_mentor, valid.T)
            if pruning.random_per_mentor:
                c2, r2 = _top_per_row(
                    np.where(valid, tie, -1).T, pruning.random_per_mentor, valid.T
                )
                r, c = np.concatenate([r, r2]), np.concatenate([c, c2])
            found.add(rows, cols, points, r, c)


def _top_per_row(key: IntArray, k: int, valid: BoolArray) -> tuple[IntArray, IntArray]:
    """(row, column) of the k largest keys of each row, valid cells only."""
    if k <= 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    k = min(k, key.shape[1])
    top = np.argpartition(-key, k - 1, axis=1)[:, :k]
    r = np.repeat(np.arange(key.shape[0]), k)
    c = top.reshape(-1)
    keep = valid[r, c]
    return r[keep], c[keep]


def _group(grades: IntArray, live: BoolArray) -> dict[int, IntArray]:
    idx = np.nonzero(live)[0]
    order = idx[np.argsort(grades[idx], kind="stable")]
    out: dict[int, IntArray] = {}
    if len(order) == 0:
        return out
    g = grades[order]
    bounds = np.flatnonzero(np.diff(g)) + 1
    for chunk in np.split(order, bounds):
        out[int(grades[chunk[0]])] = chunk
    return out


def _concat(parts: list[IntArray | None]) -> IntArray:
    present = [p for p in parts if p is not None and len(p)]
    if not present:
        return np.zeros(0, dtype=np.int64)
    return np.concatenate(present)


# --------------------------------------------------------------------------- flow


@dataclass
class _Taken:
    """What committed and pinned introductions already use, by mentee and mentor index."""

    mentee: IntArray
    mentor: IntArray
    professions: set[tuple[int, int]]  # (mentee index, profession code) already introduced

    @classmethod
    def of(cls, a: _Arrays, fixed: dict[Pair, Origin]) -> _Taken:
        taken = cls(
            np.zeros(len(a.mentees), dtype=np.int64),
            np.zeros(len(a.mentors), dtype=np.int64),
            set(),
        )
        for mentor_id, mentee_id in fixed:
            e, m = a.e_index[mentee_id], a.m_index[mentor_id]
            taken.mentee[e] += 1
            taken.mentor[m] += 1
            if a.m_prof[m] >= 0:
                taken.professions.add((e, int(a.m_prof[m])))
        return taken


class _Arcs:
    """The network's arcs in the order they are added (the solver's arc ids)."""

    def __init__(self) -> None:
        self.parts: list[tuple[IntArray, IntArray, IntArray, IntArray]] = []

    def add(self, tail: IntArray, head: IntArray, cap: IntArray, cost: IntArray) -> None:
        self.parts.append((tail, head, cap, cost))

    def column(self, k: int, dtype: type[np.int32] | type[np.int64]) -> npt.NDArray[Any]:
        return np.concatenate([part[k] for part in self.parts]).astype(dtype)


@dataclass
class _Variety:
    """Nodes ``[mentee, profession]`` for a profession a mentee could meet more than once."""

    match_tails: IntArray  # each match arc's tail: its mentee's node, or a group node
    node: IntArray  # per group: its node,
    mentee_node: IntArray  # the mentee's node,
    count: IntArray  # how many candidate mentors have that profession,
    already: BoolArray  # and whether a committed or pinned mentor already has it


def _present(indices: IntArray, size: int) -> IntArray:
    """The sorted distinct values of `indices` (np.unique without importing numpy.ma)."""
    return np.flatnonzero(np.bincount(indices, minlength=size))


def _weights(points: IntArray, active_mentors: int, penalty: int) -> tuple[int, int, int]:
    """A, B and C of the module docstring: lexicographic goals in 64-bit costs."""
    w_max = int(np.abs(points).max()) if len(points) else 0
    d = (2 * active_mentors + 2) * w_max + (4 * active_mentors + 6) * penalty + 1
    c_w = d + 1
    b_w = c_w + d + 1
    return b_w + c_w + d + 1, b_w, c_w


def _variety(
    a: _Arrays, ce: IntArray, cm: IntArray, taken: _Taken, mentee_node: IntArray, first: int
) -> _Variety:
    """Route each match arc through its ``[mentee, profession]`` node where one is needed."""
    tails = mentee_node[ce].copy()
    empty = np.zeros(0, dtype=np.int64)
    if a.repeat_penalty <= 0:
        return _Variety(tails, empty, empty, empty, empty.astype(np.bool_))
    prof = a.m_prof[cm]
    has_prof = prof >= 0
    n_prof = int(max(a.m_prof.max(initial=-1), 0)) + 1
    key = ce * n_prof + np.where(has_prof, prof, 0)
    uniq, inverse, counts = np.unique(key[has_prof], return_inverse=True, return_counts=True)
    u_e = uniq // n_prof
    already_keys = {e * n_prof + p for e, p in taken.professions}
    already = np.array([k in already_keys for k in uniq.tolist()], dtype=np.bool_).reshape(-1)
    needs_node = (counts >= 2) | already
    nodes = int(needs_node.sum())
    group_node = np.full(len(uniq), -1, dtype=np.int64)
    group_node[needs_node] = first + np.arange(nodes, dtype=np.int64)
    via = group_node[inverse]
    routed = via >= 0
    tails[np.flatnonzero(has_prof)[routed]] = via[routed]
    g = np.flatnonzero(needs_node)
    return _Variety(tails, group_node[g], mentee_node[u_e[g]], counts[g], already[g])


def _variety_arcs(arcs: _Arcs, v: _Variety, penalty: int) -> None:
    """A group's first unit is free and the rest cost the penalty; all of them cost it when
    a committed or pinned mentor already has that profession."""
    fresh = ~v.already
    n_fresh = int(fresh.sum())
    arcs.add(
        v.mentee_node[fresh],
        v.node[fresh],
        np.ones(n_fresh, dtype=np.int64),
        np.zeros(n_fresh, dtype=np.int64),
    )
    more = fresh & (v.count > 1)
    arcs.add(
        v.mentee_node[more], v.node[more], v.count[more] - 1, np.full(int(more.sum()), penalty)
    )
    old = v.already
    arcs.add(v.mentee_node[old], v.node[old], v.count[old], np.full(int(old.sum()), penalty))


def _slots(live: IntArray, taken: IntArray, spare: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """One side's slot arcs: who gets a first-introduction arc (those with none yet), and
    who has further places, with how many."""
    rest = np.where(taken[live] == 0, spare[live] - 1, spare[live])
    return live[taken[live] == 0], live[rest > 0], rest[rest > 0]


def _solve(
    a: _Arrays, fixed: dict[Pair, Origin], cand: _Candidates, stats: dict[str, float]
) -> tuple[IntArray, IntArray]:
    n_e, n_m = len(a.mentees), len(a.mentors)
    taken = _Taken.of(a, fixed)
    rem_e = np.maximum(a.e_cap - taken.mentee, 0)
    rem_m = np.maximum(a.m_cap - taken.mentor, 0)
    # Drop candidates whose ends have no spare capacity (late mode, pins).
    keep = (rem_e[cand.mentee] > 0) & (rem_m[cand.mentor] > 0)
    ce, cm, cp = cand.mentee[keep], cand.mentor[keep], cand.points[keep]
    if len(ce) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy()
    live_e, live_m = _present(ce, n_e), _present(cm, n_m)
    a_w, b_w, c_w = _weights(cp, len(live_m), a.repeat_penalty)

    source, sink = 0, 1
    mentee_node = 2 + np.arange(n_e, dtype=np.int64)
    mentor_node = 2 + n_e + np.arange(n_m, dtype=np.int64)
    variety = _variety(a, ce, cm, taken, mentee_node, 2 + n_e + n_m)
    arcs = _Arcs()
    # Match arcs first, so their arc ids are 0..len(ce)-1.
    arcs.add(variety.match_tails, mentor_node[cm], np.ones(len(ce), dtype=np.int64), -cp)
    _variety_arcs(arcs, variety, a.repeat_penalty)
    first, more, places = _slots(live_e, taken.mentee, rem_e)
    arcs.add(
        np.full(len(first), source),
        mentee_node[first],
        np.ones(len(first), np.int64),
        np.full(len(first), -(a_w + c_w)),
    )
    arcs.add(np.full(len(more), source), mentee_node[more], places, np.full(len(more), -c_w))
    first, more, places = _slots(live_m, taken.mentor, rem_m)
    arcs.add(
        mentor_node[first],
        np.full(len(first), sink),
        np.ones(len(first), np.int64),
        np.full(len(first), -b_w),
    )
    arcs.add(mentor_node[more], np.full(len(more), sink), places, np.zeros(len(more), np.int64))
    supply = int(min(rem_e[live_e].sum(), rem_m[live_m].sum()))
    arcs.add(np.array([source]), np.array([sink]), np.array([supply]), np.array([0]))  # bypass
    used = _min_cost_flow(arcs, source, sink, supply, len(ce), stats)
    return ce[used], cm[used]


def _min_cost_flow(
    arcs: _Arcs, source: int, sink: int, supply: int, n_match: int, stats: dict[str, float]
) -> BoolArray:
    """Solve exactly; which of the first `n_match` arcs (the match arcs) carry flow."""
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        arcs.column(0, np.int32),
        arcs.column(1, np.int32),
        arcs.column(2, np.int64),
        arcs.column(3, np.int64),
    )
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise MatchingError(f"the min-cost flow solver stopped with status {status}")
    stats["arcs"] = float(flow.num_arcs())
    stats["nodes"] = float(flow.num_nodes())
    used: BoolArray = flow.flows(np.arange(n_match, dtype=np.int32)) > 0
    return used
