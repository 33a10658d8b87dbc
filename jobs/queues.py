"""RQ plumbing: the queue, retries with backoff and the worker.

One queue, ``mentoring``. Every job is enqueued with `retry()` (the configured backoff);
after the last retry RQ keeps it in the failed registry with its traceback, which
`mentoring jobs` and the digest read back as "job failures".

A job is enqueued as its function and plain arguments; the worker that performs it
hands the function its `Runtime` first (`TaskJob`, `Worker`): rq functions of their
arguments, with no "current connection" or module state.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any

import redis
from rq import Queue, Retry, SimpleWorker
from rq.job import Job
from rq.registry import FailedJobRegistry

from jobs.runtime import Runtime
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


class TaskJob(Job):
    """A job whose function receives the performing worker's `Runtime` first."""

    runtime: Runtime | None = None  # set by the worker in its own process; never saved

    @property
    def func(self) -> Any:
        task = super().func
        if self.runtime is None or task is None:
            return task
        return partial(task, self.runtime.for_job(self.id))


class Worker(SimpleWorker):
    """RQ's in-process worker, owning the `Runtime` (one App) every job it runs gets."""

    job_class = TaskJob

    def __init__(self, runtime: Runtime, **kwargs: Any) -> None:
        connection = runtime.connection
        super().__init__([queue(connection)], connection=connection, job_class=TaskJob, **kwargs)
        self.runtime = runtime

    def execute_job(self, job: Job, queue: Queue) -> None:
        if isinstance(job, TaskJob):
            job.runtime = self.runtime
        super().execute_job(job, queue)


def _for_blocking_reads(connection: redis.Redis) -> redis.Redis:
    """The same Redis with no socket timeout of its own, for RQ to set above its blocking
    dequeue's wait. redis-py's default (5 s) would otherwise come back whenever it resets
    a connection's timeouts, and the idle worker would log "Timeout reading from socket"."""
    pool = connection.connection_pool
    kwargs = {k: v for k, v in pool.connection_kwargs.items() if not k.startswith("orig_")}
    kwargs["socket_timeout"] = None
    fresh = redis.ConnectionPool(connection_class=pool.connection_class, **kwargs)
    return redis.Redis(connection_pool=fresh)


def run_worker(
    runtime: Runtime,
    *,
    with_scheduler: bool = False,
    burst: bool = False,
) -> bool:
    """Run one RQ worker on the mentoring queue, with the recurring schedule if asked.

    The schedule runs in a thread of this process (`jobs.scheduler.Loop`), so it lives
    and dies with the worker. In burst mode it enqueues what is due once, and the
    worker stops when the queue is empty. The worker runs jobs in its own process
    (RQ's SimpleWorker): our jobs are short, and keeping one App across them keeps one
    database pool, Graph token and mailbox connection instead of forking per job, which
    would share database sockets between processes.
    """
    from jobs.scheduler import Loop, enqueue_due
    from service import clock

    config = runtime.app.config
    connection = _for_blocking_reads(runtime.connection)
    worker = Worker(replace(runtime, connection=connection))
    loop = None
    if with_scheduler:
        if burst:
            enqueue_due(connection, config, clock.now())
        else:
            loop = Loop(connection, config)
            loop.start()
    try:
        # RQ's own scheduler moves retries whose backoff has passed back to the queue.
        result: bool = worker.work(burst=burst, with_scheduler=True, logging_level="WARNING")
        return result
    finally:
        if loop is not None:
            loop.stop()


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
    from jobs.scheduler import alive

    q = queue(connection)
    return {
        "waiting": q.count,
        "running": q.started_job_registry.count,
        "scheduled": q.scheduled_job_registry.count,
        "failed": q.failed_job_registry.count,
        "schedulers": len(alive(connection)),
    }
