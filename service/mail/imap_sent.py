"""The IMAP Sent folder as the record of what was handed to SMTP.

SMTP cannot be asked afterwards whether it took a message. So the copy in the Sent folder
(the server's ``\\Sent`` special-use folder, else ``IMAP_SENT_FOLDER``) is filed *before*
the message is handed over, flagged ``\\Draft`` ("not finished"), and the flag is cleared
once the server has answered 250. After a crash, what Sent holds under our Message-ID says
what happened:

- nothing: we never reached the SMTP server, so sending it now sends it once;
- a copy without ``\\Draft``: the server accepted it; it is recorded as sent;
- only a copy flagged ``\\Draft``: we stopped while the server was being given it, and
  it may or may not have gone. Sending again could send it twice, so it is not sent
  again on our own: the coordinators are told and decide (`MaybeSent`).

``\\Draft`` is a system flag every IMAP server keeps (a keyword of our own is not: pymap
drops keywords it was not told about).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesHeaderParser

from imapclient import IMAPClient

from service.mail.transport import TransportError

DRAFT = b"\\Draft"
SEEN = b"\\Seen"
DELETED = b"\\Deleted"


@dataclass(frozen=True)
class SentCopy:
    """Our copies of one message in the Sent folder (normally one)."""

    uidvalidity: int
    uids: tuple[int, ...]
    confirmed: bool  # at least one copy no longer flagged \Draft: the server accepted it

    @property
    def provider_id(self) -> str:
        return f"{self.uidvalidity}:{min(self.uids)}"


def message_id_of(raw: bytes) -> str:
    """The Message-ID our composer wrote; without one a send cannot be made idempotent."""
    found = str(BytesHeaderParser().parsebytes(raw).get("Message-ID", "")).strip()
    if not found:
        raise TransportError("a message without a Message-ID cannot be sent", permanent=True)
    return found


def find(client: IMAPClient, folder: str, message_id: str) -> SentCopy | None:
    """Our copy of the message with this Message-ID, if Sent holds one."""
    if not client.folder_exists(folder):
        return None
    info = client.select_folder(folder)
    wanted = ["HEADER", "Message-ID", message_id, "NOT", "DELETED"]
    uids = {int(u) for u in client.search(wanted)}
    if not uids:
        return None
    drafts = {int(u) for u in client.search([*wanted, "DRAFT"])}
    return SentCopy(int(info[b"UIDVALIDITY"]), tuple(sorted(uids)), bool(uids - drafts))


def file_unconfirmed(client: IMAPClient, folder: str, raw: bytes, message_id: str) -> SentCopy:
    """Before handing the message over: its copy in Sent, flagged \\Draft. A copy an earlier
    attempt left (its send failed and the copy could not be taken back) is used again."""
    found = find(client, folder, message_id)
    if found is not None:
        return found
    client.append(folder, raw, flags=[SEEN, DRAFT])
    found = find(client, folder, message_id)
    if found is None:
        raise TransportError("the IMAP server did not keep the copy of the message")
    return found


def _select_same(client: IMAPClient, folder: str, copy: SentCopy) -> bool:
    info = client.select_folder(folder)
    # A changed UIDVALIDITY means the UIDs may name other messages now: leave them alone.
    return int(info[b"UIDVALIDITY"]) == copy.uidvalidity


def confirm(client: IMAPClient, folder: str, copy: SentCopy) -> None:
    """The server accepted the message: its copy is an ordinary sent message now."""
    if _select_same(client, folder, copy):
        client.remove_flags(list(copy.uids), [DRAFT])


def withdraw(client: IMAPClient, folder: str, copy: SentCopy) -> None:
    """The server refused the message: it was not sent, so its copy goes."""
    if not _select_same(client, folder, copy):
        return
    client.add_flags(list(copy.uids), [DELETED])
    if client.has_capability("UIDPLUS"):
        client.uid_expunge(list(copy.uids))
    # Without UIDPLUS a plain EXPUNGE would also remove what a coordinator marked deleted:
    # ours stays flagged \Deleted (never counted as a copy) until their next expunge.
