"""The shared sending limiter, on a real (embedded) Redis."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import redis

from service.config import Sending
from service.mail.maildir import MaildirTransport
from service.mail.ratelimit import LimitedTransport, RedisLimiter, SendLimitExceeded, eta
from tests.transports.test_behaviour import outbound

EXCHANGE = Sending(messages_per_minute=30, recipients_per_day=10_000, concurrent_requests=4)


class FakeTime:
    """A clock the test moves by hand; sleeping moves it too."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(client: redis.Redis, sending: Sending, clock: FakeTime) -> RedisLimiter:
    return RedisLimiter(client, "Mentoring@Example.org", sending, clock=clock, sleep=clock.sleep)


def test_messages_per_minute_is_a_sliding_window(redis_client: redis.Redis) -> None:
    clock = FakeTime()
    sending = Sending(messages_per_minute=3, recipients_per_day=100, concurrent_requests=4)
    rl = limiter(redis_client, sending, clock)
    for _ in range(3):
        assert rl.reserve(1) == 0.0
        clock.now += 10
    wait = rl.reserve(1)
    assert wait == pytest.approx(30.0)  # the first send (30 s ago) leaves the window in 30 s
    clock.now += wait
    assert rl.reserve(1) == 0.0


def test_a_message_counts_from_when_the_provider_took_it(redis_client: redis.Redis) -> None:
    # The provider sees a message arrive between our reservation and its answer; a slow
    # request must not let the next minute's sends crowd in behind it.
    clock = FakeTime()
    sending = Sending(messages_per_minute=1, recipients_per_day=100, concurrent_requests=4)
    rl = limiter(redis_client, sending, clock)
    assert rl.reserve(1) == 0.0
    clock.now += 20  # the request took 20 seconds
    rl.sent()
    clock.now += 45  # 65 s after the reservation, 45 s after the provider took it
    assert rl.reserve(1) == pytest.approx(15.0)
    clock.now += 15
    assert rl.reserve(1) == 0.0


def test_limits_are_shared_between_workers(redis_client: redis.Redis) -> None:
    clock = FakeTime()
    sending = Sending(messages_per_minute=2, recipients_per_day=100, concurrent_requests=4)
    worker_a = limiter(redis_client, sending, clock)
    worker_b = limiter(redis_client, sending, clock)
    assert worker_a.reserve(1) == 0.0
    assert worker_b.reserve(1) == 0.0
    assert worker_a.reserve(1) > 0
    assert worker_b.reserve(1) > 0


def test_daily_recipients_are_capped_and_a_refusal_counts_nothing(
    redis_client: redis.Redis,
) -> None:
    clock = FakeTime()
    sending = Sending(messages_per_minute=100, recipients_per_day=10, concurrent_requests=4)
    rl = limiter(redis_client, sending, clock)
    assert rl.reserve(6) == 0.0
    clock.now += 3600
    assert rl.reserve(5) > 0  # 11 would be over
    assert rl.reserve(4) == 0.0  # the refusal above took nothing
    wait = rl.reserve(1)
    assert 0 < wait <= 24 * 3600
    clock.now += wait
    assert rl.reserve(1) == 0.0  # the first hour's 6 have left the rolling day


def test_one_message_over_the_daily_cap_is_refused_outright(redis_client: redis.Redis) -> None:
    rl = limiter(
        redis_client,
        Sending(messages_per_minute=5, recipients_per_day=3, concurrent_requests=1),
        FakeTime(),
    )
    with pytest.raises(SendLimitExceeded):
        rl.reserve(4)


def test_wait_and_reserve_sleeps_until_there_is_room(redis_client: redis.Redis) -> None:
    clock = FakeTime()
    sending = Sending(messages_per_minute=2, recipients_per_day=100, concurrent_requests=4)
    rl = limiter(redis_client, sending, clock)
    for _ in range(3):
        rl.wait_and_reserve(1)
    assert clock.slept == [pytest.approx(60.0)]
    rl.wait_and_reserve(1)  # the two sent at the start have left the window
    assert len(clock.slept) == 1
    with pytest.raises(SendLimitExceeded):
        rl.wait_and_reserve(1, max_wait=5)


def test_concurrent_requests_never_exceed_the_limit(redis_client: redis.Redis) -> None:
    sending = Sending(messages_per_minute=30, recipients_per_day=100, concurrent_requests=2)
    holding = 0
    most = 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal holding, most
        rl = RedisLimiter(redis_client, "shared@example.org", sending)  # one per "worker"
        for _ in range(5):
            with rl.request_slot():
                with lock:
                    holding += 1
                    most = max(most, holding)
                threading.Event().wait(0.005)
                with lock:
                    holding -= 1

    threads = [threading.Thread(target=work) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == 2
    assert RedisLimiter(redis_client, "shared@example.org", sending).slots_in_use() == 0


def test_limited_transport_paces_sends(redis_client: redis.Redis, tmp_path: Path) -> None:
    clock = FakeTime()
    sending = Sending(messages_per_minute=2, recipients_per_day=100, concurrent_requests=1)
    mail = MaildirTransport(tmp_path / "mail")
    limited = LimitedTransport(mail, limiter(redis_client, sending, clock))
    for n in range(5):
        limited.send(outbound(n), recipients=[f"recipient{n}@example.net"])
    assert len(mail.keys("sent")) == 5
    assert sum(clock.slept) == pytest.approx(120.0)


@pytest.mark.parametrize(
    ("queued", "expected"),
    [
        (1200, "1,200 emails queued: about 40 minutes at 30 a minute"),
        (1, "1 email queued: about a minute at 30 a minute"),
        (0, "No emails queued"),
        (9000, "9,000 emails queued: about 5.0 hours at 30 a minute"),
    ],
)
def test_eta_wording(queued: int, expected: str) -> None:
    assert str(eta(queued, EXCHANGE)) == expected


def test_eta_adds_days_when_the_daily_cap_binds() -> None:
    small = Sending(messages_per_minute=30, recipients_per_day=100, concurrent_requests=4)
    assert eta(250, small).minutes == 9 + 2 * 24 * 60
