"""Redis locks that know their holder, so a dead holder never stalls the work.

A lock's value names its holder: host, process id, the process's own start time (so a
recycled pid is not mistaken for the holder) and when it took the lock. While held, a
thread renews it every third of its time-to-live; a holder that dies stops renewing and
its lock lapses after `ttl` seconds. A run on the same host that finds the holder's
process gone takes the lock over at once (the usual case: `kill -9` of `mentoring
process`, then running it again). An RQ retry of a job whose worker died also takes over
its own job's lock at once. Only a live holder on this host, or a holder on another host
whose lock has not lapsed, makes a run skip.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import redis

PREFIX = "mentoring:lock:"

log = logging.getLogger("mentoring.jobs")

# Compare-and-set on the whole value: only the holder renews or releases, and a takeover
# replaces exactly the dead holder it inspected (never a newer one).
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""
_TAKE_OVER = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  return 1
end
return 0
"""


@dataclass(frozen=True)
class Holder:
    host: str
    pid: int
    started: str  # ISO 8601, UTC: when the lock was taken
    process_start: str | None  # the holding process's start, from /proc (None elsewhere)
    job: str | None  # the RQ job id holding it, if any
    token: str

    def describe(self) -> str:
        since = self.started[11:19]
        return f"host {self.host}, pid {self.pid}, since {since} UTC"

    def encode(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def decode(cls, raw: bytes | str) -> Holder | None:
        try:
            data = json.loads(raw)
            return cls(**data)
        except (ValueError, TypeError):
            return None  # not ours (an old-style lock): treat as a foreign live holder


def process_start(pid: int) -> str | None:
    """The process's start time in clock ticks since boot, or None where /proc is absent."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 2 (the name) may hold spaces; the fields after its closing ")" are plain.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _process_state(pid: int) -> str | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[0] if fields else None


def holder_is_dead(holder: Holder, host: str | None = None) -> bool:
    """True only when we can see that the holder's process is gone: same host, and its
    pid no longer exists, is a zombie, or now belongs to a younger process."""
    if holder.host != (host or socket.gethostname()):
        return False  # another machine: only the lapse of its lock tells
    try:
        os.kill(holder.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    if _process_state(holder.pid) == "Z":
        return True
    started = process_start(holder.pid)
    return bool(holder.process_start and started and started != holder.process_start)


def me(job: str | None = None) -> Holder:
    return Holder(
        host=socket.gethostname(),
        pid=os.getpid(),
        started=datetime.now(UTC).isoformat(timespec="seconds"),
        process_start=process_start(os.getpid()),
        job=job,
        token=uuid.uuid4().hex,
    )


@dataclass
class Held:
    """The outcome of trying a lock: held by us (`mine`), or by `holder`."""

    mine: bool
    holder: Holder | None = None

    def __bool__(self) -> bool:
        return self.mine


class _Renewer(threading.Thread):
    def __init__(self, connection: redis.Redis, key: str, value: str, ttl_ms: int) -> None:
        super().__init__(name=f"renew {key}", daemon=True)
        self.connection, self.key, self.value, self.ttl_ms = connection, key, value, ttl_ms
        self.stopped = threading.Event()

    def run(self) -> None:
        renew = self.connection.register_script(_RENEW)
        while not self.stopped.wait(self.ttl_ms / 3000):
            try:
                if not renew(keys=[self.key], args=[self.value, self.ttl_ms]):
                    log.warning("lock %s was lost while held", self.key.removeprefix(PREFIX))
                    return
            except redis.RedisError:
                continue  # try again at the next beat; the lock outlives a short outage


@contextmanager
def hold(connection: redis.Redis, name: str, ttl: int, job: str | None = None) -> Iterator[Held]:
    """Hold lock `name` for a run (renewed while held); yields a falsy `Held` naming the
    live holder when someone else has it. Never waits."""
    key = PREFIX + name
    mine = me(job)
    value = mine.encode()
    ttl_ms = ttl * 1000
    acquired = bool(connection.set(key, value, nx=True, px=ttl_ms))
    holder: Holder | None = None
    if not acquired:
        raw = connection.get(key)
        if raw is None:  # released between our two calls
            acquired = bool(connection.set(key, value, nx=True, px=ttl_ms))
        else:
            holder = Holder.decode(raw)
            if holder is not None and (
                (job is not None and holder.job == job) or holder_is_dead(holder)
            ):
                take_over = connection.register_script(_TAKE_OVER)
                acquired = bool(take_over(keys=[key], args=[raw, value, ttl_ms]))
                if acquired:
                    log.warning("lock %s: took over from dead %s", name, holder.describe())
    if not acquired:
        yield Held(False, holder)
        return
    renewer = _Renewer(connection, key, value, ttl_ms)
    renewer.start()
    try:
        yield Held(True, mine)
    finally:
        renewer.stopped.set()
        renewer.join()
        with suppress(redis.RedisError):  # else it lapses on its own
            connection.register_script(_RELEASE)(keys=[key], args=[value])


def current(connection: redis.Redis, name: str) -> Holder | None:
    raw = connection.get(PREFIX + name)
    return Holder.decode(raw) if raw is not None else None
