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
from typing import Literal

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
    fixed: dict[Pair, Origin] = {}
    for pair in sorted(problem.existing):
        mentor_id, mentee_id = pair
        if mentor_id not in a.m_index or mentee_id not in a.e_index:
            raise ValueError(
                f"committed introduction {pair} names someone not in this matching problem"
            )
        fixed[pair] = Origin.EXISTING
    used_e = Counter(p[1] for p in fixed)
    used_m = Counter(p[0] for p in fixed)
    problems: list[PinProblem] = []
    notes: list[PinNote] = []
    for pair in sorted(problem.pinned):
        mentor_id, mentee_id = pair
        if pair in fixed:
            continue
        if mentor_id not in a.m_index:
            problems.append(PinProblem(mentor_id, mentee_id, "the mentor is not in this round"))
            continue
        if mentee_id not in a.e_index:
            problems.append(PinProblem(mentor_id, mentee_id, "the mentee is not in this round"))
            continue
        mentee = a.mentees[a.e_index[mentee_id]]
        mentor = a.mentors[a.m_index[mentor_id]]
        if pair in problem.forbidden:
            problems.append(
                PinProblem(
                    mentor_id,
                    mentee_id,
                    "the pair is also forbidden (an earlier introduction, a coordinator"
                    " forbid, or the same person), and a forbid wins",
                )
            )
            continue
        if used_e[mentee_id] >= mentee.max_mentors:
            problems.append(
                PinProblem(
                    mentor_id,
                    mentee_id,
                    f"the mentee already has {used_e[mentee_id]} committed or pinned"
                    f" introductions, their most ({mentee.max_mentors})",
                )
            )
            continue
        if used_m[mentor_id] >= mentor.capacity:
            problems.append(
                PinProblem(
                    mentor_id,
                    mentee_id,
                    f"the mentor already has {used_m[mentor_id]} committed or pinned"
                    f" introductions, their capacity ({mentor.capacity})",
                )
            )
            continue
        fixed[pair] = Origin.PINNED
        used_e[mentee_id] += 1
        used_m[mentor_id] += 1
        why = ineligibility(mentee, mentor, problem.rules)
        if why is Ineligible.GRADE:
            notes.append(
                PinNote(mentor_id, mentee_id, "pinned although the grade gap rule is not met")
            )
        elif why is Ineligible.DEPARTMENT:
            notes.append(
                PinNote(mentor_id, mentee_id, "pinned although both are in the same department")
            )
    return fixed, problems, notes


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
        self.excluded_rows = np.array(sorted(excluded), dtype=np.int64)
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
            hit = np.flatnonzero(np.isin(rows, self.excluded_rows))
            for r in hit.tolist():
                for m in self.excluded[int(rows[r])]:
                    k = col_pos.get(m)
                    if k is not None:
                        valid[r, k] = False
        return points.astype(np.int64), valid


def _candidates(a: _Arrays, fixed: dict[Pair, Origin], pruning: Pruning | None) -> _Candidates:
    excluded: dict[int, list[int]] = {}
    for mentor_id, mentee_id in a.forbidden | fixed.keys():
        e, m = a.e_index.get(mentee_id), a.m_index.get(mentor_id)
        if e is not None and m is not None:
            excluded.setdefault(e, []).append(m)
    blocks = _Blocks(a, excluded)
    e_by_grade = _group(a.e_grade, blocks.e_live)
    m_by_grade = _group(a.m_grade, blocks.m_live)
    parts_e: list[IntArray] = []
    parts_m: list[IntArray] = []
    parts_p: list[IntArray] = []

    # Mentee side: every eligible pair (exact) or each mentee's best per_mentee.
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
            parts_e.append(rows[r])
            parts_m.append(cols[c])
            parts_p.append(points[r, c])

    # Mentor side (pruning only): each mentor's best per_mentor mentees.
    if pruning is not None and pruning.per_mentor > 0:
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
                parts_e.append(rows[r])
                parts_m.append(cols[c])
                parts_p.append(points[r, c])

    if not parts_e:
        empty = np.zeros(0, dtype=np.int64)
        return _Candidates(empty, empty.copy(), empty.copy())
    all_e = np.concatenate(parts_e)
    all_m = np.concatenate(parts_m)
    all_p = np.concatenate(parts_p)
    codes = all_e * max(1, len(a.mentors)) + all_m
    _, first = np.unique(codes, return_index=True)  # sorted by (mentee, mentor): deterministic
    return _Candidates(all_e[first], all_m[first], all_p[first])


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


