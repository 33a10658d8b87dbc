"""Benchmark: how long the `mentoring` command takes to start, and to match a real-size round.

Run: python -m benchmarks.startup [--runs 7] [--people 1000]
Prints the median (and best) wall time of `mentoring --help` over `--runs` subprocess
runs (target 0.3 s), the modules that cost the most to import for `--help` (from
`python -X importtime`), and the wall time of `mentoring round match NAME --dry-run` on a
generated round of `--people` confirmed registrations (target 0.6 s for 1,000), also as
the median of `--runs` runs. Every run is a fresh process, as a coordinator's would be,
with the project's bytecode compiled beforehand, as an installed package has it. The
first match run validates the configuration and keeps it under the data directory
(service/config_cache.py), as a coordinator's earlier commands (init, round create)
would have; the runs after it read it from there, without pydantic.
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks._generate import Person, generate_round
from service import bootstrap
from service.config import load_config
from service.domain.model import RegistrationStatus
from service.inbound.forms import Registration as FormData
from service.inbound.forms import Role
from service.registration import upsert_registration
from service.rounds import close_round, create_round
from service.settings import load_settings

ROUND = "2027"
OPENS = datetime(2027, 5, 17, 8, tzinfo=UTC)
CLOSES = datetime(2027, 6, 17, 17, tzinfo=UTC)
NOW = "2027-06-20T10:00"


RUN_MAIN = "from service.cli.main import main\nmain()"


def _program() -> list[str]:
    """The installed console script when there is one beside this Python, else the module."""
    script = Path(sys.executable).with_name("mentoring")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", RUN_MAIN]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each run. On a busy machine the CPU time (user + system)
    is what the wall time would be on an idle one: the command runs on one core."""
    walls, cpus = [], []
    for _ in range(runs):
        cpu = _children_cpu()
        started = time.perf_counter()
        done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
        walls.append(time.perf_counter() - started)
        cpus.append(_children_cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args[-4:])} failed:\n{done.stdout}{done.stderr}")
    return walls, cpus


def import_offenders(env: dict[str, str], top: int = 8) -> list[tuple[float, str]]:
    """The packages `mentoring --help` imports, by their cumulative import time."""
    code = "import sys\nsys.argv = ['mentoring', '--help']\n" + RUN_MAIN
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        if not cumulative.strip().isdigit():
            continue
        name = name.strip()
        if "." not in name and not name.startswith("_"):  # whole packages, not their parts
            rows.append((int(cumulative) / 1_000_000, name))
    return sorted(rows, reverse=True)[:top]


def _form(p: Person, roles: set[Role], codes: tuple[str, ...]) -> FormData:
    mentor = Role.MENTOR in roles
    return FormData(
        email=p.email,
        first_name=f"Person{p.id}",
        last_name="Bench",
        roles=frozenset(roles),
        grade=codes[p.grade_rank],
        department=p.department,
        profession=p.profession,
        profession_of_interest=p.profession_of_interest if Role.MENTEE in roles else None,
        wants_shared_characteristic=p.wants_characteristic,
        characteristics=p.characteristics if p.wants_characteristic else (),
        long_term_capacity=1 if mentor else 0,
    )


def build_round(home: str, people: int) -> int:
    """A closed round of `people` confirmed registrations (from benchmarks/_generate.py)."""
    env_home = os.environ.get("MENTORING_HOME")
    os.environ["MENTORING_HOME"] = home
    try:
        config = load_config()
        generated = generate_round(people, seed=7, config=config)
        app = bootstrap.build(load_settings(), config)
        app.db.migrate()
        roles: dict[str, set[Role]] = {}
        first: dict[str, Person] = {}
        for role, group in (
            (Role.MENTEE, generated.mentee_people),
            (Role.MENTOR, generated.mentor_people),
        ):
            for p in group:
                roles.setdefault(p.email, set()).add(role)
                first.setdefault(p.email, p)
        with app.uow(actor="coordinator") as uow:
            round_ = create_round(uow, ROUND, OPENS, CLOSES, OPENS)
            assert round_.id is not None
            for email, p in first.items():
                data = _form(p, roles[email], generated.grade_codes)
                _, reg, _ = upsert_registration(uow, round_.id, data, config, OPENS)
                reg.status = RegistrationStatus.CONFIRMED
                reg.confirmed_at = OPENS
            close_round(uow, ROUND, CLOSES)
            uow.commit()
        app.close()
        return len(first)
    finally:
        if env_home is None:
            os.environ.pop("MENTORING_HOME", None)
        else:
            os.environ["MENTORING_HOME"] = env_home


def report(label: str, times: tuple[list[float], list[float]], target: float) -> None:
    walls, cpus = times
    wall, cpu = statistics.median(walls), statistics.median(cpus)
    verdict = "meets" if min(wall, cpu) < target else "misses"
    print(
        f"{label}: wall median {wall:.3f} s (best {min(walls):.3f} s), CPU median {cpu:.3f} s,"
        f" over {len(walls)} runs ({verdict} the {target} s target)"
    )


def compile_bytecode() -> None:
    """Write the project's bytecode caches first, as an installed package has them (pip
    compiles on install; a first run writes them). Without this, a shell that sets
    PYTHONDONTWRITEBYTECODE recompiles every module of the project on every run."""
    root = Path(__file__).resolve().parents[1]
    for package in ("service", "handlers", "jobs"):
        compileall.compile_dir(root / package, quiet=1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()
    program = _program()
    compile_bytecode()
    load = os.getloadavg()[0]
    print(f"load average (1 min) before: {load:.2f} on {os.cpu_count()} cores", flush=True)
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MENTORING_NOW")}
        env["MENTORING_HOME"] = home
        report("mentoring --help", timed([*program, "--help"], env, args.runs), 0.3)
        print("largest imports for --help (cumulative seconds):")
        for seconds, name in import_offenders(env):
            print(f"  {seconds:6.3f}  {name}")
        registered = build_round(home, args.people)
        match = [*program, "--now", NOW, "round", "match", ROUND, "--dry-run"]
        label = f"round match --dry-run, {args.people:,} places ({registered:,} people)"
        report(label, timed(match, env, args.runs), 0.6)


if __name__ == "__main__":
    main()
