"""Records the service keeps about mail and tokens (not programme entities).

Plain dataclasses like the domain model, mapped by `service.store.orm`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

from service.domain.model import Approach, Introduction, Pairing, Person, Registration, Round


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
    # Needs-attention only: when a coordinator marked it handled, who, and their note.
    resolved_at: datetime | None = None
    resolved_by: str = ""
    resolution_note: str = ""


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
    keep_to_hours: bool = False  # automatic: sent only inside working hours (retries too)


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


@dataclass(frozen=True)
class Tombstone:
    """What is kept of an erased person: a salted hash of their address (so a late reply
    or bounce is still recognised) and, until their mail has left the mailbox, the terms
    (address, name) to find it by."""

    id: int
    person_id: int
    salt: str
    address_hash: str
    pending_terms: tuple[str, ...] | None
    created_at: datetime


class SentFact(NamedTuple):
    """One queued email without its bytes: what the demo's narrator and mailbox read."""

    id: int
    template: str
    created_at: datetime
    person_id: int | None
    to_address: str
    provider_id: str | None


class ActivePairings(NamedTuple):
    """Every active pairing with its two people and when its latest meeting was logged,
    as read-only copies: what the daily pairing rules decide on (`jobs.pairings`) before
    each due step reloads what it changes in its own unit of work."""

    pairings: list[Pairing]  # in id order
    people: dict[int, Person]  # by id: both sides of every pairing
    last_met: dict[int, datetime]  # by pairing id; pairings without a meeting left out


class StandingRows(NamedTuple):
    """What a person's standing is worked out from (`service.standing`), as read-only
    copies: their latest round and registration in it, that round's introductions naming
    them, the pending requests naming them and their active pairings."""

    round: Round | None
    registration: Registration | None
    introductions: list[Introduction]  # by number, then id
    pending: list[Approach]  # oldest first
    pairings: list[Pairing]  # active, oldest first


class ReceivedFact(NamedTuple):
    """One handled inbound message without its bytes."""

    id: int
    status: str
    kind: str
    reason: str
    person_id: int | None
    processed_at: datetime


@dataclass(eq=False)
class Correction:
    """A coordinator's correction (`service.corrections`): who made it, when, about whom.

    `detail` holds ids, numbers, dates and states only; `note` is the coordinator's own
    words (a note on a person or a pairing): personal data, blanked when either person
    it is about is erased.
    """

    at: datetime
    coordinator: str  # the coordinator's address (or "command line" for an older tool)
    action: str  # "pairing.paired", "meeting.edited", "person.note", ... (`corrections.ACTIONS`)
    id: int | None = None
    person_id: int | None = None
    partner_id: int | None = None  # the other person of a pairing the correction is about
    pairing_id: int | None = None
    detail: dict[str, object] = field(default_factory=dict)
    note: str = ""
