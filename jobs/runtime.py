"""What a job runs with: the App, the shared Redis, and a lock per job run.

A worker process builds one `App` (settings from the environment, configuration from
TOML) the first time a job needs it and keeps it; the CLI and the tests install theirs
with `use()`. Locks live in Redis so that workers on several machines exclude each
other: a second worker that finds a run in progress skips it (the first one does the
work, and the outbox's dedupe keys make a late duplicate harmless anyway).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis

from service.app import App

LOCK_PREFIX = "mentoring:lock:"

_app: App | None = None
_redis: redis.Redis | None = None


def use(app: App | None, connection: redis.Redis | None = None) -> None:
    """Install the App (and optionally the Redis) jobs in this process use."""
    global _app, _redis
    _app, _redis = app, connection


def app() -> App:
    global _app
    if _app is None:
        _app = App.load()
    return _app


def connection() -> redis.Redis:
    """The Redis of the job being run, else the configured one (embedded when unset)."""
    global _redis
    from rq import get_current_job

    job = get_current_job()
    if job is not None:
        current: redis.Redis = job.connection
        return current
    if _redis is None:
        from service.mail.factory import redis_for

        _redis = redis_for(app().settings)
    return _redis


@contextmanager
def exclusive(name: str, timeout: int) -> Iterator[bool]:
    """Hold the lock `name` for one run; yields False (at once) when someone else has it.

    The lock lapses after `timeout` seconds so a worker that died holding it does not
    block the job for ever. Inside an RQ job the lock carries the job's id: when RQ
    retries a job whose worker was killed mid-run, the retry takes the lock over at once
    instead of waiting for it to lapse (RQ only retries a job it has declared dead).
    """
    from rq import get_current_job

    redis_ = connection()
    key = LOCK_PREFIX + name
    job = get_current_job()
    token = f"job:{job.id}" if job is not None else f"run:{uuid.uuid4().hex}"
    lock = redis_.lock(key, timeout=timeout)
    acquired = bool(lock.acquire(blocking=False, token=token))
    if not acquired and job is not None and redis_.get(key) == token.encode():
        lock.local.token = token.encode()
        acquired = bool(lock.reacquire())
    try:
        yield acquired
    finally:
        if acquired:
            # It may have lapsed while we worked: then there is nothing to release.
            with suppress(redis.exceptions.LockError):
                lock.release()
