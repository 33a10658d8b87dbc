"""What only the IMAP or only the Maildir transport does."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from imapclient.imapclient import SENT

from service.mail.imap import DELETED
from service.mail.maildir import MaildirTransport
from service.mail.transport import Folder, TransportError
from tests.fakes.dovecot_server import SENT_FOLDER as DOVECOT_SENT
from tests.fakes.imap_server import ImapServer
from tests.fakes.smtp_server import RunningSmtp
from tests.transports.conftest import ImapHarness
from tests.transports.test_behaviour import make_raw, message_ids, outbound


def test_imap_ids_carry_uidvalidity_and_a_stale_one_is_never_acted_on(
    imap_harness: ImapHarness,
) -> None:
    harness = imap_harness
    harness.deliver(make_raw(1))
    (message,) = list(harness.transport.fetch_new())
    validity, uid = message.transport_id.split(":")
    stale = f"{int(validity) + 1}:{uid}"
    harness.transport.move(stale, Folder.PROCESSED)
    assert len(harness.inbox_raws()) == 1  # same UID, other UIDVALIDITY: left alone
    harness.transport.move(message.transport_id, Folder.PROCESSED)
    assert harness.inbox_raws() == []


def test_imap_reconnects_after_the_connection_drops(imap_harness: ImapHarness) -> None:
    harness = imap_harness
    harness.deliver(make_raw(1))
    assert len(list(harness.transport.fetch_new())) == 1
    harness.transport.client.shutdown()  # the server or network dropped us
    assert len(list(harness.transport.fetch_new())) == 1


def test_maildir_reads_dropped_eml_files_and_cur_with_flags(tmp_path: Path) -> None:
    mail = MaildirTransport(tmp_path / "mail")
    (tmp_path / "mail/inbox/new/dropped.eml").write_bytes(make_raw(1))
    (tmp_path / "mail/inbox/cur/seen-before:2,S").write_bytes(make_raw(2))
    os.utime(tmp_path / "mail/inbox/new/dropped.eml", (1_000, 1_000))
    os.utime(tmp_path / "mail/inbox/cur/seen-before:2,S", (2_000, 2_000))
    fetched = list(mail.fetch_new())
    assert [m.transport_id for m in fetched] == ["dropped.eml", "seen-before"]
    fresh = MaildirTransport(tmp_path / "mail")  # a new process, no cached paths
    fresh.move("seen-before", Folder.IGNORED)
    assert fresh.keys("ignored") == ["seen-before"]
    assert [m.transport_id for m in fresh.fetch_new()] == ["dropped.eml"]


def test_maildir_without_a_flush_delivers_whole_files_under_unique_keys(tmp_path: Path) -> None:
    # The demo's setting: the same Maildir delivery (tmp/, then new/), minus the fsync.
    mail = MaildirTransport(tmp_path / "mail", fsync=False)
    keys = [mail.send(make_raw(n), recipients=["p@example.net"]).provider_id for n in (1, 2)]
    assert len(set(keys)) == 2 and all(":" not in str(k) for k in keys)
    assert mail.keys("sent") == sorted(str(k) for k in keys)
    assert os.listdir(tmp_path / "mail/sent/tmp") == []
    assert (tmp_path / "mail/sent/new" / str(keys[1])).read_bytes() == make_raw(2)
    assert mail.already_sent("<inbound-1@example.net>") == keys[0]


def sent_message_ids(harness: ImapHarness, folder: str) -> list[str]:
    return message_ids(harness.raws_in(folder))


def test_what_smtp_sent_is_filed_in_the_servers_sent_folder(imap_harness: ImapHarness) -> None:
    harness = imap_harness
    harness.transport.send(outbound(1), recipients=["recipient1@example.net"])
    folders = harness.folders()
    if harness.server.kind == "dovecot":
        # Dovecot flags its Sent folder \Sent (RFC 6154): that one, not our default name.
        assert SENT in folders[DOVECOT_SENT]
        assert "Sent" not in folders
        filed_in = DOVECOT_SENT
    else:
        assert not any(SENT in flags for flags in folders.values())  # pymap has no special-use
        filed_in = "Sent"
    assert sent_message_ids(harness, filed_in) == ["<outbound-1@mentoring.example.org>"]
    assert "copies of what SMTP sends are kept in" in " ".join(harness.transport.check().notes)


def test_without_a_special_use_folder_the_configured_sent_folder_is_used(
    pymap_server: ImapServer, smtp_server: RunningSmtp, tmp_path: Path
) -> None:
    harness = ImapHarness(pymap_server, smtp_server, tmp_path)
    transport = harness.transport_with(IMAP_SENT_FOLDER="Mentoring sent")
    try:
        transport.send(outbound(1), recipients=["recipient1@example.net"])
        assert transport.already_sent("<outbound-1@mentoring.example.org>") is not None
        assert sent_message_ids(harness, "Mentoring sent") == ["<outbound-1@mentoring.example.org>"]
    finally:
        transport.close()
        harness.transport.close()
        harness.close()


def test_without_the_sent_folder_nothing_is_handed_to_smtp(imap_harness: ImapHarness) -> None:
    """IMAP refuses us: the copy that records the send cannot be filed first, so SMTP is not
    given the message (a crash after it could not be told from one before it); the outbox
    tries again later."""
    transport = imap_harness.transport_with(IMAP_PASSWORD="wrong-password")
    try:
        with pytest.raises(TransportError) as refused:
            transport.send(outbound(1), recipients=["recipient1@example.net"])
    finally:
        transport.close()
    assert not refused.value.permanent
    assert imap_harness.sent_raws() == []


def test_the_smtp_copy_can_be_turned_off_for_a_server_that_files_it_itself(
    imap_harness: ImapHarness,
) -> None:
    transport = imap_harness.transport_with(IMAP_SAVE_SENT="false")
    try:
        transport.send(outbound(1), recipients=["recipient1@example.net"])
        assert transport.already_sent("<outbound-1@mentoring.example.org>") is None
    finally:
        transport.close()
    assert len(imap_harness.sent_raws()) == 1


def test_without_uidplus_moving_never_expunges_a_coordinators_deleted_message(
    dovecot_without_uidplus: ImapServer, smtp_server: RunningSmtp, tmp_path: Path
) -> None:
    harness = ImapHarness(dovecot_without_uidplus, smtp_server, tmp_path)
    admin = dovecot_without_uidplus.admin()
    try:
        assert not harness.transport.client.has_capability("MOVE")
        assert not harness.transport.client.has_capability("UIDPLUS")
        harness.deliver(make_raw(1))
        harness.deliver(make_raw(2))
        ours, theirs = list(harness.transport.fetch_new())
        # A coordinator deletes message 2 in their mail client, which has not expunged yet.
        admin.select_folder("INBOX")
        admin.add_flags([int(theirs.transport_id.split(":")[1])], [DELETED])

        harness.transport.move(ours.transport_id, Folder.PROCESSED)
        harness.transport.move(ours.transport_id, Folder.PROCESSED)  # a rerun: no second copy

        assert message_ids(harness.folder_raws(Folder.PROCESSED)) == ["<inbound-1@example.net>"]
        admin.select_folder("INBOX", readonly=True)
        still_there = admin.fetch(admin.search(["ALL"]), ["BODY.PEEK[]", "FLAGS"])
        ids = message_ids([bytes(item[b"BODY[]"]) for item in still_there.values()])
        assert "<inbound-2@example.net>" in ids  # theirs was not expunged by us
        assert list(harness.transport.fetch_new()) == []  # ours is flagged and never fetched
    finally:
        admin.logout()
        harness.transport.close()
        harness.close()
