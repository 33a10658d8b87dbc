"""Sending limits per mailbox, shared by every worker through Redis.

Exchange Online allows one mailbox 30 messages a minute, 10,000 recipients a day and a
handful of concurrent Graph requests; going over gets the mailbox throttled (429) or, for
the daily cap, blocked from sending for a day. Every worker on every machine shares one
budget, so the counters live in Redis and are changed by Lua scripts (atomic there).

Time here is real time (`time.time`), not the programme clock: the provider counts in
real seconds even while a simulation runs at a pretend date.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Protocol

import redis

from service.config import Sending
from service.mail.transport import (
    AttentionMark,
    FetchedMessage,
    Folder,
    MailboxReport,
    MailErasure,
    SendResult,
    Transport,
)

TimeSource = Callable[[], float]
Sleep = Callable[[float], None]

_MINUTE = 60.0
_HOUR = 3600
_DAY_HOURS = 24

# Sliding one-minute window of sends (a sorted set of send times) and a rolling day of
# recipients counted in hourly buckets. Nothing is counted unless both have room.
# Returns {0} when reserved, else {1 or 2, seconds to wait}.
_RESERVE_SEND = """
local now = tonumber(ARGV[1])
local per_minute = tonumber(ARGV[2])
local per_day = tonumber(ARGV[3])
local recipients = tonumber(ARGV[4])
local member = ARGV[5]
local minute_key = KEYS[1]
local day_prefix = KEYS[2]
redis.call('ZREMRANGEBYSCORE', minute_key, '-inf', now - 60)
if redis.call('ZCARD', minute_key) >= per_minute then
  local oldest = redis.call('ZRANGE', minute_key, 0, 0, 'WITHSCORES')
  return {1, tostring(tonumber(oldest[2]) + 60 - now)}
