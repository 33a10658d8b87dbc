"""The coordinators' worklist: messages set aside in needs-attention, in words.

Plain functions over a stored inbound record (no I/O): which class of reason it has (an
Outlook category each), the note filed with it, the first lines the person wrote, how
long it has waited and whether that is past two working days. `service/cli/attention.py`
and the digest show them; the pipeline hands the class and note to the mailbox.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import default
from functools import cache

from service.config import ProgrammeConfig
from service.domain.working_time import add_working_days
from service.inbound.classify import without_reference
from service.inbound.mime import parse_mail
from service.inbound.replies import new_text
from service.mail.transport import AttentionMark
from service.store.records import InboundMessage

OVERDUE_WORKING_DAYS = 2  # a coordinator answers within two working days
CATEGORY_PREFIX = "Attention: "
_EXCERPT_LINES = 3
_EXCERPT_CHARS = 200
_PARSE_BYTES = 2_000_000  # the first lines come long before this
# Only what a person typed as a message is quoted. A form's answers may hold a
# characteristic, and bounces or automatic replies are not anyone's words.
_QUOTED_KINDS = frozenset({"command", "unknown", "coordinator"})
_NEVER = re.compile(r"(?!)")


def reason_class(kind: str, reason: str) -> str:
    """The class of a needs-attention reason: one Outlook category each."""
    text = reason.lower()
    if kind == "error":
        return "our error"
    if kind == "forged_form" or any(
        w in text for w in ("forged", "not verified", "different address")
    ):
        return "sender not proven"
    if kind == "form":
        return "form problem"
    if kind in ("bounce", "auto_reply", "too_large", "own_loop"):
        return "automatic mail"
    if kind == "coordinator":
        return "coordinator mail"
    if "own words" in text:
        return "question"
    if kind == "command" and "token" not in text:
        return "not understood"
    return "unknown sender"


def category(kind: str, reason: str) -> str:
    return CATEGORY_PREFIX + reason_class(kind, reason)


def mark(record: InboundMessage) -> AttentionMark:
    """What the mailbox files with a needs-attention message: its category and reason."""
    return AttentionMark(
        category=category(record.kind, record.reason),
        note=f"{reason_class(record.kind, record.reason)}: {record.reason}",
    )


def _characteristic_words(config: ProgrammeConfig) -> re.Pattern[str]:
    words = {*config.form.characteristics, *config.form.characteristic_aliases}
    return _any_of(tuple(sorted(w for w in words if w)))


@cache
def _any_of(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"\b(?:{alternatives})\b", re.IGNORECASE) if alternatives else _NEVER


def excerpt(record: InboundMessage, config: ProgrammeConfig) -> str:
    """The first lines of what the person wrote, shortened; "" when it is not theirs to
    quote (a form, a bounce) or there is nothing left (erased). A line that names a
    characteristic is left out, whoever wrote it: the digest travels further than the
    mailbox."""
    if record.kind not in _QUOTED_KINDS or not record.raw:
        return ""
    mail = parse_mail(record.raw, _PARSE_BYTES)
    own = new_text(mail.text) or mail.text
    private = _characteristic_words(config)
    lines = [line.strip() for line in own.splitlines() if line.strip()]
    lines = [line if not private.search(line) else "(a line not quoted)" for line in lines]
    text = " / ".join(lines[:_EXCERPT_LINES])
    if len(lines) > _EXCERPT_LINES or len(text) > _EXCERPT_CHARS:
        text = text[: _EXCERPT_CHARS - 1].rstrip() + "…"
    return text


def headers(raw: bytes) -> tuple[str, str]:
    """(From, Subject) of a stored message, our reference taken off the subject."""
    msg = BytesHeaderParser(policy=default).parsebytes(raw)
    return str(msg.get("From", "")), without_reference(str(msg.get("Subject", "")))


def waited(since: datetime, now: datetime) -> str:
    """How long, in words a person uses: "3 hours", "2 days"."""
    hours = max(0, int((now - since).total_seconds() // 3600))
    if hours < 1:
        return "under an hour"
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{hours // 24} days"


def due(received_at: datetime, config: ProgrammeConfig) -> datetime:
    """When a message has waited two working days (days off are not counted)."""
    return add_working_days(
        received_at, OVERDUE_WORKING_DAYS, config.working_hours, config.programme.timezone
    )


def overdue(received_at: datetime, now: datetime, config: ProgrammeConfig) -> bool:
    return now >= due(received_at, config)


@dataclass(frozen=True)
class Item:
    """One message on the worklist, as the CLI and the digest show it."""

    id: int
    received_at: datetime
    sender: str
    subject: str
    reason_class: str
    reason: str
    excerpt: str
    waited: str
    overdue: bool


def item(record: InboundMessage, now: datetime, config: ProgrammeConfig) -> Item:
    assert record.id is not None
    sender, subject = headers(record.raw)
    return Item(
        id=record.id,
        received_at=record.received_at,
        sender=sender,
        subject=subject,
        reason_class=reason_class(record.kind, record.reason),
        reason=record.reason,
        excerpt=excerpt(record, config),
        waited=waited(record.received_at, now),
        overdue=overdue(record.received_at, now, config),
    )
