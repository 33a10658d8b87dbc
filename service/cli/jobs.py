"""`mentoring process`, `tick`, `worker` and `jobs`: running the service's work.

`process` and `tick` do their work synchronously and exit, for cron-style deployments,
scripts and tests; `worker` runs RQ worker(s) that do the same on the schedule in
`[schedule]`. The job code lives in `jobs/` and is imported when a command runs, so the
core never depends on it at import time.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

import click

from service import clock
from service.cli.main import cli, now_option, with_app

if TYPE_CHECKING:
    from service.app import App


def _jobs(app: App, module: str) -> Any:
    runtime = importlib.import_module("jobs.runtime")
    runtime.use(app)
    return importlib.import_module(f"jobs.{module}")


def _outcomes(report: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in report.items()) or "nothing"


@cli.command()
@now_option
@with_app
def process(app: App) -> None:
    """One pass over the mailbox: handle every waiting message, then send what is queued."""
    app.db.ensure_ready()
    tasks = _jobs(app, "tasks")
    click.echo(f"Mailbox: {_outcomes(tasks.poll_mailbox())}.")
    click.echo(f"Outbox: {_outcomes(tasks.drain_outbox())}.")


@cli.command()
@now_option
@with_app
def tick(app: App) -> None:
    """Run every time-based job due now (or at --now), then send what they queued."""
    app.db.ensure_ready()
    tasks = _jobs(app, "tasks")
    schedule = importlib.import_module("jobs.schedule")
    now = clock.now()
    due = tasks.run_due(now.isoformat())
    queued = due.get("queued", {})
    click.echo("Time-based rules: " + (_outcomes(queued) if queued else "nothing due") + ".")
    if schedule.daily_due(app.config, "digest", now) is not None:
        digest = tasks.daily_digest(now.isoformat())
        click.echo(f"Digest: {'sent' if digest.get('queued') else 'nothing to report'}.")
    click.echo(f"Outbox: {_outcomes(tasks.drain_outbox())}.")


@cli.command()
@click.option("--with-scheduler", is_flag=True, help="Also run the recurring schedule.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_app
def worker(app: App, with_scheduler: bool, burst: bool) -> None:
    """Run an RQ worker (start one or more, on any number of machines)."""
    app.db.ensure_ready()
    runtime = importlib.import_module("jobs.runtime")
    queues = importlib.import_module("jobs.queues")
    runtime.use(app)
    connection = runtime.connection()
    queues.run_worker(connection, app.config, with_scheduler=with_scheduler, burst=burst)


@cli.command("jobs")
@with_app
def jobs_status(app: App) -> None:
    """Queue lengths, failed jobs with their reasons, and the schedule."""
    from rich.console import Console
    from rich.table import Table

    runtime = importlib.import_module("jobs.runtime")
    queues = importlib.import_module("jobs.queues")
    schedule = importlib.import_module("jobs.schedule")
    runtime.use(app)
    connection = runtime.connection()
    status = queues.status(connection)
    console = Console()
    counts = Table("queue", "waiting", "running", "scheduled (retries)", "failed")
    counts.add_row(
        queues.QUEUE,
        str(status["waiting"]),
        str(status["running"]),
        str(status["scheduled"]),
        str(status["failed"]),
    )
    console.print(counts)
    failures = queues.job_failures(connection)
    if failures:
        table = Table("failed job", "at", "reason")
        for f in failures:
            table.add_row(f["job"], f"{f['at']:%Y-%m-%d %H:%M}" if f["at"] else "", f["reason"])
        console.print(table)
    plan = Table("scheduled job", "every", "what")
    for entry in schedule.entries(app.config):
        plan.add_row(entry.name, f"{entry.every_minutes} min", entry.what)
    console.print(plan)
    running = status["schedulers"]
    click.echo(
        f"Schedulers running: {running}."
        + ("" if running else " Start one with `mentoring worker --with-scheduler`.")
    )
    click.echo("Web view: `rq-dashboard --redis-url <REDIS_URL>` (pip install rq-dashboard).")
