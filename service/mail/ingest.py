"""Exactly-once ingest: keep every message raw before anything acts on it.

The key of a message is its Message-ID, or a hash of the raw bytes when it has none.
A message whose key is already stored is never applied again: if it was handled, it is
only moved out of the inbox (a crash may have stopped us before the move).

A Message-ID proves nothing about content: anyone can reuse one. A message with a known
Message-ID but different bytes is kept under the hash of its bytes and goes straight to
needs-attention (never acted on, never dropped); the same bytes again stay a duplicate.
"""

from __future__ import annotations

import email
import hashlib
import re
from collections.abc import Sequence
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

from service import clock
from service.mail.transport import FetchedMessage
from service.store.records import InboundMessage, InboundStatus
from service.store.unit_of_work import UnitOfWork

_HEADERS = BytesHeaderParser(policy=compat32)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,500}>")
_KEY_BYTES = 65536  # the Message-ID is looked for in the first 64 KB


def parsed(raw: bytes) -> Message | None:
    """The whole message as `email.message_from_bytes` reads it, when it is small enough
    for `message_key` to take the Message-ID from it (the header parser sees the same
    bytes), so that it is read once, for its key and its classification. None for
    larger messages, or when the parser gives up: those are read as before."""
    if len(raw) > _KEY_BYTES:
        return None
    try:
        return email.message_from_bytes(raw)
    except Exception:  # e.g. nested too deeply: the classifier reads it and says why
        return None


def message_key(raw: bytes, message: Message | None = None) -> str:
    """The Message-ID (angle brackets kept), else "sha256:" + the hash of the raw bytes.
    `message`: `parsed(raw)`, when the caller has it."""
    try:
        if message is not None and len(raw) <= _KEY_BYTES:
            value = message.get("Message-ID")
        else:
            value = _HEADERS.parsebytes(raw[:_KEY_BYTES]).get("Message-ID")
    except Exception:  # a header block this broken has no usable Message-ID
        value = None
    if value:
        found = _MESSAGE_ID.search(str(value))
        if found:
            return found.group(0)
    return _hash_key(raw)


REUSED_ID = "a different message reused an earlier Message-ID"


def _hash_key(raw: bytes) -> str:
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def store(
    uow: UnitOfWork, fetched: FetchedMessage, *, attempting: bool = False
) -> tuple[InboundMessage, bool]:
    """Keep the message (once). Returns the record and whether it is new. `attempting`:
    a new message is about to be handled, so its first attempt is counted with it."""
    return _store(uow, fetched, message_key(fetched.raw), attempting)


def _store(
    uow: UnitOfWork, fetched: FetchedMessage, key: str, attempting: bool
) -> tuple[InboundMessage, bool]:
    existing = uow.repo.inbound_by_key(key) if uow.repo.inbound_exists(key) else None
    # An erased record has no bytes left to compare: a replay of it stays a duplicate.
    if existing is not None and existing.raw and existing.raw != fetched.raw:
        return _reused_id(uow, fetched)
    if existing is not None:
        return existing, False
    record = _new(fetched, key, attempting)
    uow.repo.add_inbound(record)
    return record, True


def _new(fetched: FetchedMessage, key: str, attempting: bool) -> InboundMessage:
    return InboundMessage(
        key=key,
        transport_id=fetched.transport_id,
        raw=fetched.raw,
        received_at=clock.now(),
        attempts=1 if attempting else 0,
    )


def store_all(
    uow: UnitOfWork,
    batch: Sequence[FetchedMessage],
    *,
    attempting: bool = False,
    messages: Sequence[Message | None] = (),
) -> list[tuple[InboundMessage, bool]]:
    """`store` for a batch, in order, with the same answers. The usual case, a message
    never seen, is found by one question for the whole batch and kept by one multi-row
    insert; any other (already stored, or twice in the batch) goes through `store`, after
    the new ones before it are written, so it sees them. `messages`: `parsed` of each."""
    read = list(messages) or [None] * len(batch)
    keys = [message_key(f.raw, m) for f, m in zip(batch, read, strict=True)]
    known = uow.repo.stored_keys(keys)
    kept: list[tuple[InboundMessage, bool]] = []
    new: list[InboundMessage] = []
    for fetched, key in zip(batch, keys, strict=True):
        if key in known:
            uow.repo.add_inbounds(new)
            new = []
            kept.append(_store(uow, fetched, key, attempting))
            known.add(kept[-1][0].key)
        else:
            known.add(key)
            new.append(_new(fetched, key, attempting))
            kept.append((new[-1], True))
    uow.repo.add_inbounds(new)
    return kept


def _reused_id(uow: UnitOfWork, fetched: FetchedMessage) -> tuple[InboundMessage, bool]:
    """Keep a message that reused a known Message-ID under its own hash, for a person."""
    key = _hash_key(fetched.raw)
    again = uow.repo.inbound_by_key(key)
    if again is not None:
        return again, False
    now = clock.now()
    record = InboundMessage(
        key=key,
        transport_id=fetched.transport_id,
        raw=fetched.raw,
        received_at=now,
        status=InboundStatus.NEEDS_ATTENTION,
        kind="reused-id",
        reason=REUSED_ID,
        processed_at=now,
    )
    uow.repo.add_inbound(record)
    return record, True
