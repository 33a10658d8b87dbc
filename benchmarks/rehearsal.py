"""Benchmark: the demo's whole programme year at the real programme's size.

Run: python -m benchmarks.rehearsal [--people 1000] [--seed 2026]
Plays `mentoring demo --people N` in a temporary folder (every simulated day, the real
pipeline, jobs, SQLite and Maildir) and prints its wall time (target: under 2 minutes
for 1,000 people, under 30 s for 40), its CPU time (what the wall time would be on an
idle machine: the demo runs on one core), the process's peak memory (max RSS), how
much mail went each way, and the summary's mailbox peaks.
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import tempfile
import time
from pathlib import Path

from rich.console import Console

from jobs.daily import DAILY
from service.demo.run import mailbox_load, play


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores", flush=True)
    quiet = Console(file=io.StringIO())
    with tempfile.TemporaryDirectory() as directory:
        started, cpu = time.perf_counter(), time.process_time()
        outcome = play(Path(directory) / "demo", args.people, args.seed, None, quiet, daily=DAILY)
        wall, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    s = outcome.summary
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rehearsal, {args.people:,} people: {outcome.days} simulated days in {wall:.1f} s"
        f" wall, {cpu_used:.1f} s CPU; peak memory (max RSS) {peak:,.0f} MB"
    )
    print(
        f"  {sum(s.registrations.values()):,} registrations, {s.pairings_started:,} partnerships,"
        f" {sum(s.inbound.values()):,} messages received, {s.emails_sent:,} emails sent"
    )
    for label, text in mailbox_load(s):
        print(f"  {label}: {text}")
    if s.loose_ends:
        print("  loose ends: " + "; ".join(s.loose_ends))


if __name__ == "__main__":
    main()
