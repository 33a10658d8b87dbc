"""A mailbox over IMAP (imapclient), sending through Graph or SMTP.

Messages are named ``"<uidvalidity>:<uid>"``. A UID only means something together with
the folder's UIDVALIDITY: when the server changes it (a rebuilt mailbox), every old UID
may now point at a different message, so an id from before is never acted on; the
message is simply fetched again under its new id and the pipeline recognises it by its
Message-ID. Reading uses ``BODY.PEEK[]`` so fetching does not even set \\Seen.

Exchange Online wants XOAUTH2 with an app token for ``https://outlook.office365.com``;
other servers take a plain login. Without implicit TLS (``IMAP_SSL=false``) the connection
is upgraded with STARTTLS before anything is sent; going without it is allowed only for a
server on this machine.

Sending over SMTP leaves no trace an IMAP client can ask about, so every message is filed
in the Sent folder (the server's ``\\Sent`` special-use folder, RFC 6154, else
``IMAP_SENT_FOLDER``) flagged ``\\Draft`` *before* it is handed to SMTP, and the flag is
cleared once SMTP accepted it (`service.mail.imap_sent`). `already_sent` reads that record
after a crash: no copy, never handed over; a plain copy, sent; a ``\\Draft`` copy, it may
have gone, so it is never sent again on our own (`MaybeSent`).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientError
from imapclient.imapclient import SENT

from service.mail import imap_sent
from service.mail.filed_copy import SOURCE_HEADER, carries_ours, filed_copy
from service.mail.mentions import mentions
from service.mail.tls import is_loopback, tls_context, untrusted
from service.mail.transport import (
    AttentionMark,
    FetchedMessage,
    Folder,
    MailboxReport,
    MailErasure,
    MaybeSent,
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
_RECOVERABLE = (IMAPClientError, OSError, socket.timeout)
DELETED = imap_sent.DELETED


def _hang_up(client: IMAPClient) -> None:
    with contextlib.suppress(*_RECOVERABLE):
        client.shutdown()


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
        save_sent: bool = False,
        timeout: float = 30.0,
    ) -> None:
        if not settings.host or not settings.username:
            raise TransportError("IMAP needs IMAP_HOST and IMAP_USERNAME", permanent=True)
        if settings.auth == "xoauth2" and token is None:
            raise TransportError("IMAP_AUTH=xoauth2 needs the Graph app settings", permanent=True)
        if not settings.ssl and not settings.starttls and not is_loopback(settings.host):
            raise TransportError(
                "IMAP_SSL=false with IMAP_STARTTLS=false would send the password in clear;"
                " that is allowed only for a server on this machine (localhost, 127.0.0.1)",
                permanent=True,
            )
        self.settings = settings
        self.sender = sender
        self._token = token
        # Servers other than Exchange do not keep what SMTP sent: keep a copy ourselves.
        self.save_sent = save_sent
        self._timeout = timeout
        self._client: IMAPClient | None = None
        self._known_folders: set[str] = set()
        # Inbox ids whose message came with a header of our names: filed as a rewritten copy.
        self._forged: set[str] = set()
        self._sent_folder: str | None = None

    # --- connection ----------------------------------------------------------------

    def _connect(self) -> IMAPClient:
        context = tls_context(self.settings.ca_file, setting="IMAP_CA_FILE")
        try:
            client = IMAPClient(
                self.settings.host,
                port=self.settings.port,
                ssl=self.settings.ssl,
                ssl_context=context,
                timeout=self._timeout,
            )
        except ssl.SSLCertVerificationError:
            raise untrusted("IMAP", "IMAP_CA_FILE") from None
        try:
            if not self.settings.ssl and self.settings.starttls:
                self._starttls(client, context)
            if self.settings.auth == "xoauth2" and self._token is not None:
                client.oauth2_login(self.settings.username, self._token())
            else:
                client.login(self.settings.username, self.settings.password)
        except IMAPClientError:
            _hang_up(client)
            raise TransportError("IMAP login was refused", permanent=True) from None
        except BaseException:
            _hang_up(client)
            raise
        return client

    @staticmethod
    def _starttls(client: IMAPClient, context: ssl.SSLContext) -> None:
        if not client.has_capability("STARTTLS"):
            raise TransportError(
                "the IMAP server does not offer STARTTLS, so the password would go in clear;"
                " use IMAP_SSL=true (usually port 993)",
                permanent=True,
            )
        try:
            client.starttls(context)
        except ssl.SSLCertVerificationError:
            raise untrusted("IMAP", "IMAP_CA_FILE") from None

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
            _hang_up(client)

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
                raw = bytes(item[b"BODY[]"])
                if carries_ours(raw):
                    self._forged.add(f"{validity}:{uid}")
                yield FetchedMessage(transport_id=f"{validity}:{uid}", raw=raw)

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

    def move(
        self,
        transport_id: str,
        folder: Folder,
        *,
        category: str | None = None,
        attention: AttentionMark | None = None,
    ) -> None:
        validity, uid = parse_id(transport_id)
        target = self.folder_name(folder)

        def action(client: IMAPClient) -> None:
            self._ensure_folder(client, target)
            if self._select_inbox(client) != validity:
                # The UID may now name another message: leave it; it is fetched again.
                log.warning("IMAP UIDVALIDITY changed; not moving a message by its old id")
                return
            if not client.search(["UID", str(uid), "NOT", "DELETED"]):
                return  # already moved (perhaps before a crash)
            if attention is not None or transport_id in self._forged:
                # A message cannot be changed on IMAP: ours is a rewritten copy.
                note = attention.note if attention is not None else None
                self._file_marked(client, validity, uid, target, note)
                self._forged.discard(transport_id)
                return
            if client.has_capability("MOVE"):
                client.move([uid], target)
                return
            client.copy([uid], target)
            client.add_flags([uid], [DELETED])
            if client.has_capability("UIDPLUS"):
                client.uid_expunge([uid])
            # Without UIDPLUS the only EXPUNGE there is removes every \\Deleted message,
            # including any a coordinator marked and meant to keep until they expunge: ours
            # stays flagged (never fetched again) and goes at their next expunge.

        # IMAP keywords are not shown by Outlook, so `category` has no IMAP equivalent.
        self._with_retry(action)

    def _file_marked(
        self, client: IMAPClient, validity: int, uid: int, target: str, note: str | None
    ) -> None:
        """A message cannot be changed on IMAP: file a copy with our header given a note
        (and without any that arrived) by APPEND, then delete the original. The copy names
        its source (`X-Mentoring-Filed-From`), so after a crash between the two the
        original, handled again as a repeat, finds its copy already filed and is only
        deleted."""
        fetched = client.fetch([uid], ["BODY.PEEK[]", "INTERNALDATE"]).get(uid, {})
        raw = fetched.get(b"BODY[]")
        if raw is None:
            return  # gone since we searched
        source = f"<{validity}/{uid}>"  # delimited: IMAP HEADER search matches substrings
        if not self._filed_already(client, target, source):
            copy = filed_copy(bytes(raw), note, source)
            client.append(target, copy, msg_time=fetched.get(b"INTERNALDATE"))
        client.add_flags([uid], [DELETED])
        if client.has_capability("UIDPLUS"):
            client.uid_expunge([uid])

    def _filed_already(self, client: IMAPClient, target: str, source: str) -> bool:
        """Whether a copy of the inbox message `source` is in `target` (the inbox is
        selected again before returning)."""
        client.select_folder(target, readonly=True)
        try:
            return bool(client.search(["HEADER", SOURCE_HEADER, source, "NOT", "DELETED"]))
        finally:
            self._select_inbox(client)

    # --- sending -------------------------------------------------------------------

    def sent_folder(self, client: IMAPClient) -> str:
        """The server's \\Sent special-use folder (RFC 6154), else the configured name."""
        if self._sent_folder is None:
            flagged = [name for flags, _sep, name in client.list_folders() if SENT in flags]
            configured = self.settings.folder_prefix + self.settings.sent_folder
            self._sent_folder = str(flagged[0]) if flagged else configured
        return self._sent_folder

    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        """Hand the message to SMTP at most once (see `service.mail.imap_sent`): its copy is
        filed in Sent flagged \\Draft first, and the flag cleared once SMTP accepted it.
        Without the Sent folder nothing is handed over (the outbox tries again later)."""
        if not self.save_sent:
            return self.sender.send(raw, recipients=recipients)
        message_id = imap_sent.message_id_of(raw)

        def file(client: IMAPClient) -> imap_sent.SentCopy:
            folder = self.sent_folder(client)
            self._ensure_folder(client, folder)
            return imap_sent.file_unconfirmed(client, folder, raw, message_id)

        try:
            copy: imap_sent.SentCopy = self._with_retry(file)
        except TransportError as error:
            # Not the email's fault (a mailbox down, a password changed): it waits, untouched.
            raise TransportError(
                f"nothing sent: the copy in Sent could not be filed ({error})"
            ) from None
        if copy.confirmed:
            return SendResult(provider_id=copy.provider_id)  # an earlier attempt went out
        try:
            self.sender.send(raw, recipients=recipients)
        except TransportError:
            self._settle_copy(imap_sent.withdraw, copy)
            raise
        self._settle_copy(imap_sent.confirm, copy)
        return SendResult(provider_id=copy.provider_id)

    def _settle_copy(
        self, step: Callable[[IMAPClient, str, imap_sent.SentCopy], None], copy: imap_sent.SentCopy
    ) -> None:
        """Confirm or withdraw the copy. SMTP has answered, so failing now would only make
        the outbox repeat a send whose outcome is known: log it and go on."""
        try:
            self._with_retry(lambda client: step(client, self.sent_folder(client), copy))
        except TransportError as error:
            log.warning("IMAP could not update the copy of a message in Sent: %s", error)

    def already_sent(self, message_id: str) -> str | None:
        """The copy's id if SMTP accepted it; `MaybeSent` if we stopped while handing it
        over (only a \\Draft copy); None if it never reached SMTP (no copy)."""
        wanted = message_id.strip()
        copy: imap_sent.SentCopy | None = self._with_retry(
            lambda client: imap_sent.find(client, self.sent_folder(client), wanted)
        )
        if copy is None:
            return None
        if not copy.confirmed and self.save_sent:
            raise MaybeSent(
                "the process stopped while the SMTP server was being given this email:"
                " it may or may not have been sent"
            )
        return copy.provider_id

    # --- erasure -------------------------------------------------------------------

    def erase_mail(self, terms: Sequence[str]) -> MailErasure:
        """Delete what mentions a term from the inbox, Sent and our folders.

        The server's SEARCH (From, To, Cc, text) finds most; not every server decodes
        base64 or quoted-printable bodies for TEXT, so the rest are read once and
        checked decoded (`mentions`) before anything is left behind.
        """
        ours = [self.folder_name(f) for f in FOLDER_NAMES]
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
            for name in [INBOX, self.sent_folder(client), *ours]:
                if not client.folder_exists(name):
                    continue
                client.select_folder(name)
                uids = matching(client)
                if uids:
                    client.add_flags(sorted(uids), [DELETED])
                    if client.has_capability("UIDPLUS"):
                        client.uid_expunge(sorted(uids))
                    else:
                        # Only a plain EXPUNGE is left, which also takes what others marked
                        # \\Deleted: for an erasure, leaving the person's mail is worse.
                        client.expunge()
                    deleted += len(uids)
            return deleted

        return MailErasure(deleted=int(self._with_retry(erase)))

    def check(self) -> MailboxReport:
        def look(client: IMAPClient) -> MailboxReport:
            names = tuple(str(name) for _flags, _sep, name in client.list_folders())
            info = client.select_folder(INBOX, readonly=True)
            wanted = [self.folder_name(folder) for folder in FOLDER_NAMES]
            if self.save_sent:
                wanted.append(self.sent_folder(client))
            missing = [name for name in wanted if name not in names]
            notes = [f"will create folder {n!r} on first use" for n in missing]
            if self.save_sent:
                notes.append(f"copies of what SMTP sends are kept in {self.sent_folder(client)!r}")
            return MailboxReport(
                backend=self.name,
                address=self.settings.username,
                folders=names,
                inbox_count=int(info[b"EXISTS"]),
                notes=tuple(notes),
            )

        report: MailboxReport = self._with_retry(look)
        return report

    def close(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            with contextlib.suppress(*_RECOVERABLE):
                client.logout()
