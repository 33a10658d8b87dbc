"""What a job runs with: the App, the shared Redis, and a lock per job run.

No module state: whoever runs a job hands it a `Runtime`. A worker process owns one
(`jobs.queues.Worker`, built by `mentoring worker` with the App it loaded) and gives it
to every job it performs; the CLI builds one per command; tests build theirs. Locks live
in Redis so that workers on several machines exclude each other: a second worker that
finds a run in progress skips it (the first one does the work, and the outbox's dedupe
keys make a late duplicate harmless anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import redis

from jobs import locks
from service.app import App
from service.errors import MentoringError


@dataclass(frozen=True)
class Runtime:
    """What a job runs with, handed to it as its first argument: the App, the Redis its
    locks and run records live in, and inside an RQ job that job's id."""

    app: App
    connection: redis.Redis
    job_id: str | None = None

    @classmethod
    def connect(cls, app: App) -> Runtime:
        """The runtime of a process outside RQ (the CLI): the configured Redis."""
        return cls(app, connect(app))

    def for_job(self, job_id: str) -> Runtime:
        return replace(self, job_id=job_id)

    @property
    def in_worker(self) -> bool:
        return self.job_id is not None


def safe_url(url: str) -> str:
    """REDIS_URL without its password, fit for a message or a log line."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "REDIS_URL"
    return f"{parts.scheme}://{host}{port}{parts.path}" if parts.scheme else "REDIS_URL"


def connect(application: App) -> redis.Redis:
    """Connect to the configured Redis and check it answers; one clear error if not."""
    from service.mail.factory import redis_for

    settings = application.settings
    where = safe_url(settings.redis_url) if settings.redis_url else "the embedded Redis"
    try:
        client = redis_for(settings)
        client.ping()
    except ValueError as exc:  # redis-py's words for a URL it cannot read
        raise MentoringError(
            f"REDIS_URL is not a Redis address ({exc}); write it as redis://host:6379/0,"
            " rediss://:password@host:6380/0 or unix:///path/redis.sock"
        ) from None
    except redis.AuthenticationError:
        raise MentoringError(f"Redis at {where} refused the password in REDIS_URL") from None
    except redis.RedisError as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MentoringError(
            f"Redis at {where} cannot be reached ({reason}); is it running, and is REDIS_URL right?"
        ) from None
    except OSError as exc:
        raise MentoringError(
            f"MENTORING_HOME={settings.home} cannot hold the embedded Redis: {exc.strerror}"
        ) from None
    return client


@contextmanager
def exclusive(runtime: Runtime, name: str, timeout: int) -> Iterator[locks.Held]:
    """Hold the lock `name` for one run; yields a falsy `Held` (naming the holder) at
    once when a live worker has it. See `jobs.locks` for how a dead holder is handled.
    Inside an RQ job the lock carries the job's id, so RQ's retry of a job whose worker
    died takes its lock over at once."""
    with locks.hold(runtime.connection, name, timeout, runtime.job_id) as held:
        yield held
