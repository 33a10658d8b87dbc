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
(`benchmarks/matching.py`) measures that gap against the exact solve. Pruning scores tens of
millions of pairs, so it is vectorised with NumPy (`service.matching.pruned`, imported only
then); an exact round's pairs are scored here in plain Python, and both paths feed the same
network builder. The network goes to the solver one call per arc below `BULK_ARCS` (importing
NumPy would cost a 1,000-person dry run more than its whole solve) and as NumPy arrays above:
the same arcs in the same order either way, so the same result (tests/matching/
test_unchanged.py holds both to the results before either change, byte for byte).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, compress, count, islice, repeat
from operator import add, itemgetter, neg
from typing import Literal, cast

from service.matching.model import (
    Introduction,
    MatchProblem,
    MatchResult,
    MatchRules,
    Mentee,
    Mentor,
    Origin,
    Pair,
    PinNote,
    PinProblem,
    Pruning,
)
from service.matching.rules import Ineligible, evaluate, ineligibility
from service.matching.solver import min_cost_flow

BULK_ARCS = 150_000
"""From this many arcs (a 2,000-person round has about 280,000, a 1,000-person one 90,000)
the network is handed to the solver and read back in bulk, as NumPy arrays: importing
NumPy (~0.1 s) then costs less than a solver call per arc (~0.5 µs to add, ~0.3 µs to
read). Below it a dry run never loads NumPy."""

