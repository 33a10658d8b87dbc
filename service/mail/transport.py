"""The one interface every mailbox implements.

The inbound pipeline and the outbox only ever see this, so they cannot tell Microsoft
Graph from IMAP from a local Maildir. A transport does I/O and nothing else: it never
decides what a message means.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Folder(StrEnum):
    """Where handled mail goes. The inbox is where new mail waits."""

    PROCESSED = "processed"
    NEEDS_ATTENTION = "needs-attention"
    IGNORED = "ignored"


@dataclass(frozen=True)
class AttentionMark:
    """Why a message was set aside, filed with it for the coordinators: `category` is an
    Outlook category per class of reason, `note` the reason in words (a flag's text on
    Graph, the `X-Mentoring-Attention` header of the filed copy in a Maildir or on IMAP)."""

    category: str
    note: str


@dataclass(frozen=True)
class FetchedMessage:
    """One message as the mailbox holds it.

    `transport_id` is stable for as long as the message stays where it is (a Maildir key,
    a Graph immutable id, or ``"<uidvalidity>:<uid>"`` on IMAP).
    """

    transport_id: str
    raw: bytes


@dataclass(frozen=True)
class SendResult:
    """What the provider said when it accepted a message (its id, when it gives one)."""

    provider_id: str | None = None


@dataclass(frozen=True)
class MailboxReport:
    """What `mentoring mailbox check` shows: it reads, it never sends."""

    backend: str
    address: str
    folders: tuple[str, ...]
    inbox_count: int | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class MailErasure:
    """What erasing a person's mail did: how many messages went, and the ids of those the
    mailbox would not let us delete (listed for the coordinators to remove by hand)."""

    deleted: int = 0
    left: tuple[str, ...] = ()


class TransportError(Exception):
    """The mailbox could not do what was asked. `permanent` means retrying will not help."""

    def __init__(self, message: str, *, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


class MaybeSent(TransportError):
    """The provider was being given the message when we stopped, and it cannot say whether
    it took it (SMTP). Sending again could send it twice, so a person decides."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=True)


@runtime_checkable
class Transport(Protocol):
    name: str

    def fetch_new(self, limit: int | None = None) -> Iterator[FetchedMessage]:
        """Messages waiting in the inbox, oldest first. Fetching changes nothing."""
        ...

    def move(
        self,
        transport_id: str,
        folder: Folder,
        *,
        category: str | None = None,
        attention: AttentionMark | None = None,
    ) -> None:
        """Move a handled message out of the inbox (this is how it is marked processed).

        `category` is a short label the coordinators see (an Outlook category on Graph);
        `attention`, given for needs-attention, says why (see `AttentionMark`). A header of
        our names (`X-Mentoring-*`) that arrived with the message is never kept in the copy
        filed in a Maildir or on IMAP, whatever the folder (Graph keeps the message as it
        came: its headers cannot be changed, and Outlook shows its flag instead).
        Moving a message that is already gone is not an error: a crash may have moved it.
        """
        ...

    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        """Send one complete MIME message (our headers intact) to `recipients`."""
        ...

    def already_sent(self, message_id: str) -> str | None:
        """The provider id of a sent message with this Message-ID, if the provider can tell.

        Used to reconcile after a crash between the provider accepting a message and us
        recording it. Returns None when it was not sent or the provider cannot say; raises
        `MaybeSent` when it shows we stopped while handing it over (IMAP + SMTP).
        """
        ...

    def erase_mail(self, terms: Sequence[str]) -> MailErasure:
        """Delete every message in our folders (inbox, sent, processed, needs-attention,
        ignored) whose headers or decoded text mention any of `terms` (an address, a full
        name; compared case-insensitively). Used by erasure; never logs a term."""
        ...

    def check(self) -> MailboxReport:
        """Connect, list folders, count the inbox; send nothing."""
        ...

    def close(self) -> None: ...
