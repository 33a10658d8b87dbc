"""What only the IMAP or only the Maildir transport does."""

from __future__ import annotations

import os
from pathlib import Path

from service.mail.maildir import MaildirTransport
from service.mail.transport import Folder
from tests.transports.conftest import ImapHarness
from tests.transports.test_behaviour import make_raw


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
