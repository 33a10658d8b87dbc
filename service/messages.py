"""What handlers and jobs return: emails to send, described, not yet rendered.

A handler never renders or sends; it returns `Email` intents and the outbox turns them
into stored MIME in the same transaction as the state change (see `service.mail.outbox`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from service.purpose import GENERAL, Purpose

if TYPE_CHECKING:
    from service.domain.model import Person


@dataclass(frozen=True)
class Recipient:
    address: str
    name: str = ""
    person_id: int | None = None  # None for coordinators and unknown senders


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Email:
    """One logical email. `key` is its identity: the same key is never sent twice."""

    key: str
    template: str
    to: Recipient
    context: dict[str, Any] = field(default_factory=dict)
    # What the email asks, so a bare "yes"/"no" in a reply answers it (see tokens).
    purpose: Purpose = GENERAL
    attachments: tuple[Attachment, ...] = ()
    # Answers to someone's mail count towards their daily limit of automatic answers.
    automatic_answer: bool = False
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    # A reply token for this person although the email goes to someone else (a
    # coordinator's confirmation round trip about them); bound to the recipient's address.
    token_for: int | None = None


def recipient(person: Person) -> Recipient:
    return Recipient(address=person.email, name=person.name, person_id=person.id)


def person_context(person: Person) -> dict[str, str]:
    """The `person` every template receives: the recipient's names and address."""
    return {"first_name": person.first_name, "last_name": person.last_name, "email": person.email}