end
local hour = math.floor(now / 3600)
local counts = {}
local total = 0
for h = hour - 23, hour do
  local c = tonumber(redis.call('GET', day_prefix .. h) or '0')
  counts[#counts + 1] = {h, c}
  total = total + c
end
if total + recipients > per_day then
  local freed = 0
  for _, entry in ipairs(counts) do
    freed = freed + entry[2]
    if total - freed + recipients <= per_day then
      return {2, tostring((entry[1] + 24) * 3600 - now)}
    end
  end
  return {2, tostring(86400)}
end
redis.call('ZADD', minute_key, now, member)
redis.call('EXPIRE', minute_key, 120)
redis.call('INCRBY', day_prefix .. hour, recipients)
redis.call('EXPIRE', day_prefix .. hour, 90000)
return {0}
"""

# A counting semaphore with leases, so a worker that dies holding a slot frees it.
_ACQUIRE_SLOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), ARGV[4])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[3])) + 60)
  return 1
end
return 0
"""


class SendLimitExceeded(Exception):
    """Waiting for room would take longer than the caller allowed."""

    def __init__(self, message: str, *, wait: float):
        super().__init__(message)
        self.wait = wait


class Limiter(Protocol):
    def reserve(self, recipients: int) -> float:
        """Count one message to `recipients` people if there is room now and return 0.0;
        otherwise count nothing and return the seconds until there may be room."""
        ...

    def wait_and_reserve(self, recipients: int, *, max_wait: float | None = None) -> None: ...

    def sent(self) -> None:
        """The message reserved last (by this thread) has been handed over."""
        ...

    def request_slot(self) -> AbstractContextManager[None]: ...


class Unlimited:
    """The local Maildir transport's limiter: room for everything, at once."""

    def reserve(self, recipients: int) -> float:
        return 0.0

    def wait_and_reserve(self, recipients: int, *, max_wait: float | None = None) -> None:
        return None

    def sent(self) -> None:
        return None

    @contextmanager
    def request_slot(self) -> Iterator[None]:
        yield


class RedisLimiter:
    """Exchange Online's per-mailbox limits, counted in Redis for all workers at once."""

    def __init__(
        self,
        client: redis.Redis,
        mailbox: str,
        sending: Sending,
        *,
        clock: TimeSource = time.time,
        sleep: Sleep = time.sleep,
        slot_lease: float = 120.0,
    ) -> None:
        self._redis = client
        self._sending = sending
        self._clock = clock
        self._sleep = sleep
        self._slot_lease = slot_lease
        # The address is personal-ish and case-insensitive: keys use its lower-case form.
        base = f"mentoring:ratelimit:{mailbox.strip().lower()}"
        self._minute_key = f"{base}:sent-minute"
        self._day_prefix = f"{base}:recipients-hour:"
        self._slots_key = f"{base}:graph-slots"
        self._reserve = client.register_script(_RESERVE_SEND)
        self._reserved = threading.local()
        self._acquire = client.register_script(_ACQUIRE_SLOT)

    def reserve(self, recipients: int) -> float:
        if recipients > self._sending.recipients_per_day:
            raise SendLimitExceeded(
                f"one message to {recipients} recipients is over the daily limit of "
                f"{self._sending.recipients_per_day}",
                wait=math.inf,
            )
        member = uuid.uuid4().hex
        answer = self._reserve(
            keys=[self._minute_key, self._day_prefix],
            args=[
                repr(self._clock()),
                self._sending.messages_per_minute,
                self._sending.recipients_per_day,
                max(1, recipients),
                member,
            ],
        )
        if int(answer[0]) == 0:
            self._reserved.member = member
            return 0.0
        return max(0.001, float(answer[1]))

    def wait_and_reserve(self, recipients: int, *, max_wait: float | None = None) -> None:
        """Block until the message fits the limits, then count it."""
        waited = 0.0
        while True:
            wait = self.reserve(recipients)
            if wait == 0.0:
                return
            if max_wait is not None and waited + wait > max_wait:
                raise SendLimitExceeded(
                    f"the sending limit leaves no room for {wait:.0f} seconds", wait=wait
                )
            self._sleep(wait)
            waited += wait

    def sent(self) -> None:
        """Count the last reserved message from when the provider took it, not from when
        we reserved it: the provider sees it arrive somewhere in between, so counting the
        later moment keeps every minute the provider measures within the limit, however
        long the request took."""
        member = getattr(self._reserved, "member", None)
        if member is not None:
            self._reserved.member = None
            self._redis.zadd(self._minute_key, {member: self._clock()}, xx=True)

    @contextmanager
    def request_slot(self) -> Iterator[None]:
        """Hold one of the mailbox's concurrent-request slots for the duration."""
        token = uuid.uuid4().hex
        delay = 0.01
        while not self._acquire(
            keys=[self._slots_key],
            args=[repr(self._clock()), self._sending.concurrent_requests, self._slot_lease, token],
        ):
            self._sleep(delay)
            delay = min(0.5, delay * 2)
        try:
            yield
        finally:
            self._redis.zrem(self._slots_key, token)

    def slots_in_use(self) -> int:
        self._redis.zremrangebyscore(self._slots_key, "-inf", self._clock())
        return int(self._redis.zcard(self._slots_key))


@dataclass(frozen=True)
class Eta:
    queued: int
    per_minute: int
    minutes: int

    def __str__(self) -> str:
        noun = "email" if self.queued == 1 else "emails"
        if self.queued == 0:
            return "No emails queued"
        if self.minutes <= 1:
            span = "about a minute"
        elif self.minutes < 120:
            span = f"about {self.minutes} minutes"
        else:
            hours = self.minutes / 60
            span = f"about {hours:.0f} hours" if hours >= 10 else f"about {hours:.1f} hours"
        return f"{self.queued:,} {noun} queued: {span} at {self.per_minute} a minute"


def eta(queued: int, sending: Sending, *, recipients_each: int = 1) -> Eta:
    """How long the queue takes at the configured pace, for the CLI's progress display.

    The daily recipient cap adds whole days when the queue is bigger than a day's room.
    """
    per_minute = sending.messages_per_minute
    minutes = math.ceil(queued / per_minute) if queued else 0
    per_day_messages = max(1, sending.recipients_per_day // max(1, recipients_each))
    extra_days = (queued - 1) // per_day_messages if queued else 0
    minutes += extra_days * _DAY_HOURS * 60
    return Eta(queued=queued, per_minute=per_minute, minutes=minutes)


class LimitedTransport:
    """A transport whose sends wait for room under the mailbox's limits."""

    def __init__(self, inner: Transport, limiter: Limiter, *, max_wait: float | None = None):
        self.inner = inner
        self.limiter = limiter
        self.name = inner.name
        self._max_wait = max_wait

    def fetch_new(self, limit: int | None = None) -> Iterator[FetchedMessage]:
        return self.inner.fetch_new(limit)

    def move(
        self,
        transport_id: str,
        folder: Folder,
        *,
        category: str | None = None,
        attention: AttentionMark | None = None,
    ) -> None:
        self.inner.move(transport_id, folder, category=category, attention=attention)

    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        self.limiter.wait_and_reserve(len(recipients), max_wait=self._max_wait)
        try:
            return self.inner.send(raw, recipients=recipients)
        finally:
            self.limiter.sent()  # also after a failure: the provider may have counted it

    def already_sent(self, message_id: str) -> str | None:
        return self.inner.already_sent(message_id)

    def erase_mail(self, terms: Sequence[str]) -> MailErasure:
        return self.inner.erase_mail(terms)

    def check(self) -> MailboxReport:
        return self.inner.check()

    def close(self) -> None:
        self.inner.close()
