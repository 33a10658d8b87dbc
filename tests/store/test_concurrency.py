"""What the outbox and the time rules rely on, held by each database under real concurrency.

Two connections race for the same row or the same key at once (a barrier lines them up):
whatever the interleaving, exactly one wins; the other sees it lost.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from service.store.orm import outbound_messages
from service.store.outbox_records import OutboxRecords
from service.store.records import OutboundMessage, OutboundStatus
from service.store.sql_unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 5, 17, 8, 0, tzinfo=UTC)


def record(key: str) -> OutboundMessage:
    return OutboundMessage(
        dedupe_key=key,
        to_address="alex@dept.gov.uk",
        template="help",
        message_id=f"<{key}@mentoring.example>",
        raw=b"x",
        created_at=NOW,
        next_attempt_at=NOW,
    )


def race(step: Callable[[], object]) -> list[object]:
    """Run `step` in two threads released together; each one's result or exception."""
    barrier = threading.Barrier(2)
    results: list[object] = []
    lock = threading.Lock()

    def one() -> None:
        barrier.wait()
        try:
            outcome: object = step()
        except Exception as exc:
            outcome = exc
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def test_only_one_drain_claims_a_queued_email(db):
    with SqlUnitOfWork(db) as uow:
        queued = record("claim")
        uow.add(queued)
        uow.commit()
    assert queued.id is not None
    claimed = race(
        lambda: OutboxRecords(db).settle(
            queued.id or 0, OutboundStatus.QUEUED, status=OutboundStatus.SENDING
        )
    )
    assert sorted(claimed, key=str) == [False, True]


def test_only_one_of_two_transactions_queues_the_same_key(db):
    def queue_once() -> bool:
        with SqlUnitOfWork(db) as uow:
            if uow.repo.outbound_by_key("same") is not None:
                return False
            uow.add(record("same"))
            uow.commit()
            return True

    outcomes = race(queue_once)
    assert outcomes.count(True) == 1
    # The loser found it queued, or was refused by the unique key (PostgreSQL), or by
    # SQLite's single writer: never a second email.
    [lost] = [o for o in outcomes if o is not True]
    assert lost is False or isinstance(lost, IntegrityError | OperationalError)
    with db.engine.connect() as conn:
        keys = conn.scalars(select(outbound_messages.c.dedupe_key)).all()
    assert keys == ["same"]
