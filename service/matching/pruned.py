"""Candidate pruning for large rounds, vectorised with NumPy (see `service.matching.engine`).

Only a pruned solve imports this module (and NumPy with it): a round small enough to be
solved on every eligible pair, such as a 1,000-person round, never pays NumPy's import.
The scores here must agree with `service.matching.rules.pair_points`; the engine's tests
check pruned and exact solves against the rules on many random rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from service.matching.model import MatchProblem, Mentee, Mentor, Pair, Pruning

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_BLOCK_CELLS = 2_000_000  # cells of one mentee × mentor block (memory: ~30 bytes a cell)
_TIE_BITS = 12


def pruned_candidates(
    problem: MatchProblem, excluded: dict[int, list[int]], pruning: Pruning
) -> tuple[list[int], list[int], list[int]]:
    """Each pair the pruning keeps, once, sorted by (mentee index, mentor index): the
    mentee indices, mentor indices and pair points, as plain lists."""
    a = _Arrays.of(problem)
    blocks = _Blocks(a, excluded)
    e_by_grade = _group(a.e_grade, blocks.e_live)
    m_by_grade = _group(a.m_grade, blocks.m_live)
    found = _Found()
    _mentee_side(blocks, e_by_grade, m_by_grade, pruning, found)
    if pruning.per_mentor > 0:
        _mentor_side(blocks, e_by_grade, m_by_grade, pruning, found)
    e, m, points = found.unique(len(a.mentors))
    return e.tolist(), m.tolist(), points.tolist()


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


# --------------------------------------------------------------------------- candidates


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

    def unique(self, n_mentors: int) -> tuple[IntArray, IntArray, IntArray]:
        """Each pair once, sorted by (mentee, mentor): deterministic."""
        if not self.mentee:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty.copy(), empty.copy()
        all_e = np.concatenate(self.mentee)
        all_m = np.concatenate(self.mentor)
        all_p = np.concatenate(self.points)
        codes = all_e * max(1, n_mentors) + all_m
        _, first = np.unique(codes, return_index=True)
        return all_e[first], all_m[first], all_p[first]


def _mentee_side(
    blocks: _Blocks,
    e_by_grade: dict[int, IntArray],
    m_by_grade: dict[int, IntArray],
    pruning: Pruning,
    found: _Found,
) -> None:
    """Each mentee's best per_mentee candidates plus random ones (all, when that is every
    eligible mentor of its grade)."""
    a = blocks.a
    for grade, rows_all in e_by_grade.items():
        cols = _concat([m_by_grade.get(grade + g) for g in range(a.gap_min, a.gap_max + 1)])
        if len(cols) == 0:
            continue
        step = max(1, _BLOCK_CELLS // len(cols))
        for start in range(0, len(rows_all), step):
            rows = rows_all[start : start + step]
            points, valid = blocks.block(rows, cols)
            if pruning.per_mentee + pruning.random_per_mentee >= len(cols):
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
