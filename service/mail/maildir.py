"""The local mailbox: one Maildir per folder under ``$MENTORING_HOME/mail/``.

Used by the demo, local runs and most tests. A person can drop an ``.eml`` file into
``mail/inbox/new/`` and watch the answers appear in ``mail/sent/new/``. Every folder is
its own Maildir (``mail/inbox/{new,cur,tmp}`` and so on), so any mail client that reads
Maildir can open them.

Reading scans the directories itself rather than going through `mailbox.Maildir` for
each message: the keys are the same (the file name up to the first ``:``), and one
`scandir` plus one read per message keeps fetching well above 500 messages a second.
Outlook categories have no Maildir equivalent, so `category` is accepted and not kept;
a needs-attention message's reason goes into its filed copy as `X-Mentoring-Attention`
(`service.mail.filed_copy`), and one that arrived with the message is taken out. Other
messages move with one rename, untouched.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from service.mail.filed_copy import carries_ours, filed_copy
from service.mail.mentions import mentions
from service.mail.transport import (
    AttentionMark,
    FetchedMessage,
    Folder,
    MailboxReport,
    MailErasure,
    SendResult,
)

INBOX = "inbox"
SENT = "sent"
FOLDER_NAMES: tuple[str, ...] = (INBOX, SENT, *(folder.value for folder in Folder))
_SUBDIRS = ("new", "cur")
_HEADER_LIMIT = 64 * 1024  # Message-ID sits in the headers; never read whole bodies for it


def _moved(source: str, directory: str) -> bool:
    """Move a file into `directory` under its name; False when it is not there (any more).
    Same file system, so the rename is atomic: the message is in one place or the other."""
    try:
        os.replace(source, os.path.join(directory, os.path.basename(source)))
    except FileNotFoundError:
        return False
    return True


def _key_of(filename: str) -> str:
    # Maildir info ("<key>:2,S") follows the first colon; the key is what comes before.
    return filename.split(":", 1)[0]


def _message_id_of(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(_HEADER_LIMIT)
    except FileNotFoundError:
        return None
    head = head.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    for index, line in enumerate(lines):
        if line[:11].lower() == b"message-id:":
            value = line[11:]
            # A folded header continues on lines that start with white space.
            for more in lines[index + 1 :]:
                if not more[:1].isspace():
                    break
                value += more
            return value.strip().decode("ascii", "replace") or None
    return None


class MaildirTransport:
    """The `Transport` over local Maildirs: unlimited, instant, inspectable by hand."""

    name = "maildir"

    def __init__(self, root: Path, *, fsync: bool = True) -> None:
        self.root = Path(root)
        self.fsync = fsync
        self.root.mkdir(parents=True, exist_ok=True)
        self._boxes = {
            name: mailbox.Maildir(self.root / name, factory=None, create=True)
            for name in FOLDER_NAMES
        }
        # Where each inbox key was last seen, so a move does not rescan the inbox.
        self._paths: dict[str, str] = {}
        # Inbox keys whose message came with a header of our names: filed rewritten.
        self._forged: set[str] = set()
        # Sent files never change name or content: remember what was already read.
        self._sent_ids: dict[str, str | None] = {}
        self._unsynced = 0  # emails written without a flush, to keep their keys unique

    def folder_path(self, name: str) -> Path:
        return self.root / name

    # --- reading -------------------------------------------------------------------

    def _inbox_entries(self) -> list[tuple[int, str, str]]:
        entries: list[tuple[int, str, str]] = []
        for sub in _SUBDIRS:
            directory = self.root / INBOX / sub
            try:
                scan = os.scandir(directory)
            except FileNotFoundError:
                continue
            with scan:
                for entry in scan:
                    if entry.name.startswith(".") or not entry.is_file():
                        continue
                    try:
                        delivered = entry.stat().st_mtime_ns
                    except FileNotFoundError:
                        continue  # moved by another worker while we looked
                    entries.append((delivered, _key_of(entry.name), entry.path))
        entries.sort()
        return entries

    def fetch_new(self, limit: int | None = None) -> Iterator[FetchedMessage]:
        entries = self._inbox_entries()
        if limit is not None:
            entries = entries[:limit]
        for _delivered, key, path in entries:
            try:
                with open(path, "rb") as handle:
                    raw = handle.read()
            except FileNotFoundError:
                continue
            self._paths[key] = path
            if carries_ours(raw):
                self._forged.add(key)
            yield FetchedMessage(transport_id=key, raw=raw)

    def inbox_count(self) -> int:
        return len(self._inbox_entries())

    def keys(self, folder: str) -> list[str]:
        """The keys in one folder (inbox, sent, or a `Folder` value), for tests and checks."""
        found: list[str] = []
        for sub in _SUBDIRS:
            with os.scandir(self.root / folder / sub) as scan:
                found.extend(_key_of(e.name) for e in scan if not e.name.startswith("."))
        return sorted(found)

    # --- moving --------------------------------------------------------------------

    def _find_in_inbox(self, key: str) -> str | None:
        cached = self._paths.get(key)
        if cached and os.path.exists(cached):
            return cached
        direct = self.root / INBOX / "new" / key
        if direct.exists():
            return str(direct)
        for sub in _SUBDIRS:
            with os.scandir(self.root / INBOX / sub) as scan:
                for entry in scan:
                    if _key_of(entry.name) == key:
                        return entry.path
        return None

    def move(
        self,
        transport_id: str,
        folder: Folder,
        *,
        category: str | None = None,
        attention: AttentionMark | None = None,
    ) -> None:
        target = os.path.join(self.root, Folder(folder).value, "cur")
        cached = self._paths.pop(transport_id, None)
        note = attention.note if attention is not None else None
        if note is None and transport_id not in self._forged:
            if cached is not None and _moved(cached, target):
                return  # where the fetch saw it: the usual case, one rename
            source = self._find_in_inbox(transport_id)
            if source is not None:
                _moved(source, target)
            return  # else already moved (perhaps before a crash): nothing to do
        found = cached if cached is not None and os.path.exists(cached) else None
        source = found or self._find_in_inbox(transport_id)
        if source is None:
            return
        with contextlib.suppress(FileNotFoundError):  # moved by another worker meanwhile
            self._file_rewritten(source, Path(target) / os.path.basename(source), note)
        self._forged.discard(transport_id)

    def _file_rewritten(self, source: str, target: Path, note: str | None) -> None:
        """File our copy (our header in given a note, any inbound one out), then take it
        from the inbox. The copy keeps the inbox file's name, so a crash between the two
        steps leaves one copy, written again over itself when the message is handled the
        second time."""
        with open(source, "rb") as handle:
            raw = handle.read()
        copy = filed_copy(raw, note)
        temporary = target.parent.parent / "tmp" / target.name
        with open(temporary, "wb") as handle:
            handle.write(copy)
        os.replace(temporary, target)
        os.unlink(source)

    # --- sending -------------------------------------------------------------------

    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        # Maildir.add writes to tmp/, flushes, then moves the file to new/.
        key = self._boxes[SENT].add(raw) if self.fsync else self._add_unsynced(raw)
        return SendResult(provider_id=key)

    def _add_unsynced(self, raw: bytes) -> str:
        """Maildir delivery as `mailbox.Maildir.add` does it (tmp/ first, then one atomic
        rename into new/, so a reader never sees half a file), without the flush."""
        self._unsynced += 1
        host = socket.gethostname().replace("/", r"\057").replace(":", r"\072")
        key = f"{time.time_ns()}.M{self._unsynced}P{os.getpid()}.{host}"
        folder = self.root / SENT
        with open(folder / "tmp" / key, "xb") as handle:
            handle.write(raw)
        os.rename(folder / "tmp" / key, folder / "new" / key)
        return key

    def already_sent(self, message_id: str) -> str | None:
        wanted = message_id.strip()
        for sub in _SUBDIRS:
            directory = self.root / SENT / sub
            with os.scandir(directory) as scan:
                for entry in scan:
                    if entry.name.startswith("."):
                        continue
                    if entry.path not in self._sent_ids:
                        self._sent_ids[entry.path] = _message_id_of(entry.path)
                    if self._sent_ids[entry.path] == wanted:
                        return _key_of(entry.name)
        return None

    # --- erasure -------------------------------------------------------------------

    def erase_mail(self, terms: Sequence[str]) -> MailErasure:
        """Delete every file in every folder (inbox, sent and ours) that mentions a term."""
        deleted = 0
        for folder in FOLDER_NAMES:
            for sub in (*_SUBDIRS, "tmp"):
                try:
                    scan = os.scandir(self.root / folder / sub)
                except FileNotFoundError:
                    continue
                with scan:
                    paths = [e.path for e in scan if e.is_file()]
                for path in paths:
                    try:
                        with open(path, "rb") as handle:
                            raw = handle.read()
                    except FileNotFoundError:
                        continue
                    if mentions(raw, terms):
                        with contextlib.suppress(FileNotFoundError):
                            os.remove(path)
                        self._sent_ids.pop(path, None)
                        deleted += 1
        return MailErasure(deleted=deleted)

    def check(self) -> MailboxReport:
        return MailboxReport(
            backend=self.name,
            address=str(self.root),
            folders=FOLDER_NAMES,
            inbox_count=self.inbox_count(),
            notes=("local Maildir: sending writes to mail/sent and reaches nobody",),
        )

    def close(self) -> None:
        self._paths.clear()
