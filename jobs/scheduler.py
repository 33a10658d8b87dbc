"""Our scheduler over RQ's public API: enqueue each due run of the schedule exactly once.

Why not `rq.cron.CronScheduler`: its "last enqueued" lives in each scheduler's memory,
so two workers with schedulers enqueue every run twice; its cron expressions follow the
worker machine's time zone, not the programme's; and its jobs take no retry policy.

Here every entry's last enqueue lives in Redis (`mentoring:schedule:<name>`). A worker
that finds an entry due claims the run with an optimistic transaction (WATCH the entry,
then enqueue the job and record the run in one MULTI/EXEC): when several workers see the
same run due, exactly one transaction commits and the others see it as done. The job is
enqueued in the same transaction as the record, so a crash cannot lose a run either.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis

from jobs.schedule import Entry, entries, is_due, next_run
from service import clock
from service.config import ProgrammeConfig

STATE = "mentoring:schedule:"
ALIVE = "mentoring:scheduler:"
ALIVE_SECONDS = 90
LONGEST_SLEEP = 20.0

log = logging.getLogger("mentoring.jobs")


def _text(raw: bytes | str | None) -> str:
    return raw.decode() if isinstance(raw, bytes) else (raw or "")


def _when(raw: bytes | str | None) -> datetime | None:
    text = _text(raw)
    return datetime.fromisoformat(text) if text else None


def enqueue_due(connection: redis.Redis, config: ProgrammeConfig, now: datetime) -> list[str]:
    """Enqueue every entry due at `now` that no other worker has enqueued; their names."""
    from jobs.queues import JOB_TIMEOUT, queue, retry

    tz = config.programme.timezone
    done = []
    for entry in entries(config):
        key = STATE + entry.name
        with connection.pipeline() as pipe:
            try:
                pipe.watch(key)  # type: ignore[no-untyped-call]
                last = _when(pipe.hget(key, "enqueued_at"))
                if not is_due(entry, last, now, tz):
                    continue
                pipe.multi()
                job = queue(connection).enqueue(
                    entry.func,
                    retry=retry(config),
                    job_timeout=JOB_TIMEOUT,
                    description=entry.name,
                    pipeline=pipe,
                )
                pipe.hset(key, mapping={"enqueued_at": now.isoformat(), "job": job.id})
                pipe.execute()
            except redis.WatchError:
                continue  # another worker claimed this run first
        done.append(entry.name)
    return done


def record_run(connection: redis.Redis, name: str, finished: datetime, outcome: str) -> None:
    """Note a finished run (from the schedule or the CLI) for `mentoring jobs`."""
    try:
        connection.hset(
            STATE + name, mapping={"finished_at": finished.isoformat(), "outcome": outcome}
        )
    except redis.RedisError:
        log.warning("%s: could not record the run in Redis", name)


@dataclass(frozen=True)
class Planned:
    entry: Entry
    enqueued: datetime | None
    finished: datetime | None
    outcome: str
    next: datetime


def plan(connection: redis.Redis, config: ProgrammeConfig, now: datetime) -> list[Planned]:
    """Each entry with its last run and its next one."""
    found = []
    for entry in entries(config):
        state = connection.hgetall(STATE + entry.name)
        enqueued = _when(state.get(b"enqueued_at"))
        found.append(
            Planned(
                entry,
                enqueued,
                _when(state.get(b"finished_at")),
                _text(state.get(b"outcome")),
                max(now, next_run(entry, enqueued, now, config.programme.timezone)),
            )
        )
    return found


def alive(connection: redis.Redis) -> list[str]:
    """The schedulers that beat in the last `ALIVE_SECONDS`, as "host pid"."""
    return sorted(
        key.decode().removeprefix(ALIVE).replace(":", " pid ")
        for key in connection.scan_iter(match=ALIVE + "*")
    )


class Loop(threading.Thread):
    """The schedule, run in a worker process beside RQ's worker loop."""

    def __init__(self, connection: redis.Redis, config: ProgrammeConfig) -> None:
        super().__init__(name="mentoring-schedule", daemon=True)
        self.connection, self.config = connection, config
        self.stopped = threading.Event()
        self.beat_key = f"{ALIVE}{socket.gethostname()}:{os.getpid()}"

    def run(self) -> None:
        while not self.stopped.is_set():
            try:
                self.connection.set(self.beat_key, clock.now().isoformat(), ex=ALIVE_SECONDS)
                enqueue_due(self.connection, self.config, clock.now())
                wait = self.until_next()
            except redis.RedisError as exc:
                log.warning("schedule: Redis unavailable (%s); trying again", type(exc).__name__)
                wait = LONGEST_SLEEP
            self.stopped.wait(wait)
        with suppress(redis.RedisError):
            self.connection.delete(self.beat_key)

    def until_next(self) -> float:
        now = clock.now()
        soonest = min(p.next for p in plan(self.connection, self.config, now))
        return min(max((soonest - now) / timedelta(seconds=1), 0.5), LONGEST_SLEEP)

    def stop(self) -> None:
        self.stopped.set()
        self.join(timeout=10)