AUTO_EXACT_PAIRS = 4_000_000
"""With ``pruning="auto"``, rounds whose mentees × mentors is at most this are solved on
every eligible pair (2,000 people give about 940,000; 3,300 people about 4,000,000);
bigger rounds are pruned."""


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
    people = _People.of(problem)
    fixed, pin_problems, pin_notes = _fixed_pairs(problem, people)
    stats: dict[str, float] = {}

    t0 = time.perf_counter()
    cand = _candidates(problem, people, fixed, pruning)
    stats["candidates_seconds"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    chosen = _solve(people, fixed, cand, stats)
    stats["solve_seconds"] = time.perf_counter() - t0

    intros: list[Introduction] = []
    for pair, origin in sorted(fixed.items()):
        intros.append(Introduction(pair[0], pair[1], origin))
    for e, m in chosen:
        intros.append(Introduction(people.mentors[m].id, people.mentees[e].id, Origin.MATCHED))
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


# --------------------------------------------------------------------------- people


@dataclass
class _People:
    """The round's people by index (their position in the problem), with what the network
    needs of them."""

    mentees: Sequence[Mentee]
    mentors: Sequence[Mentor]
    e_index: dict[int, int]
    m_index: dict[int, int]
    e_cap: list[int]
    m_cap: list[int]
    m_prof: list[int]  # profession code or -1 (an unknown profession never repeats)
    repeat_penalty: int  # P >= 0

    @classmethod
    def of(cls, p: MatchProblem) -> _People:
        # Professions are numbered in order of first mention, the mentees' professions of
        # interest first: the [mentee, profession] nodes are numbered in that order, and the
        # solver's choice among equally good matchings depends on the network's numbering.
        profs: dict[str, int] = {}
        for e in p.mentees:
            if e.profession_of_interest is not None:
                profs.setdefault(e.profession_of_interest, len(profs))
        return cls(
            mentees=p.mentees,
            mentors=p.mentors,
            e_index={m.id: i for i, m in enumerate(p.mentees)},
            m_index={m.id: i for i, m in enumerate(p.mentors)},
            e_cap=[max(0, m.max_mentors) for m in p.mentees],
            m_cap=[max(0, m.capacity) for m in p.mentors],
            m_prof=[
                -1 if m.profession is None else profs.setdefault(m.profession, len(profs))
                for m in p.mentors
            ],
            repeat_penalty=-p.rules.repeated_profession,
        )


def _fixed_pairs(
    problem: MatchProblem, a: _People
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


def _committed(problem: MatchProblem, a: _People) -> dict[Pair, Origin]:
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
    problem: MatchProblem, a: _People, pair: Pair, used_e: Counter[int], used_m: Counter[int]
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


def _pin_note(problem: MatchProblem, a: _People, pair: Pair) -> str | None:
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
    """Candidate pairs, each once, sorted by (mentee index, mentor index)."""

    mentee: list[int] = field(default_factory=list)
    mentor: list[int] = field(default_factory=list)
    points: list[int] = field(default_factory=list)


def _candidates(
    problem: MatchProblem, people: _People, fixed: dict[Pair, Origin], pruning: Pruning | None
) -> _Candidates:
    excluded: dict[int, list[int]] = {}
    for mentor_id, mentee_id in problem.forbidden | fixed.keys():
        e, m = people.e_index.get(mentee_id), people.m_index.get(mentor_id)
        if e is not None and m is not None:
            excluded.setdefault(e, []).append(m)
    if pruning is None:
        return _every_eligible_pair(problem, excluded)
    from service.matching.pruned import pruned_candidates  # NumPy: only big rounds pay it

    return _Candidates(*pruned_candidates(problem, excluded, pruning))


@dataclass
class _Column:
    """The mentors with places that mentees of one grade may meet (the grade gap rule), in
    index order, with what scoring needs of them: a mentee's points start from the grade
    gap's, and only the positions of mentors from its profession of interest, or sharing a
    characteristic with it, change. Built once per grade, not once per mentee."""

    mentors: list[int] = field(default_factory=list)
    gap_points: list[int] = field(default_factory=list)
    departments: list[str] = field(default_factory=list)
    by_profession: dict[str | None, list[int]] = field(default_factory=dict)
    by_characteristic: dict[str, list[int]] = field(default_factory=dict)  # points only
    # Per mentee department: the mentors from other departments, and the function picking
    # their positions out of a row.
    _others: dict[str, tuple[list[int], _Picker]] = field(default_factory=dict)

    @classmethod
    def of(cls, problem: MatchProblem, grade: int) -> _Column:
        rules = problem.rules
        column = cls()
        for j, m in enumerate(problem.mentors):
            gap = m.grade_rank - grade
            if m.capacity <= 0 or not rules.grade_gap_min <= gap <= rules.grade_gap_max:
                continue
            k = len(column.mentors)
            column.mentors.append(j)
            column.gap_points.append(rules.gap_points(gap))
            column.departments.append(m.department)
            column.by_profession.setdefault(m.profession, []).append(k)
            for c in m.characteristics:
                column.by_characteristic.setdefault(c, []).append(k)
        return column

    def others(self, department: str) -> tuple[list[int], _Picker]:
        """The mentors a mentee of this department may meet (the department rule), and
        the function picking their positions out of a row of the column."""
        found = self._others.get(department)
        if found is None:
            keep = [k for k, d in enumerate(self.departments) if d != department]
            found = self._others[department] = [self.mentors[k] for k in keep], _picker(keep)
        return found


_Picker = Callable[[list[int]], tuple[int, ...]]


def _picker(positions: list[int]) -> _Picker:
    """A row's values at these positions, as a tuple: `itemgetter` (C speed) for two or
    more positions, where it gives a tuple (for one it gives the bare value)."""
    if len(positions) >= 2:
        return cast(_Picker, itemgetter(*positions))
    return lambda row: tuple(row[k] for k in positions)


def _row_points(column: _Column, mentee: Mentee, rules: MatchRules) -> list[int]:
    """`service.matching.rules.pair_points` of the mentee with every mentor of the column."""
    points = column.gap_points.copy()
    if mentee.profession_of_interest is not None:
        for k in column.by_profession.get(mentee.profession_of_interest, ()):
            points[k] += rules.profession_of_interest
    if mentee.wants_characteristic:
        shared: set[int] = set()
        for c in mentee.characteristics:
            shared.update(column.by_characteristic.get(c, ()))
        for k in shared:
            points[k] += rules.shared_characteristic
    return points


def _every_eligible_pair(problem: MatchProblem, excluded: dict[int, list[int]]) -> _Candidates:
    """The exact solve's candidates: every eligible pair with its points, a row at a time
    from the mentee's grade's `_Column` (a 2,000-person round has hundreds of thousands of
    pairs, a Python loop per pair cost more than the solver's calls)."""
    columns: dict[int, _Column] = {}
    out = _Candidates()
    for i, e in enumerate(problem.mentees):
        if e.max_mentors <= 0:
            continue
        column = columns.get(e.grade_rank)
        if column is None:
            column = columns[e.grade_rank] = _Column.of(problem, e.grade_rank)
        mentors, pick = column.others(e.department)
        if not mentors:
            continue
        points = pick(_row_points(column, e, problem.rules))
        skip = excluded.get(i)
        if skip:  # forbidden or fixed pairs: rare
            kept = [k for k, j in enumerate(mentors) if j not in skip]
            mentors, points = [mentors[k] for k in kept], tuple(points[k] for k in kept)
        out.mentee += repeat(i, len(mentors))
        out.mentor += mentors
        out.points += points
    return out


# --------------------------------------------------------------------------- flow


@dataclass
class _Taken:
    """What committed and pinned introductions already use, by mentee and mentor index."""

    mentee: list[int]
    mentor: list[int]
    professions: set[tuple[int, int]]  # (mentee index, profession code) already introduced

    @classmethod
    def of(cls, a: _People, fixed: dict[Pair, Origin]) -> _Taken:
        taken = cls([0] * len(a.mentees), [0] * len(a.mentors), set())
        for mentor_id, mentee_id in fixed:
            e, m = a.e_index[mentee_id], a.m_index[mentor_id]
            taken.mentee[e] += 1
            taken.mentor[m] += 1
            if a.m_prof[m] >= 0:
                taken.professions.add((e, a.m_prof[m]))
        return taken


@dataclass
class _Network:
    """The network's arcs in the order they are added (the solver's arc ids)."""

    tail: list[int] = field(default_factory=list)
    head: list[int] = field(default_factory=list)
    cap: list[int] = field(default_factory=list)
    cost: list[int] = field(default_factory=list)

    def add(self, tail: int, head: int, cap: int, cost: int) -> None:
        self.tail.append(tail)
        self.head.append(head)
        self.cap.append(cap)
        self.cost.append(cost)


def _weights(points: list[int], active_mentors: int, penalty: int) -> tuple[int, int, int]:
    """A, B and C of the module docstring: lexicographic goals in 64-bit costs."""
    w_max = max(map(abs, points), default=0)
    d = (2 * active_mentors + 2) * w_max + (4 * active_mentors + 6) * penalty + 1
    c_w = d + 1
    b_w = c_w + d + 1
    return b_w + c_w + d + 1, b_w, c_w


def _rows(mentee: list[int]) -> list[tuple[int, int, int]]:
    """Each mentee's run of candidates as (mentee index, first, end): the candidates are
    sorted by mentee, and a Counter keeps the order it first saw them in."""
    runs = Counter(mentee)
    ends = list(accumulate(runs.values()))
    return list(zip(runs, [0, *ends[:-1]], ends, strict=True))


def _match_arcs(
    net: _Network,
    a: _People,
    cand: _Candidates,
    taken: _Taken,
    nodes: tuple[int, int],
    rows: list[tuple[int, int, int]],
) -> None:
    """The match arcs (ids 0..len-1), each from its mentee's node or, where the mentee could
    meet a mentor's profession more than once, from its ``[mentee, profession]`` node; then
    those nodes' entry arcs (`_entry_arcs`). Whole columns at once, with `map` over C
    functions rather than a Python loop per arc: a 1,000-person round has about 90,000
    match arcs, a 2,000-person one 250,000."""
    e_first, m_first = nodes  # node of mentee index 0, of mentor index 0
    n = len(cand.mentor)
    net.head += map(add, cand.mentor, repeat(m_first, n))
    net.cap += repeat(1, n)
    net.cost += map(neg, cand.points)
    if a.repeat_penalty <= 0:
        net.tail += map(add, cand.mentee, repeat(e_first, n))
        return
    # [mentee, profession] nodes, numbered after the mentors in (mentee, profession) order.
    next_node = m_first + len(a.mentors)
    groups: list[tuple[int, int, int, bool]] = []  # (mentee node, its node, arcs, taken?)
    held_by: dict[int, set[int]] = {}  # mentee index: professions already introduced
    for e, prof in taken.professions:
        held_by.setdefault(e, set()).add(prof)
    shapes: dict[tuple[int, ...], _RowShape] = {}
    for e, start, end in rows:
        own = e_first + e
        row = tuple(cand.mentor[start:end])
        shape = shapes.get(row)
        if shape is None:
            shape = shapes[row] = _RowShape.of(row, a.m_prof)
        held = held_by.get(e)
        chosen = shape.repeated if held is None else shape.needing_nodes(held)
        if not chosen:
            net.tail += repeat(own, end - start)
            continue
        node_of = dict(zip((p for p, _ in chosen), count(next_node)))
        net.tail += map(node_of.get, shape.professions, repeat(own))
        groups += ((own, node_of[p], n, held is not None and p in held) for p, n in chosen)
        next_node += len(chosen)
    _entry_arcs(net, groups, a.repeat_penalty)


@dataclass
class _RowShape:
    """What the variety nodes need of one run of mentors: every mentee of a grade and
    department (without forbidden pairs) has the same run, so it is worked out once."""

    professions: list[int]  # each mentor's profession code (-1: unknown)
    counts: list[tuple[int, int]]  # (known profession, mentors of it), by profession
    repeated: list[tuple[int, int]]  # those with two or more mentors: they need a node

    @classmethod
    def of(cls, row: tuple[int, ...], m_prof: list[int]) -> _RowShape:
        professions = list(map(m_prof.__getitem__, row))
        counts = sorted((p, n) for p, n in Counter(professions).items() if p >= 0)
        return cls(professions, counts, [(p, n) for p, n in counts if n >= 2])

    def needing_nodes(self, held: set[int]) -> list[tuple[int, int]]:
        """For a mentee with committed or pinned mentors of `held` professions: those
        need a node even for one more mentor (every unit of them pays the penalty)."""
        return [(p, n) for p, n in self.counts if n >= 2 or p in held]


def _entry_arcs(net: _Network, groups: list[tuple[int, int, int, bool]], penalty: int) -> None:
    """The ``[mentee, profession]`` nodes' entry arcs: for a profession not yet introduced
    the first unit free (all such arcs first) and the rest at the penalty; for one a
    committed or pinned mentor already has, every unit at the penalty."""
    fresh = [g for g in groups if not g[3]]
    again = [g for g in fresh if g[2] > 1]
    held = [g for g in groups if g[3]]
    for chosen, caps, cost in (
        (fresh, repeat(1, len(fresh)), 0),
        (again, [g[2] - 1 for g in again], penalty),
        (held, [g[2] for g in held], penalty),
    ):
        net.tail += [g[0] for g in chosen]
        net.head += [g[1] for g in chosen]
        net.cap += caps
        net.cost += repeat(cost, len(chosen))


def _slots(live: list[int], taken: list[int], spare: list[int]) -> list[tuple[int, int, bool]]:
    """One side's slot arcs as (index, capacity, first?): a first-introduction arc for each
    who has none yet, then one for everyone's further places."""
    out = [(i, 1, True) for i in live if taken[i] == 0]
    for i in live:
        rest = spare[i] - 1 if taken[i] == 0 else spare[i]
        if rest > 0:
            out.append((i, rest, False))
    return out


def _with_spare_places(cand: _Candidates, rem_e: list[int], rem_m: list[int]) -> _Candidates:
    """The candidates whose ends both have places left after the committed and pinned
    introductions (every candidate, when there are none)."""
    keep = _Candidates()
    for e, m, points in zip(cand.mentee, cand.mentor, cand.points, strict=True):
        if rem_e[e] > 0 and rem_m[m] > 0:
            keep.mentee.append(e)
            keep.mentor.append(m)
            keep.points.append(points)
    return keep


def _solve(
    a: _People, fixed: dict[Pair, Origin], cand: _Candidates, stats: dict[str, float]
) -> list[tuple[int, int]]:
    """The new introductions as (mentee index, mentor index), from one min-cost flow."""
    taken = _Taken.of(a, fixed)
    rem_e = [max(c - t, 0) for c, t in zip(a.e_cap, taken.mentee, strict=True)]
    rem_m = [max(c - t, 0) for c, t in zip(a.m_cap, taken.mentor, strict=True)]
    keep = _with_spare_places(cand, rem_e, rem_m) if fixed else cand
    if not keep.mentee:
        return []
    rows = _rows(keep.mentee)
    live_e, live_m = [e for e, _, _ in rows], sorted(set(keep.mentor))
    a_w, b_w, c_w = _weights(keep.points, len(live_m), a.repeat_penalty)
    source, sink, e_first, m_first = 0, 1, 2, 2 + len(a.mentees)
    net = _Network()
    _match_arcs(net, a, keep, taken, (e_first, m_first), rows)  # arc ids 0..len(keep)-1
    into: dict[int, list[int]] = {}  # mentee index: its slot arcs' ids
    for e, cap, first in _slots(live_e, taken.mentee, rem_e):
        into.setdefault(e, []).append(len(net.tail))
        net.add(source, e_first + e, cap, -(a_w + c_w) if first else -c_w)
    for m, cap, first in _slots(live_m, taken.mentor, rem_m):
        net.add(m_first + m, sink, cap, -b_w if first else 0)
    supply = min(sum(rem_e[e] for e in live_e), sum(rem_m[m] for m in live_m))
    net.add(source, sink, supply, 0)  # the bypass
    bulk = len(net.tail) >= BULK_ARCS
    flow = _min_cost_flow(net, source, sink, supply, stats, bulk=bulk)
    used = _bulk_used(flow, len(keep.mentee)) if bulk else _used_match_arcs(flow, rows, into)
    return [(keep.mentee[k], keep.mentor[k]) for k in used]


def _min_cost_flow(
    net: _Network, source: int, sink: int, supply: int, stats: dict[str, float], *, bulk: bool
) -> min_cost_flow.SimpleMinCostFlow:
    """Solve exactly. The arcs go to the solver in the same order either way (so the same
    network, and the same result): one call per arc, or in `bulk` as NumPy arrays."""
    flow = min_cost_flow.SimpleMinCostFlow()
    if bulk:
        import numpy as np

        flow.add_arcs_with_capacity_and_unit_cost(
            np.array(net.tail, dtype=np.int32),
            np.array(net.head, dtype=np.int32),
            np.array(net.cap, dtype=np.int64),
            np.array(net.cost, dtype=np.int64),
        )
    else:
        for _ in map(
            flow.add_arc_with_capacity_and_unit_cost, net.tail, net.head, net.cap, net.cost
        ):
            pass
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise MatchingError(f"the min-cost flow solver stopped with status {status}")
    stats["arcs"] = float(flow.num_arcs())
    stats["nodes"] = float(flow.num_nodes())
    return flow


def _used_match_arcs(
    flow: min_cost_flow.SimpleMinCostFlow,
    rows: list[tuple[int, int, int]],
    into: dict[int, list[int]],
) -> list[int]:
    """The match arcs that carry flow (each 0 or 1), mentee by mentee. A mentee's match
    arcs carry exactly what its slot arcs bring in (its ``[mentee, profession]`` nodes
    pass on all they receive), so its run is read only up to its last introduction:
    about a third fewer solver calls."""
    used: list[int] = []
    for e, start, end in rows:
        introductions = sum(map(flow.flow, into.get(e, ())))
        arcs = range(start, end)
        used += islice(compress(arcs, map(flow.flow, arcs)), introductions)
    return used


def _bulk_used(flow: min_cost_flow.SimpleMinCostFlow, n_match: int) -> list[int]:
    """The match arcs (ids 0..n_match-1) that carry flow, read in one call."""
    import numpy as np

    flows = flow.flows(np.arange(n_match, dtype=np.int32))
    return [int(k) for k in np.flatnonzero(flows)]
