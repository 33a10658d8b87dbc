"""The retry policy: pure functions, no I/O."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from hypothesis import given
from hypothesis import strategies as st

from service.mail.retry import (
    RetryPolicy,
    is_permanent_status,
    is_transient_status,
    parse_retry_after,
)


def test_retry_after_in_seconds_and_as_a_date() -> None:
    now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("7") == 7.0
    assert (
        parse_retry_after(format_datetime(now + timedelta(seconds=90), usegmt=True), now=now)
        == 90.0
    )
    assert (
        parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0.0
    )
    assert parse_retry_after(None) is None
    assert parse_retry_after("soon") is None


@given(st.integers(min_value=1, max_value=50), st.integers(min_value=0, max_value=2**32))
def test_backoff_stays_within_its_cap(attempt: int, seed: int) -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=30)
    delay = policy.backoff(attempt, random.Random(seed))
    assert 0 <= delay <= min(30, 0.5 * 2 ** (attempt - 1))


def test_retry_after_wins_over_backoff_and_long_ones_are_not_waited_inline() -> None:
    policy = RetryPolicy(attempts=3, max_retry_after=60)
    assert policy.delay(1, retry_after=12) == 12
    assert policy.should_retry(1, retry_after=12)
    assert not policy.should_retry(1, retry_after=600)
    assert not policy.should_retry(3)


def test_status_classes() -> None:
    assert all(is_transient_status(s) for s in (429, 503, 500, 504, 408))
    assert not any(is_transient_status(s) for s in (400, 401, 403, 404))
    assert is_permanent_status(400) and is_permanent_status(404)
    assert not any(is_permanent_status(s) for s in (401, 429, 500))
