"""The job functions RQ runs. Each is small, idempotent and safe on several workers.

Each run holds a Redis lock named for the job (see `jobs.locks`), so two workers never
run the same job at once; what a job sends is queued in the outbox under a dedupe key,
so even a run repeated after a crash sends nothing twice. A job that raises is retried
by RQ with backoff (see `jobs.queues`) and then kept in the failed registry with its
reason. Every run logs one line (job, outcome counts, seconds: never personal data) and
records when it finished for `mentoring jobs`.

Each job receives a `Runtime` (the App and the Redis) as its first argument: the RQ
worker performing it hands over its own (`jobs.queues.Worker`), so what is enqueued is
the function and its plain arguments only; the CLI and tests call them directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from jobs.runtime import Runtime, exclusive
from service import clock
from service.errors import MentoringError

log = logging.getLogger("mentoring.jobs")

DRAIN_SOON = "mentoring:drain-soon"
DEFERRED_AGAIN = timedelta(seconds=10)  # mail held back by the sending limit: look again


def _moment(now: str | None) -> datetime:
    return datetime.fromisoformat(now) if now else clock.now()


def skipped(report: dict[str, Any]) -> bool:
    """True when a run did nothing because another live worker was doing it."""
    return "skipped" in report


def summary(report: dict[str, Any]) -> str:
    """A run's outcome as counts, e.g. "fetched 3, new 3, processed 2"."""
    if skipped(report):
        return f"skipped: {report['skipped']}"
    parts = []
    for key, value in report.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v}" for k, v in value.items())
            parts.append(f"{key} ({inner})" if inner else f"{key} 0")
        else:
            parts.append(f"{key} {value}")
    return ", ".join(parts) or "nothing"


def _run(rt: Runtime, name: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    from jobs import scheduler

    started = time.monotonic()
    timeout = rt.app.config.schedule.lock_timeout_seconds
    try:
        with exclusive(rt, name, timeout) as held:
            if held:
                report = work()
            else:
                who = held.holder.describe() if held.holder else "unknown"
                report = {"skipped": f"another worker is running this job ({who})"}
    except MentoringError:
        raise  # a setting to fix (e.g. Redis unreachable): the caller shows it once
    except Exception as exc:
        failed = f"failed ({type(exc).__name__})"  # the type only: a message may quote mail
        log.error("%s: %s after %.2f s", name, failed, time.monotonic() - started)
        scheduler.record_run(rt.connection, name, clock.now(), failed)
        raise
    line = summary(report)
    log.info("%s: %s (%.2f s)", name, line, time.monotonic() - started)
    scheduler.record_run(rt.connection, name, clock.now(), line)
    return report


def _drain_soon(rt: Runtime, after: timedelta) -> None:
    """In a worker, have the outbox drained `after` from now instead of at its next
    scheduled minute: answers go out as soon as they are queued, and mail held back by
    the sending limit goes as soon as there is room. One such drain waits at a time."""
    from jobs.queues import JOB_TIMEOUT, queue, retry

    if not rt.in_worker:  # the CLI drains by itself
        return
    connection = rt.connection
    if not connection.set(DRAIN_SOON, "1", nx=True, px=int(after.total_seconds() * 1000) + 2000):
        return
    options: dict[str, Any] = {"retry": retry(rt.app.config), "job_timeout": JOB_TIMEOUT}
    if after:
        queue(connection).enqueue_in(after, drain_outbox, **options)
    else:
        queue(connection).enqueue(drain_outbox, **options)


def poll_mailbox(rt: Runtime) -> dict[str, Any]:
    """Fetch and handle every waiting message (the inbound pipeline, one pass)."""
    from service.pipeline import process_mailbox

    def work() -> dict[str, Any]:
        report = process_mailbox(rt.app)
        return {"fetched": report.fetched, "new": report.new, **report.outcomes}

    report = _run(rt, "poll-mailbox", work)
    if report.get("new"):
        _drain_soon(rt, timedelta(0))
    return report


def drain_outbox(rt: Runtime) -> dict[str, Any]:
    """Send what the outbox holds (each record is claimed before it is sent)."""
    from service.mail import outbox

    def work() -> dict[str, Any]:
        report = outbox.drain(rt.app.db, rt.app.transport, config=rt.app.config)
        return {"sent": report.sent, "failed": report.failed, "deferred": report.deferred}

    report = _run(rt, "drain-outbox", work)
    if report.get("deferred"):
        _drain_soon(rt, DEFERRED_AGAIN)
    return report


def run_due(rt: Runtime, now: str | None = None) -> dict[str, Any]:
    """Apply every time-based rule at `now` (ISO 8601; default: the clock)."""
    from jobs.time_rules import run_due as apply_rules

    def work() -> dict[str, Any]:
        report = apply_rules(rt.app, _moment(now))
        return {"queued": report.queued, "raced": report.raced, "failed": report.failed}

    return _run(rt, "run-due", work)


def daily_digest(rt: Runtime, now: str | None = None) -> dict[str, Any]:
    """The coordinators' digest, when there is something to tell them, and on its day
    of the week the programme-health email."""
    from jobs.digest import send_digest
    from jobs.health import send_health_report
    from jobs.queues import job_failures

    def work() -> dict[str, Any]:
        failures = job_failures(rt.connection)
        queued = send_digest(rt.app, _moment(now), failures)
        return {"queued": queued + send_health_report(rt.app, _moment(now))}

    return _run(rt, "digest", work)
