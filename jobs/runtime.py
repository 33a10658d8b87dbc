"""What a job runs with: the App, the shared Redis, and a lock per job run.

A worker process builds one `App` (settings from the environment, configuration from
TOML) the first time a job needs it and keeps it; the CLI and the tests install theirs
with `use()`. Locks live in Redis so that workers on several machines exclude each
other: a second worker that finds a run in progress skips it (the first one does the
work, and the outbox's dedupe keys make a late duplicate harmless anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import redis

from jobs import locks
from service import bootstrap
from service.app import App
from service.errors import MentoringError

_app: App | None = None
_redis: redis.Redis | None = None


def use(app: App | None, connection: redis.Redis | None = None) -> None:
    """Install the App (and optionally the Redis) jobs in this process use."""
    global _app, _redis
    _app, _redis = app, connection


def app() -> App:
    global _app
    if _app is None:
        _app = bootstrap.load()
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
        _redis = connect(app())
    return _redis


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
def exclusive(name: str, timeout: int) -> Iterator[locks.Held]:
    """Hold the lock `name` for one run; yields a falsy `Held` (naming the holder) at
    once when a live worker has it. See `jobs.locks` for how a dead holder is handled.
    Inside an RQ job the lock carries the job's id, so RQ's retry of a job whose worker
    died takes its lock over at once."""
    from rq import get_current_job

    job = get_current_job()
    with locks.hold(connection(), name, timeout, job.id if job is not None else None) as held:
        yield held
