"""A mailbox over IMAP (imapclient), sending through Graph or SMTP.

Messages are named ``"<uidvalidity>:<uid>"``. A UID only means something together with
the folder's UIDVALIDITY: when the server changes it (a rebuilt mailbox), every old UID
may now point at a different message, so an id from before is never acted on; the
message is simply fetched again under its new id and the pipeline recognises it by its
Message-ID. Reading uses ``BODY.PEEK[]`` so fetching does not even set \\Seen.

Exchange Online wants XOAUTH2 with an app token for ``https://outlook.office365.com``;
other servers take a plain login.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError

from service.mail.mentions import mentions
from service.mail.transport import (
    FetchedMessage,
    Folder,
    MailboxReport,
    MailErasure,
    SendResult,
    TransportError,
)
from service.settings import ImapSettings

log = logging.getLogger(__name__)

# imapclient logs the IMAP conversation at DEBUG, message headers (names and addresses)
# included: keep it to INFO and above whatever the root level is.
logging.getLogger("imapclient").setLevel(logging.INFO)

INBOX = "INBOX"
EXCHANGE_IMAP_SCOPE = "https://outlook.office365.com/.default"
FOLDER_NAMES: dict[Folder, str] = {
    Folder.PROCESSED: "Processed",
    Folder.NEEDS_ATTENTION: "Needs attention",
    Folder.IGNORED: "Ignored",
}
_BATCH = 100
_APPENDUID = re.compile(rb"APPENDUID (\d+) (\d+)")
_RECOVERABLE = (IMAPClientError, OSError, socket.timeout)


class Sender(Protocol):
    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult: ...


def parse_id(transport_id: str) -> tuple[int, int]:
    try:
        validity, uid = transport_id.split(":", 1)
        return int(validity), int(uid)
    except ValueError:
        raise TransportError(f"not an IMAP message id: {transport_id!r}", permanent=True) from None


class ImapTransport:
    """The `Transport` over an IMAP mailbox."""

    name = "imap"

    def __init__(
        self,
        settings: ImapSettings,
        *,
        sender: Sender,
        token: Callable[[], str] | None = None,
        sent_folder: str = "Sent Items",
        save_sent: bool = False,
        timeout: float = 30.0,
    ) -> None:
        if not settings.host or not settings.username:
            raise TransportError("IMAP needs IMAP_HOST and IMAP_USERNAME", permanent=True)
        if settings.auth == "xoauth2" and token is None:
            raise TransportError("IMAP_AUTH=xoauth2 needs the Graph app settings", permanent=True)
        self.settings = settings
        self.sender = sender
        self._token = token
        self.sent_folder = settings.folder_prefix + sent_folder
        # Servers other than Exchange do not keep what SMTP sent: keep a copy ourselves.
        self.save_sent = save_sent
        self._timeout = timeout
        self._client: IMAPClient | None = None
        self._known_folders: set[str] = set()

    # --- connection ----------------------------------------------------------------

    def _connect(self) -> IMAPClient:
        client = IMAPClient(
            self.settings.host,
            port=self.settings.port,
            ssl=self.settings.ssl,
            timeout=self._timeout,
        )
        try:
            if self.settings.auth == "xoauth2" and self._token is not None:
                client.oauth2_login(self.settings.username, self._token())
            else:
                client.login(self.settings.username, self.settings.password)
        except IMAPClientError:
            client.shutdown()
            raise TransportError("IMAP login was refused", permanent=True) from None
        return client

    @property
    def client(self) -> IMAPClient:
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _with_retry(self, action: Callable[[IMAPClient], Any]) -> Any:
        """Run `action`, reconnecting once if the connection had gone away."""
        try:
            return action(self.client)
        except TransportError:
            raise
        except _RECOVERABLE:
            self._drop()
        try:
            return action(self.client)
        except TransportError:
            raise
        except _RECOVERABLE as error:
            self._drop()
            raise TransportError(f"IMAP failed: {type(error).__name__}") from None

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(*_RECOVERABLE):
                client.shutdown()

    def _select_inbox(self, client: IMAPClient) -> int:
        info = client.select_folder(INBOX)
        return int(info[b"UIDVALIDITY"])

    # --- reading -------------------------------------------------------------------

    def fetch_new(self, limit: int | None = None) -> Iterator[FetchedMessage]:
        def listing(client: IMAPClient) -> tuple[int, list[int]]:
            validity = self._select_inbox(client)
            return validity, sorted(int(uid) for uid in client.search(["NOT", "DELETED"]))

        validity, uids = self._with_retry(listing)
        if limit is not None:
            uids = uids[:limit]
        for start in range(0, len(uids), _BATCH):
            batch = uids[start : start + _BATCH]

            def fetch(client: IMAPClient, batch: list[int] = batch) -> dict[int, Any]:
                if self._select_inbox(client) != validity:
                    raise TransportError("IMAP UIDVALIDITY changed while reading; fetch again")
                return dict(client.fetch(batch, ["BODY.PEEK[]"]))

            data = self._with_retry(fetch)
            for uid in batch:
                item = data.get(uid)
                if item is None:
                    continue  # moved by another worker since the search
                yield FetchedMessage(transport_id=f"{validity}:{uid}", raw=bytes(item[b"BODY[]"]))

    # --- moving --------------------------------------------------------------------

    def folder_name(self, folder: Folder) -> str:
        return self.settings.folder_prefix + FOLDER_NAMES[Folder(folder)]

    def _ensure_folder(self, client: IMAPClient, name: str) -> None:
        if name in self._known_folders:
            return
        if not client.folder_exists(name):
            try:
                client.create_folder(name)
            except IMAPClientError:
                if not client.folder_exists(name):  # not a race with another worker
                    raise
        self._known_folders.add(name)

    def move(self, transport_id: str, folder: Folder, *, category: str | None = None) -> None:
        validity, uid = parse_id(transport_id)
        target = self.folder_name(folder)

        def action(client: IMAPClient) -> None:
            self._ensure_folder(client, target)
            if self._select_inbox(client) != validity:
                # The UID may now name another message: leave it; it is fetched again.
                log.warning("IMAP UIDVALIDITY changed; not moving a message by its old id")
                return
            if not client.search(["UID", str(uid)]):
                return  # already moved (perhaps before a crash)
            if client.has_capability("MOVE"):
                client.move([uid], target)
                return
            client.copy([uid], target)
            client.add_flags([uid], [b"\\Deleted"])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            else:
                client.expunge()

        # IMAP keywords are not shown by Outlook, so `category` has no IMAP equivalent.
        self._with_retry(action)

    # --- sending -------------------------------------------------------------------

    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        result = self.sender.send(raw, recipients=recipients)
        if self.save_sent:

            def keep(client: IMAPClient) -> Any:
                self._ensure_folder(client, self.sent_folder)
                return client.append(self.sent_folder, raw, flags=[b"\\Seen"])

            answer = self._with_retry(keep)
            appended = _APPENDUID.search(answer) if isinstance(answer, bytes) else None
            if result.provider_id is None and appended:
                result = SendResult(provider_id=f"{int(appended[1])}:{int(appended[2])}")
        return result

    def already_sent(self, message_id: str) -> str | None:
        wanted = message_id.strip()

        def search(client: IMAPClient) -> str | None:
            if not client.folder_exists(self.sent_folder):
                return None
            info = client.select_folder(self.sent_folder, readonly=True)
            found = client.search(["HEADER", "Message-ID", wanted])
            if not found:
                return None
            return f"{int(info[b'UIDVALIDITY'])}:{min(found)}"

        found: str | None = self._with_retry(search)
        return found

    # --- erasure -------------------------------------------------------------------

    def erase_mail(self, terms: Sequence[str]) -> MailErasure:
        """Delete what mentions a term from the inbox, Sent and our folders.

        The server's SEARCH (From, To, Cc, text) finds most; not every server decodes
        base64 or quoted-printable bodies for TEXT, so the rest are read once and
        checked decoded (`mentions`) before anything is left behind.
        """
        folders = [INBOX, self.sent_folder, *(self.folder_name(f) for f in FOLDER_NAMES)]
        wanted = [t for t in terms if t.strip()]

        def matching(client: IMAPClient) -> set[int]:
            uids: set[int] = set()
            for term in wanted:
                criteria = ["OR", "FROM", term, "OR", "TO", term, "OR", "CC", term, "TEXT", term]
                uids.update(int(u) for u in client.search(criteria, charset="UTF-8"))
            rest = sorted({int(u) for u in client.search(["NOT", "DELETED"])} - uids)
            for start in range(0, len(rest), _BATCH):
                data = client.fetch(rest[start : start + _BATCH], ["BODY.PEEK[]"])
                uids.update(
                    int(uid)
                    for uid, item in data.items()
                    if mentions(bytes(item.get(b"BODY[]", b"")), wanted)
                )
            return uids

        def erase(client: IMAPClient) -> int:
            deleted = 0
            for name in folders:
                if not client.folder_exists(name):
                    continue
                client.select_folder(name)
                uids = matching(client)
                if uids:
                    client.add_flags(sorted(uids), [b"\\Deleted"])
                    client.expunge()
                    deleted += len(uids)
            return deleted

        return MailErasure(deleted=int(self._with_retry(erase)))

    def check(self) -> MailboxReport:
        def look(client: IMAPClient) -> MailboxReport:
            names = tuple(str(name) for _flags, _sep, name in client.list_folders())
            info = client.select_folder(INBOX, readonly=True)
            wanted = [self.folder_name(folder) for folder in FOLDER_NAMES]
            missing = [name for name in wanted if name not in names]
            return MailboxReport(
                backend=self.name,
                address=self.settings.username,
                folders=names,
                inbox_count=int(info[b"EXISTS"]),
                notes=tuple(f"will create folder {n!r} on first use" for n in missing),
            )

        report: MailboxReport = self._with_retry(look)
        return report

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(*_RECOVERABLE):
                client.logout()
