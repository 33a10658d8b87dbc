"""RQ plumbing: the queue, retries with backoff, the cron scheduler and the worker.

One queue, ``mentoring``. Every job is enqueued with `retry()` (the configured backoff);
after the last retry RQ keeps it in the failed registry with its traceback, which
`mentoring jobs` and the digest read back as "job failures".
"""

from __future__ import annotations

import logging
import multiprocessing
from datetime import datetime
from typing import Any

import redis
from rq import Queue, Retry, SimpleWorker, Worker
from rq.cron import CronJob, CronScheduler
from rq.job import Job
from rq.registry import FailedJobRegistry

from jobs.schedule import entries
from service.config import ProgrammeConfig

QUEUE = "mentoring"
JOB_TIMEOUT = 30 * 60

log = logging.getLogger(__name__)


def queue(connection: redis.Redis) -> Queue:
    return Queue(QUEUE, connection=connection)


def retry(config: ProgrammeConfig) -> Retry:
    backoff = list(config.schedule.retry_backoff_seconds) or [0]
    return Retry(max=len(backoff), interval=backoff)


def enqueue(
    connection: redis.Redis, config: ProgrammeConfig, func: Any, *args: Any, **kwargs: Any
) -> Job:
    job: Job = queue(connection).enqueue(
        func, args=args, kwargs=kwargs, retry=retry(config), job_timeout=JOB_TIMEOUT
    )
    return job


class RetryingCronJob(CronJob):
    """RQ's cron jobs take no `retry`; ours pass one when they enqueue."""

    def __init__(self, *args: Any, retry: Retry, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry = retry

    def enqueue(self, connection: redis.Redis) -> Job:
        # Only for the call: job_options is also serialised for monitoring, and a
        # Retry object is not JSON.
        self.job_options["retry"] = self.retry
        try:
            job: Job = super().enqueue(connection)
            return job
        finally:
            del self.job_options["retry"]


def cron(connection: redis.Redis, config: ProgrammeConfig) -> CronScheduler:
    """A cron scheduler holding the configured schedule."""
    scheduler = CronScheduler(connection=connection)
    for entry in entries(config):
        scheduler._cron_jobs.append(
            RetryingCronJob(
                queue_name=QUEUE,
                func=entry.func,
                interval=entry.every_minutes * 60,
                job_timeout=JOB_TIMEOUT,
                name=entry.name,
                retry=retry(config),
            )
        )
    return scheduler


def _run_cron(connection_kwargs: dict[str, Any], config: ProgrammeConfig) -> None:
    cron(redis.Redis(**connection_kwargs), config).start()  # type: ignore[no-untyped-call]


def run_worker(
    connection: redis.Redis,
    config: ProgrammeConfig,
    *,
    with_scheduler: bool = False,
    burst: bool = False,
    simple: bool = False,
) -> bool:
    """Run one RQ worker on the mentoring queue, with the recurring schedule if asked.

    In burst mode the schedule enqueues everything due once, and the worker stops when
    the queue is empty. Otherwise the cron scheduler runs in a child process beside it.
    """
    process = None
    if with_scheduler:
        if burst:
            cron(connection, config).enqueue_jobs()
        else:
            process = multiprocessing.Process(
                target=_run_cron,
                args=(connection.connection_pool.connection_kwargs, config),
                name="mentoring-cron",
                daemon=True,
            )
            process.start()
    worker_class = SimpleWorker if simple else Worker
    worker = worker_class([queue(connection)], connection=connection)
    try:
        result: bool = worker.work(burst=burst, with_scheduler=with_scheduler)
        return result
    finally:
        if process is not None:
            process.terminate()
            process.join(timeout=10)


def job_failures(connection: redis.Redis) -> list[dict[str, Any]]:
    """Failed jobs with when and why (the last line of the error), newest last."""
    registry = FailedJobRegistry(queue=queue(connection))
    found = []
    for job in Job.fetch_many(registry.get_job_ids(), connection=connection):
        if job is None:
            continue
        at: datetime | None = job.ended_at or job.enqueued_at
        result = job.latest_result()
        reason = ((result.exc_string if result else "") or "").strip().splitlines()
        found.append(
            {
                "job": (job.func_name or "?").rsplit(".", 1)[-1].replace("_", "-"),
                "at": at,
                "reason": reason[-1] if reason else "unknown",
                "id": job.id,
            }
        )
    return sorted(found, key=lambda f: f["at"].timestamp() if f["at"] else 0.0)


def status(connection: redis.Redis) -> dict[str, int]:
    q = queue(connection)
    return {
        "waiting": q.count,
        "running": q.started_job_registry.count,
        "scheduled": q.scheduled_job_registry.count,
        "failed": q.failed_job_registry.count,
        "schedulers": len(CronScheduler.all(connection)),
    }