def _solve(
    a: _Arrays, fixed: dict[Pair, Origin], cand: _Candidates, stats: dict[str, float]
) -> tuple[IntArray, IntArray]:
    n_e, n_m = len(a.mentees), len(a.mentors)
    used_e = np.zeros(n_e, dtype=np.int64)
    used_m = np.zeros(n_m, dtype=np.int64)
    fixed_prof: Counter[tuple[int, int]] = Counter()
    for mentor_id, mentee_id in fixed:
        e, m = a.e_index[mentee_id], a.m_index[mentor_id]
        used_e[e] += 1
        used_m[m] += 1
        if a.m_prof[m] >= 0:
            fixed_prof[(e, int(a.m_prof[m]))] += 1
    rem_e = np.maximum(a.e_cap - used_e, 0)
    rem_m = np.maximum(a.m_cap - used_m, 0)
    empty = np.zeros(0, dtype=np.int64)
    if len(cand.mentee) == 0:
        return empty, empty.copy()

    # Drop candidates whose ends have no spare capacity (late mode, pins).
    keep = (rem_e[cand.mentee] > 0) & (rem_m[cand.mentor] > 0)
    ce, cm, cp = cand.mentee[keep], cand.mentor[keep], cand.points[keep]
    if len(ce) == 0:
        return empty, empty.copy()

    pen = a.repeat_penalty
    active_m = np.unique(cm)
    w_max = int(np.abs(cp).max()) if len(cp) else 0
    d = (2 * len(active_m) + 2) * w_max + (4 * len(active_m) + 6) * pen + 1
    c_w = d + 1
    b_w = c_w + d + 1
    a_w = b_w + c_w + d + 1

    source, sink = 0, 1
    mentee_node = 2 + np.arange(n_e, dtype=np.int64)
    mentor_node = 2 + n_e + np.arange(n_m, dtype=np.int64)
    next_node = 2 + n_e + n_m

    tails: list[IntArray] = []
    heads: list[IntArray] = []
    caps: list[IntArray] = []
    costs: list[IntArray] = []

    def add(t: IntArray, h: IntArray, cap: IntArray, cost: IntArray) -> None:
        tails.append(t)
        heads.append(h)
        caps.append(cap)
        costs.append(cost)

    # Match arcs first, so their arc ids are 0..len(ce)-1.
    tail_of_match = mentee_node[ce].copy()
    if pen > 0:
        prof = a.m_prof[cm]
        has_prof = prof >= 0
        n_prof = int(max(a.m_prof.max(initial=-1), 0)) + 1
        key = ce * n_prof + np.where(has_prof, prof, 0)
        keys_with = key[has_prof]
        uniq, inverse, counts = np.unique(keys_with, return_inverse=True, return_counts=True)
        u_e = uniq // n_prof
        u_p = uniq % n_prof
        already = np.array(
            [fixed_prof.get((int(e), int(p)), 0) for e, p in zip(u_e, u_p, strict=True)],
            dtype=np.int64,
        ).reshape(-1)
        needs_node = (counts >= 2) | (already > 0)
        group_node = np.full(len(uniq), -1, dtype=np.int64)
        group_node[needs_node] = next_node + np.arange(int(needs_node.sum()), dtype=np.int64)
        next_node += int(needs_node.sum())
        via = group_node[inverse]
        idx_with = np.flatnonzero(has_prof)
        routed = via >= 0
        tail_of_match[idx_with[routed]] = via[routed]
    add(tail_of_match, mentor_node[cm], np.ones(len(ce), dtype=np.int64), -cp)
    n_match = len(ce)

    if pen > 0:
        g = np.flatnonzero(needs_node)
        g_node = group_node[g]
        g_e = mentee_node[u_e[g]]
        g_cnt = counts[g]
        g_already = already[g] > 0
        fresh = ~g_already
        # first unit free, the rest at the penalty; all at the penalty if already present
        add(
            g_e[fresh],
            g_node[fresh],
            np.ones(int(fresh.sum()), dtype=np.int64),
            np.zeros(int(fresh.sum()), dtype=np.int64),
        )
        more = fresh & (g_cnt > 1)
        add(g_e[more], g_node[more], g_cnt[more] - 1, np.full(int(more.sum()), pen))
        add(g_e[g_already], g_node[g_already], g_cnt[g_already], np.full(int(g_already.sum()), pen))

    live_e = np.unique(ce)
    live_m = active_m
    first_e = live_e[used_e[live_e] == 0]
    later_e = live_e[used_e[live_e] > 0]
    add(
        np.full(len(first_e), source),
        mentee_node[first_e],
        np.ones(len(first_e), np.int64),
        np.full(len(first_e), -(a_w + c_w)),
    )
    rest = np.where(used_e[live_e] == 0, rem_e[live_e] - 1, rem_e[live_e])
    has_rest = rest > 0
    add(
        np.full(int(has_rest.sum()), source),
        mentee_node[live_e[has_rest]],
        rest[has_rest],
        np.full(int(has_rest.sum()), -c_w),
    )
    del later_e
    first_m = live_m[used_m[live_m] == 0]
    add(
        mentor_node[first_m],
        np.full(len(first_m), sink),
        np.ones(len(first_m), np.int64),
        np.full(len(first_m), -b_w),
    )
    rest_m = np.where(used_m[live_m] == 0, rem_m[live_m] - 1, rem_m[live_m])
    has_rest_m = rest_m > 0
    add(
        mentor_node[live_m[has_rest_m]],
        np.full(int(has_rest_m.sum()), sink),
        rest_m[has_rest_m],
        np.zeros(int(has_rest_m.sum()), np.int64),
    )
    supply = int(min(rem_e[live_e].sum(), rem_m[live_m].sum()))
    add(np.array([source]), np.array([sink]), np.array([supply]), np.array([0]))

    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise MatchingError(f"the min-cost flow solver stopped with status {status}")
    stats["arcs"] = float(flow.num_arcs())
    stats["nodes"] = float(flow.num_nodes())
    used = flow.flows(np.arange(n_match, dtype=np.int32)) > 0
    return ce[used], cm[used]
