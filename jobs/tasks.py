"""The job functions RQ runs. Each is small, idempotent and safe on several workers.

Each run holds a Redis lock named for the job, so two workers never run the same job
at once; what a job sends is queued in the outbox under a dedupe key, so even a run
repeated after a crash sends nothing twice. A job that raises is retried by RQ with
backoff (see `jobs.queues`) and then kept in the failed registry with its reason.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobs import runtime
from service import clock
from service.mail import outbox
from service.pipeline import process_mailbox

SKIPPED = {"skipped": "another worker is running this job"}


def _moment(now: str | None) -> datetime:
    return datetime.fromisoformat(now) if now else clock.now()


def _lock_timeout() -> int:
    return runtime.app().config.schedule.lock_timeout_seconds


def poll_mailbox() -> dict[str, Any]:
    """Fetch and handle every waiting message (the inbound pipeline, one pass)."""
    app = runtime.app()
    with runtime.exclusive("poll-mailbox", _lock_timeout()) as mine:
        if not mine:
            return SKIPPED
        report = process_mailbox(app)
        return {"fetched": report.fetched, "new": report.new, **report.outcomes}


def drain_outbox() -> dict[str, Any]:
    """Send what the outbox holds (each record is claimed before it is sent)."""
    app = runtime.app()
    with runtime.exclusive("drain-outbox", _lock_timeout()) as mine:
        if not mine:
            return SKIPPED
        report = outbox.drain(app.db, app.transport)
        return {"sent": report.sent, "failed": report.failed, "deferred": report.deferred}


def run_due(now: str | None = None) -> dict[str, Any]:
    """Apply every time-based rule at `now` (ISO 8601; default: the clock)."""
    from jobs.due import run_due as apply_rules

    app = runtime.app()
    with runtime.exclusive("run-due", _lock_timeout()) as mine:
        if not mine:
            return SKIPPED
        report = apply_rules(app, _moment(now))
        return {"queued": report.queued, "raced": report.raced, "failed": report.failed}


def daily_digest(now: str | None = None) -> dict[str, Any]:
    """The coordinators' digest, when there is something to tell them, and on its day
    of the week the programme-health email."""
    from jobs.digest import send_digest
    from jobs.health import send_health_report
    from jobs.queues import job_failures

    app = runtime.app()
    with runtime.exclusive("digest", _lock_timeout()) as mine:
        if not mine:
            return SKIPPED
        failures = job_failures(runtime.connection())
        queued = send_digest(app, _moment(now), failures)
        return {"queued": queued + send_health_report(app, _moment(now))}


def daily(now: str | None = None) -> dict[str, Any]:
    """The scheduler's daily dispatcher: run the rules, then the digest, once a day each,
    at or after their configured local time. Run often; it acts once per day."""
    from jobs.schedule import daily_due

    moment = _moment(now)
    app = runtime.app()
    redis = runtime.connection()
    done: dict[str, Any] = {}
    for name, job in (("run-due", run_due), ("digest", daily_digest)):
        day = daily_due(app.config, name, moment)
        if day is None:
            continue
        marker = f"mentoring:daily:{name}:{day.isoformat()}"
        if redis.exists(marker):
            continue
        done[name] = job(moment.isoformat())
        if done[name] is not SKIPPED:
            redis.set(marker, "1", ex=3 * 24 * 3600)
    return done
