"""Records the service keeps about mail and tokens (not programme entities).

Plain dataclasses like the domain model, mapped by `service.store.orm`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class InboundStatus(StrEnum):
    STORED = "stored"  # kept raw; not yet handled
    PROCESSED = "processed"
    NEEDS_ATTENTION = "needs_attention"
    IGNORED = "ignored"


class OutboundStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # handed to the provider; outcome not yet recorded
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(eq=False)
class InboundMessage:
    """Every message fetched, kept raw before anything acts on it."""

    key: str  # Message-ID, or sha256 of the raw bytes when there is none
    transport_id: str
    raw: bytes
    received_at: datetime
    id: int | None = None
    status: InboundStatus = InboundStatus.STORED
    kind: str = ""  # the classifier's decision
    reason: str = ""  # why, in words (no personal data)
    person_id: int | None = None
    processed_at: datetime | None = None
    moved_at: datetime | None = None  # when the mailbox copy left the inbox
    attempts: int = 0
    # How sure we are of the sender: "verified: …", "unverified: …" or "forged: …".
    sender_trust: str = ""


DEDUPE_KEY_CHARS = 255  # the width of outbound_messages.dedupe_key


def dedupe_key(key: str) -> str:
    """The key as stored: a long one (it may quote a Message-ID or a subject that anyone
    can make as long as they like) is cut and ends with a hash of the whole, so it still
    names one email and fits its column on every database. Applying it twice changes nothing.
    """
    if len(key) <= DEDUPE_KEY_CHARS:
        return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{key[: DEDUPE_KEY_CHARS - len(digest) - 8]}#sha256:{digest}"


@dataclass(eq=False)
class OutboundMessage:
    """One logical email. `dedupe_key` is unique: the same email is never queued twice."""

    dedupe_key: str
    to_address: str
    template: str
    message_id: str
    raw: bytes
    created_at: datetime
    id: int | None = None
    person_id: int | None = None
    status: OutboundStatus = OutboundStatus.QUEUED
    provider_id: str | None = None
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    inbound_id: int | None = None  # the message that caused it, if any
    automatic_answer: bool = False  # counts towards the per-sender daily limit


@dataclass(eq=False)
class ReplyToken:
    """Binds a reply to a person and what they were asked. Only the hash is stored."""

    token_hash: str
    person_id: int
    purpose: str  # "" for general, or e.g. "approach:12", "erasure", "registration:5"
    created_at: datetime
    expires_at: datetime
    id: int | None = None
    # The address the token was sent to: a reply from any other address is not theirs.
    # None for tokens issued before tokens were bound (they keep their old meaning).
    address: str | None = None


@dataclass(eq=False)
class InterestEntry:
    """Someone who asked to hear when the next round opens."""

    email: str
    added_at: datetime
    id: int | None = None
