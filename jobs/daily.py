"""The daily jobs as one object, for a caller that runs a simulated year's days itself
(`mentoring demo`, its tests and benchmarks): the worker's schedule runs the same two."""

from __future__ import annotations

from jobs.digest import send_digest
from jobs.time_rules import run_due
from service.demo.world import DailyJobs

DAILY = DailyJobs(rules=run_due, digest=send_digest)
