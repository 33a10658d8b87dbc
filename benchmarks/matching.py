"""Matching benchmark: speed, memory, coverage, score, and the pruning gap.

    python -m benchmarks.matching            # everything (about three minutes)
    python -m benchmarks.matching --quick    # skip the 10,000 exact solve and 50,000

Each case runs in a fresh Python process so its peak memory (resident set size, from
``resource.getrusage``; it includes the interpreter and imported libraries, about 100 MB)
is its own. Times cover the solve only (building the problem from the generator is
printed separately). Targets from issue 6: an exact 2,000-person round in under 2 s;
50,000 people in under 60 s and 2 GB.

The pruning gap is measured against the exact optimum wherever the exact solve fits
(up to 10,000 people, including rounds with scarce mentors where coverage is contested).
At 50,000 people the exact solve would need about 90 million candidate pairs, so the
gap is measured against upper bounds instead: a mentee (mentor) can only be matched if
they have an eligible partner, introductions cannot exceed either side's usable
capacity, and the score cannot exceed each mentee's best ``max_mentors`` pair points.
When the pruned result reaches the first three bounds its coverage is provably optimal.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import Counter
from typing import Any

import numpy as np
from ortools.graph.python import max_flow

from benchmarks._generate import generate_round
from service.matching import MatchProblem, Objective, Pruning, match
from service.matching.pruned import _Arrays, _Blocks, _concat, _group

WIDE = Pruning(per_mentee=96, per_mentor=48)
"""Four times the default candidates: how much score the default pruning leaves behind."""

SCENARIOS: dict[str, dict[str, Any]] = {
    "typical": {},
    "scarce": {"mentor_share": 0.2, "mentor_capacity": 2},
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _aggregated_max_flow(problem: MatchProblem, mentee_unit: bool, mentor_unit: bool) -> int:
    """Max flow between (grade, department) groups, ignoring forbidden pairs.

    Every mentee sends at most 1 (``mentee_unit``) or ``max_mentors``; every mentor takes
    at most 1 (``mentor_unit``) or ``capacity``; two groups exchange at most one unit per
    pair of people. A relaxation of the real problem, so an upper bound.
    """
    rules = problem.rules
    e_groups: Counter[tuple[int, str]] = Counter()
    e_supply: Counter[tuple[int, str]] = Counter()
    for e in problem.mentees:
        e_groups[(e.grade_rank, e.department)] += 1
        e_supply[(e.grade_rank, e.department)] += (
            min(1, e.max_mentors) if mentee_unit else e.max_mentors
        )
    m_groups: Counter[tuple[int, str]] = Counter()
    m_take: Counter[tuple[int, str]] = Counter()
    for m in problem.mentors:
        m_groups[(m.grade_rank, m.department)] += 1
        m_take[(m.grade_rank, m.department)] += min(1, m.capacity) if mentor_unit else m.capacity
    e_keys, m_keys = sorted(e_groups), sorted(m_groups)
    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    e_node = {k: 2 + i for i, k in enumerate(e_keys)}
    m_node = {k: 2 + len(e_keys) + i for i, k in enumerate(m_keys)}
    for k in e_keys:
        flow.add_arc_with_capacity(source, e_node[k], e_supply[k])
    for k in m_keys:
        flow.add_arc_with_capacity(m_node[k], sink, m_take[k])
    for ke in e_keys:
        for km in m_keys:
            gap = km[0] - ke[0]
            if rules.grade_gap_min <= gap <= rules.grade_gap_max and km[1] != ke[1]:
                flow.add_arc_with_capacity(e_node[ke], m_node[km], e_groups[ke] * m_groups[km])
    if flow.solve(source, sink) != flow.OPTIMAL:
        raise RuntimeError("max flow failed")
    return int(flow.optimal_flow())


def upper_bounds(problem: MatchProblem) -> Objective:
    """Bounds on (a, b, c, d) that hold for every valid matching (no fixed pairs).

    a, b and c are aggregated max flows (see `_aggregated_max_flow`); d is the sum of
    each mentee's best ``max_mentors`` pair points, ignoring mentor capacity (loose).
    """
    a = _Arrays.of(problem)
    excluded: dict[int, list[int]] = {}
    for mentor_id, mentee_id in problem.forbidden:
        excluded.setdefault(a.e_index[mentee_id], []).append(a.m_index[mentor_id])
    blocks = _Blocks(a, excluded)
    e_by_grade = _group(a.e_grade, blocks.e_live)
    m_by_grade = _group(a.m_grade, blocks.m_live)
    best_e = np.zeros(len(a.mentees), dtype=np.int64)
    for grade, rows_all in e_by_grade.items():
        cols = _concat([m_by_grade.get(grade + g) for g in range(a.gap_min, a.gap_max + 1)])
        if len(cols) == 0:
            continue
        step = max(1, 2_000_000 // len(cols))
        for start in range(0, len(rows_all), step):
            rows = rows_all[start : start + step]
            points, valid = blocks.block(rows, cols)
            masked = np.where(valid, points, np.iinfo(np.int64).min // 4)
            caps = a.e_cap[rows]
            k = int(min(caps.max(initial=0), len(cols)))
            if k == 0:
                continue
            top = -np.sort(-masked, axis=1)[:, :k]
            take = np.arange(k)[None, :] < np.minimum(caps, valid.sum(axis=1))[:, None]
            best_e[rows] += np.where(take, top, 0).sum(axis=1)
    return Objective(
        mentees_matched=_aggregated_max_flow(problem, mentee_unit=True, mentor_unit=False),
        mentors_matched=_aggregated_max_flow(problem, mentee_unit=False, mentor_unit=True),
        introductions=_aggregated_max_flow(problem, mentee_unit=False, mentor_unit=False),
        score=int(best_e.sum()),
    )


def run_case(people: int, scenario: str, mode: str, seed: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    problem = generate_round(people, seed=seed, **SCENARIOS[scenario]).problem
    build = time.perf_counter() - t0
    pruning = {"exact": None, "wide": WIDE}.get(mode, Pruning())
    result = match(problem, pruning=pruning)
    out: dict[str, Any] = {
        "people": people,
        "scenario": scenario,
        "mode": mode,
        "mentees": len(problem.mentees),
        "mentors": len(problem.mentors),
        "build_s": build,
        "solve_s": result.seconds,
        "candidates_s": result.stats.get("candidates_seconds", 0.0),
        "flow_s": result.stats.get("solve_seconds", 0.0),
        "arcs": result.stats.get("arcs", 0.0),
        "candidates": result.candidates_considered,
        "objective": list(_tuple(result.objective)),
        "peak_rss_mb": _peak_rss_mb(),
    }
    if mode == "bounds":
        t1 = time.perf_counter()
        out["bounds"] = list(_tuple(upper_bounds(problem)))
        out["bounds_s"] = time.perf_counter() - t1
    return out


def _tuple(o: Objective) -> tuple[int, int, int, int]:
    return (o.mentees_matched, o.mentors_matched, o.introductions, o.score)


def _in_subprocess(people: int, scenario: str, mode: str, seed: int) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.matching",
        "--case",
        str(people),
        scenario,
        mode,
        "--seed",
        str(seed),
    ]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _fmt_obj(o: list[int]) -> str:
    return f"{o[0]:>6} {o[1]:>6} {o[2]:>6} {o[3]:>9}"


def _gap(pruned: list[int], exact: list[int]) -> str:
    parts = [f"{p - e:+d}" for p, e in zip(pruned[:3], exact[:3], strict=True)]
    score = 100 * (pruned[3] - exact[3]) / exact[3] if exact[3] else 0.0
    return " ".join(parts) + f" {score:+.3f}%"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--case", nargs=3, metavar=("PEOPLE", "SCENARIO", "MODE"))
    args = parser.parse_args()
    if args.case:
        people, scenario, mode = int(args.case[0]), args.case[1], args.case[2]
        print(json.dumps(run_case(people, scenario, mode, args.seed)))
        return

    header = (
        f"{'people':>7} {'scenario':<8} {'mode':<7} {'mentees':>7} {'mentors':>7}"
        f" {'seconds':>8} {'peak MB':>8} {'pairs':>9}  {'a':>6} {'b':>6} {'c':>6} {'score':>9}"
    )
    print("a = mentees with a mentor, b = mentors with a mentee, c = introductions")
    print(header)
    print("-" * len(header))

    def show(r: dict[str, Any]) -> None:
        print(
            f"{r['people']:>7} {r['scenario']:<8}"
            f" {'pruned' if r['mode'] == 'bounds' else r['mode']:<7} {r['mentees']:>7}"
            f" {r['mentors']:>7} {r['solve_s']:>8.2f} {r['peak_rss_mb']:>8.0f}"
            f" {r['candidates']:>9}  {_fmt_obj(r['objective'])}"
        )

    gaps: list[str] = []
    plan = [(2000, "typical"), (2000, "scarce"), (5000, "typical"), (5000, "scarce")]
    if not args.quick:
        plan.append((10000, "typical"))
    for people, scenario in plan:
        exact = _in_subprocess(people, scenario, "exact", args.seed)
        pruned = _in_subprocess(people, scenario, "pruned", args.seed)
        show(exact)
        show(pruned)
        gaps.append(
            f"{people:>7} {scenario:<8}  pruned - exact (a b c score): "
            f"{_gap(pruned['objective'], exact['objective'])}"
        )
    if not args.quick:
        for scenario in ("typical", "scarce"):
            big = _in_subprocess(50000, scenario, "bounds", args.seed)
            show(big)
            wide = _in_subprocess(50000, scenario, "wide", args.seed)
            show(wide)
            gaps.append(
                f"{50000:>7} {scenario:<8}  pruned - 4x wider pruning (a b c score): "
                f"{_gap(big['objective'], wide['objective'])}"
            )
            gaps.append(
                f"{50000:>7} {scenario:<8}  pruned - upper bound (a b c score): "
                f"{_gap(big['objective'], big['bounds'])}"
                f"  (bound {_fmt_obj(big['bounds']).strip()}; bound computed in"
                f" {big['bounds_s']:.1f} s)"
            )
    print()
    print(f"Pruning gap (per_mentee={Pruning().per_mentee}, per_mentor={Pruning().per_mentor}):")
    for line in gaps:
        print(line)


if __name__ == "__main__":
    main()
