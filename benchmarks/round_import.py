"""Benchmark: `mentoring round import` of a generated Microsoft Forms export.

Run: python -m benchmarks.round_import [--rows 1000]
Writes a Microsoft Forms export of `--rows` people in its real column layout (the tool's
`ID, Start time, Completion time, Email, Name, Last modified time`, then the questions),
with the answers people really give ("anonymous" in the tool's Email column, "Any" and "No
preference" for the profession of interest, "Analysis", "HR", "DDaT", an unknown
profession), and times `round import --dry-run` and the real import, each a fresh process
as a coordinator's would be: wall and CPU time, and how many rows were read.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADERS = [
    "ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
    "Your Civil Service email address", "Your first name", "Your last name",
    "Do you want to be a mentor, a mentee or both?", "Your department or agency", "Your grade",
    "Your profession", "Which profession would you like your mentor to be from?",
    "I confirm I am eligible to take part", "I agree to the code of conduct and privacy notice",
]  # fmt: skip
PROFESSIONS = ["Policy", "Analysis", "Analyst", "HR", "DDaT", "Operations", "Tax", "Astrology"]
INTEREST = ["Any", "No preference", "Not sure", "Policy", "Government Analysis Function", ""]
DEPARTMENTS = ["HMRC", "DWP", "MoJ", "Home Office", "Cabinet Office", "DfE", "MoD"]
GRADES = ["AO", "EO", "HEO", "SEO", "Grade 7", "G6", "SCS1"]


def write_export(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        for n in range(rows):
            grade = rng.choice(GRADES)
            role = "Mentee" if grade == "AO" else rng.choice(["Mentor", "Mentee", "Both"])
            address = f"person.{n}@{rng.choice(['hmrc', 'dwp', 'justice'])}.gov.uk"
            writer.writerow(
                [
                    n + 1, "5/18/26 9:02:11", "5/18/26 9:09:40", "anonymous", "anonymous", "",
                    address, f"First{n}", f"Last{n}", role, rng.choice(DEPARTMENTS), grade,
                    rng.choice(PROFESSIONS), rng.choice(INTEREST), "Yes", "Yes",
                ]
            )  # fmt: skip


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, its output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args[1:4])} failed: {done.stdout}{done.stderr}")
    return wall, cpu, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    args = parser.parse_args()
    mentoring = [str(Path(sys.executable).parent / "mentoring")]
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "MENTORING_HOME": str(Path(tmp) / "home")}
        for name in ("DATABASE_URL", "REDIS_URL", "MENTORING_CONFIG", "MENTORING_NOW"):
            env.pop(name, None)
        export = Path(tmp) / "export.csv"
        write_export(export, args.rows)
        timed([*mentoring, "init"], env)
        timed(
            [*mentoring, "--now", "2026-05-01T09:00", "round", "create", "2026",
             "--opens", "2026-05-17", "--closes", "2026-06-17"],
            env,
        )  # fmt: skip
        base = [*mentoring, "--now", "2026-05-20T09:00", "round", "import", "2026", str(export)]
        for label, extra in (("dry run", ["--dry-run"]), ("import", [])):
            wall, cpu, out = timed([*base, *extra], env)
            warnings = sum(1 for line in out.splitlines() if "not a profession we know" in line)
            said = next(line for line in out.splitlines() if "mport" in line and "registr" in line)
            print(
                f"{label}: {args.rows} rows (Microsoft Forms layout) in {wall:.2f} s wall,"
                f" {cpu:.2f} s CPU; {warnings} 'Other (…)' warnings; “{said[:60]}…”"
            )


if __name__ == "__main__":
    main()
