"""STARTTLS, private certificates and the Sent copy for IMAP and SMTP, on servers that insist.

Dovecot here runs with `ssl = required`: the transport suite passing on it shows the
password only ever goes after STARTTLS. These tests show what happens when a setting is
missing or wrong: one clear sentence, never a password in clear.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.mail.factory import imap_transport
from service.mail.graph import GraphTransport
from service.mail.smtp import SmtpSender
from service.mail.transport import TransportError
from service.settings import SmtpSettings, load_settings
from tests.cli_runner import run
from tests.fakes.dovecot_server import SENT_FOLDER as DOVECOT_SENT
from tests.fakes.graph_server import make_certificate
from tests.fakes.imap_server import ImapServer
from tests.fakes.smtp_server import RunningSmtp
from tests.transports.conftest import ImapHarness
from tests.transports.test_behaviour import make_raw, outbound

PLAIN_IMAP = {
    "MAIL_BACKEND": "imap",
    "IMAP_HOST": "imap.example.org",
    "IMAP_USERNAME": "mentoring@example.org",
    "SMTP_HOST": "smtp.example.org",
}


def refusal(harness: ImapHarness, **environment: str) -> str:
    transport = harness.transport_with(**environment)
    try:
        with pytest.raises(TransportError) as raised:
            list(transport.fetch_new())
    finally:
        transport.close()
    assert raised.value.permanent
    return str(raised.value)


@pytest.fixture
def dovecot(
    dovecot_server: ImapServer, smtp_server: RunningSmtp, tmp_path: Path
) -> Iterator[ImapHarness]:
    harness = ImapHarness(dovecot_server, smtp_server, tmp_path)
    yield harness
    harness.transport.close()
    harness.close()


def test_starttls_is_on_unless_turned_off() -> None:
    assert load_settings(PLAIN_IMAP).imap.starttls
    assert not load_settings({**PLAIN_IMAP, "IMAP_STARTTLS": "false"}).imap.starttls


def test_turning_starttls_off_is_refused_for_a_server_on_another_machine() -> None:
    settings = load_settings({**PLAIN_IMAP, "IMAP_SSL": "false", "IMAP_STARTTLS": "false"})
    with pytest.raises(TransportError, match="password in clear") as raised:
        imap_transport(settings)
    assert raised.value.permanent
    loopback = load_settings(
        {**PLAIN_IMAP, "IMAP_HOST": "127.0.0.1", "IMAP_SSL": "false", "IMAP_STARTTLS": "false"}
    )
    imap_transport(loopback).close()  # allowed: nothing leaves the machine


def test_dovecot_refuses_a_password_without_starttls(dovecot: ImapHarness) -> None:
    # 127.0.0.2 is loopback, so we allow it; Dovecot (ssl = required) does not.
    assert "login was refused" in refusal(dovecot, IMAP_STARTTLS="false")


def test_a_private_certificate_needs_the_ca_file(dovecot: ImapHarness) -> None:
    message = refusal(dovecot, IMAP_CA_FILE="")
    assert "certificate is not trusted" in message and "IMAP_CA_FILE" in message


def test_implicit_tls_with_the_ca_file(dovecot: ImapHarness) -> None:
    imaps = {"IMAP_SSL": "true", "IMAP_PORT": str(dovecot.server.tls_port)}
    dovecot.deliver(make_raw(1))
    transport = dovecot.transport_with(**imaps)
    try:
        assert len(list(transport.fetch_new())) == 1
    finally:
        transport.close()
    message = refusal(dovecot, **imaps, IMAP_CA_FILE="")
    assert "certificate is not trusted" in message


def test_an_unreadable_ca_file_is_named(dovecot: ImapHarness, tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-ca.pem")
    assert refusal(dovecot, IMAP_CA_FILE=missing).startswith("IMAP_CA_FILE: cannot read")


def test_a_server_without_starttls_gets_no_password(
    pymap_server: ImapServer, smtp_server: RunningSmtp, tmp_path: Path
) -> None:
    harness = ImapHarness(pymap_server, smtp_server, tmp_path)
    try:
        assert "does not offer STARTTLS" in refusal(harness, IMAP_STARTTLS="true")
    finally:
        harness.transport.close()
        harness.close()


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[RunningSmtp, Path]]:
    cert, key = make_certificate(tmp_path)
    server = RunningSmtp(certificate=(cert, key))
    yield server, cert
    server.stop()


def smtp(port: int, ca_file: str = "") -> SmtpSender:
    return SmtpSender(SmtpSettings(host="127.0.0.1", port=port, ca_file=ca_file))


def test_smtp_uses_starttls_with_the_ca_file(tls_smtp: tuple[RunningSmtp, Path]) -> None:
    server, cert = tls_smtp
    smtp(server.port, ca_file=str(cert)).send(outbound(1), recipients=["r@example.net"])
    assert len(server.recorder.messages) == 1


def test_smtp_without_the_ca_file_says_so_and_sends_nothing(
    tls_smtp: tuple[RunningSmtp, Path],
) -> None:
    server, _cert = tls_smtp
    with pytest.raises(TransportError, match="SMTP_CA_FILE") as raised:
        smtp(server.port).send(outbound(1), recipients=["r@example.net"])
    assert raised.value.permanent
    assert server.recorder.messages == []


def test_smtp_server_without_starttls_is_refused_by_default(smtp_server: RunningSmtp) -> None:
    with pytest.raises(TransportError, match="does not offer STARTTLS") as raised:
        smtp(smtp_server.port).send(outbound(1), recipients=["r@example.net"])
    assert raised.value.permanent
    assert smtp_server.recorder.messages == []


def test_smtp_password_in_clear_is_refused_for_another_machine() -> None:
    settings = SmtpSettings(host="smtp.example.org", starttls=False, username="u", password="p")
    with pytest.raises(TransportError, match="in clear"):
        SmtpSender(settings)


def test_mailbox_check_on_dovecot_as_a_coordinator_runs_it(
    dovecot: ImapHarness, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in dovecot.environment.items():
        if name != "MENTORING_HOME":
            monkeypatch.setenv(name, value)
    assert run("init")[0] == 0
    code, out = run("mailbox", "check")
    assert code == 0, out
    assert f"copies of what SMTP sends are kept in '{DOVECOT_SENT}'" in out

    monkeypatch.setenv("IMAP_CA_FILE", "")
    code, out = run("mailbox", "check")
    assert code == 1
    assert "certificate is not trusted" in out and len(out.strip().splitlines()) == 1


def test_the_factory_files_smtp_copies_but_leaves_graphs_to_sent_items() -> None:
    over_smtp = imap_transport(load_settings({**PLAIN_IMAP}))
    assert isinstance(over_smtp.sender, SmtpSender) and over_smtp.save_sent
    graph = {
        "GRAPH_TENANT_ID": "tenant",
        "GRAPH_CLIENT_ID": "client",
        "GRAPH_CLIENT_SECRET": "not-a-secret",
        "GRAPH_MAILBOX": "mentoring@example.org",
    }
    over_graph = imap_transport(load_settings({**PLAIN_IMAP, **graph}))
    assert isinstance(over_graph.sender, GraphTransport) and not over_graph.save_sent
