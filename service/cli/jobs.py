"""`mentoring process`, `tick`, `worker` and `jobs`: running the service's work.

`process` and `tick` do their work synchronously and exit, for cron-style deployments,
scripts and tests; `worker` runs an RQ worker that does the same on the schedule in
`[schedule]`. These commands are where the CLI meets the job code in `jobs/`: each
builds the `Runtime` its jobs receive. They import `jobs/` (and with it Redis and RQ)
only when they run, so `mentoring --help` and the other commands never load them.

Exit status: 0 done; 1 an error (one line on stderr); 75 (EX_TEMPFAIL) when a run
skipped work because another live worker holds its lock — run it again later.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import click

from service import clock
from service.cli.options import now_option, with_app
from service.errors import MentoringError

if TYPE_CHECKING:
    from jobs.runtime import Runtime
    from service.app import App

SKIPPED_STATUS = 75  # sysexits.h EX_TEMPFAIL: "try again later"


def _check_home(app: App) -> None:
    """MENTORING_HOME must be a folder we can write when anything lives under it."""
    s = app.settings
    uses_home = (
        not s.redis_url or s.mail_backend == "maildir" or s.database_url.startswith("sqlite")
    )
    if not uses_home:
        return
    try:
        s.home.mkdir(parents=True, exist_ok=True)
        probe = s.home / f".probe-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise MentoringError(
            f"MENTORING_HOME={s.home} cannot be used: {exc.strerror or exc}"
        ) from None


def _runtime(app: App, *, database: bool = True) -> Runtime:
    """The App checked, its database ready when the command needs it, and its Redis."""
    from jobs.runtime import Runtime

    _check_home(app)
    if database:
        app.db.ensure_ready()
    return Runtime.connect(app)


def _outcomes(report: dict[str, Any]) -> str:
    from jobs.tasks import summary

    return summary(report)


def _skipped(*reports: dict[str, Any]) -> None:
    if any("skipped" in r for r in reports):
        click.echo(
            "Some work was skipped because another worker is doing it; nothing is lost."
            f" Run again later (exit status {SKIPPED_STATUS}).",
            err=True,
        )
        raise SystemExit(SKIPPED_STATUS)


@click.command()
@now_option
@with_app
def process(app: App) -> None:
    """One pass over the mailbox: handle every waiting message, then send what is queued.

    Exits with status 75 when another live worker holds the mailbox or the outbox.
    """
    from jobs import tasks

    rt = _runtime(app)
    mailbox = tasks.poll_mailbox(rt)
    click.echo(f"Mailbox: {_outcomes(mailbox)}.")
    sending = tasks.drain_outbox(rt)
    click.echo(f"Outbox: {_outcomes(sending)}.")
    _skipped(mailbox, sending)


@click.command()
@now_option
@with_app
def tick(app: App) -> None:
    """Run every time-based job due now (or at --now), then send what they queued.

    Exits with status 75 when another live worker holds one of the jobs.
    """
    from jobs import schedule, tasks

    rt = _runtime(app)
    now = clock.now()
    reports = [tasks.run_due(rt, now.isoformat())]
    queued = reports[0].get("queued", {})
    if "skipped" in reports[0]:
        click.echo(f"Time-based rules: {_outcomes(reports[0])}.")
    else:
        click.echo("Time-based rules: " + (_outcomes(queued) if queued else "nothing due") + ".")
    if schedule.daily_due(app.config, "digest", now) is not None:
        reports.append(tasks.daily_digest(rt, now.isoformat()))
        digest = reports[-1]
        state = "sent" if digest.get("queued") else "nothing to report"
        click.echo(f"Digest: {_outcomes(digest) if 'skipped' in digest else state}.")
    reports.append(tasks.drain_outbox(rt))
    click.echo(f"Outbox: {_outcomes(reports[-1])}.")
    _skipped(*reports)


@click.command()
@click.option("--with-scheduler", is_flag=True, help="Also run the recurring schedule.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_app
def worker(app: App, with_scheduler: bool, burst: bool) -> None:
    """Run a worker (start one or more, on any number of machines).

    Logs one line per job run (job, counts, seconds) on stderr. Stop it with Ctrl-C or
    SIGTERM: it finishes the job in hand first.
    """
    # Imported here: logging and sockets cost every other command (and --help) ~20 ms.
    import logging
    import socket

    from jobs import queues
    from jobs.runtime import safe_url

    rt = _runtime(app)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    jobs_log = logging.getLogger("mentoring.jobs")
    jobs_log.addHandler(handler)
    jobs_log.setLevel(logging.INFO)
    where = safe_url(app.settings.redis_url) if app.settings.redis_url else "embedded Redis"
    jobs_log.info(
        "worker started on %s pid %s: queue %s on %s%s",
        socket.gethostname(),
        os.getpid(),
        queues.QUEUE,
        where,
        ", with the schedule" if with_scheduler else "",
    )
    queues.run_worker(rt, with_scheduler=with_scheduler, burst=burst)


def _at(moment: Any, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%d %b %H:%M}" if moment else "never"


@click.command("jobs")
@with_app
def jobs_status(app: App) -> None:
    """Queue lengths, failed jobs with their reasons, and the schedule: when each
    scheduled job last ran and when it runs next."""
    from rich.console import Console
    from rich.table import Table

    from jobs import queues, scheduler

    connection = _runtime(app, database=False).connection
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
    tz = ZoneInfo(app.config.programme.timezone)
    plan = Table("scheduled job", "when", "last run", "next run", "outcome of the last run")
    for p in scheduler.plan(connection, app.config, clock.now()):
        last = _at(p.finished or p.enqueued, tz)
        plan.add_row(p.entry.name, p.entry.when, last, _at(p.next, tz), p.outcome)
    console.print(plan)
    click.echo(f"Times are {tz.key}.")
    running = scheduler.alive(connection)
    click.echo(
        f"Schedulers running: {len(running)}"
        + (f" ({', '.join(running)})." if running else ".")
        + ("" if running else " Start one with `mentoring worker --with-scheduler`.")
    )
    click.echo("Web view: `rq-dashboard --redis-url <REDIS_URL>` (pip install rq-dashboard).")
