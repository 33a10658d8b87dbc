"""When and how long to wait before asking a mail provider again.

Pure policy, no I/O: the transports decide what failed, this decides whether another
attempt makes sense and how long to wait first. Exchange Online answers 429 (throttled)
and 503 (busy) with a Retry-After header that must be honoured for every verb, POST
included; other 5xx answers and timeouts get exponential backoff with full jitter so
several workers do not retry in step.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

# Statuses where the server told us to come back later.
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries: at most `attempts` tries in all, never waiting longer than the caps."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    # A Retry-After longer than this is not waited out inline: the caller gets an error
    # carrying the delay and can reschedule the job instead of holding a worker.
    max_retry_after: float = 300.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after failed try number `attempt` (1-based): full jitter."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** max(0, attempt - 1)))
        return (rng or _rng).uniform(0, ceiling)

    def delay(
        self, attempt: int, *, retry_after: float | None, rng: random.Random | None = None
    ) -> float:
        """The wait before the next try: the server's Retry-After when given, else backoff."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return self.backoff(attempt, rng)

    def should_retry(self, attempt: int, *, retry_after: float | None = None) -> bool:
        """Whether try number `attempt` (1-based, just failed) may be followed by another."""
        if attempt >= self.attempts:
            return False
        return retry_after is None or retry_after <= self.max_retry_after


_rng = random.Random()


def is_transient_status(status: int) -> bool:
    """A status worth retrying: throttling, timeouts and server errors."""
    return status in RETRY_AFTER_STATUSES or status == 408 or 500 <= status <= 599


def is_permanent_status(status: int) -> bool:
    """A 4xx that will fail the same way however often it is tried (401 is handled apart)."""
    return 400 <= status <= 499 and status not in (401, 408, 429)


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    # Real time on purpose: the server's clock, not the programme's simulated one.
    current = now or datetime.fromtimestamp(time.time(), UTC)
    return max(0.0, (when - current).total_seconds())
