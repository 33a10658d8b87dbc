"""SMTP sends at most once across a crash (IMAP + SMTP, on pymap and on Dovecot).

The process is killed (a BaseException nothing catches) at the exact point: after the SMTP
server said 250 but before anything recorded it, or before the SMTP server was reached.
A restarted process, past the reconcile wait, reads the Sent folder's record of the send.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from jobs.digest import _failures
from service import clock
from service.mail import outbox
from service.mail.imap_sent import DRAFT
from service.mail.transport import SendResult, TransportError
from service.store.database import Database
from service.store.orm import outbound_messages
from service.store.records import OutboundStatus
from service.store.sql_unit_of_work import SqlUnitOfWork
from tests.transports.conftest import ImapHarness
from tests.transports.test_behaviour import Crash, outbound, queue_outbound

START = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
MESSAGE_ID = "<outbound-1@mentoring.example.org>"


def sent_copy_flags(harness: ImapHarness) -> list[tuple[bytes, ...]]:
    """The flags of each copy of outbound(1) in the Sent folder."""
    admin = harness.server.admin()
    try:
        folder = harness.transport.sent_folder(admin)
        if not admin.folder_exists(folder):
            return []
        admin.select_folder(folder, readonly=True)
        uids = admin.search(["HEADER", "Message-ID", MESSAGE_ID, "NOT", "DELETED"])
        return [tuple(flags) for flags in admin.get_flags(uids).values()]
    finally:
        admin.logout()


def restart_and_drain(harness: ImapHarness, db: Database) -> outbox.DrainReport:
    """A new process after the reconcile wait: drain twice (the second must do nothing)."""
    clock.set_now(START + outbox.RECONCILE_AFTER + timedelta(minutes=1))
    restarted = harness.fresh()
    try:
        report = outbox.drain(db, restarted)
        again = outbox.drain(db, restarted)
    finally:
        restarted.close()
    assert (again.reconciled, again.sent) == (0, 0)
    return report


def record(db: Database) -> tuple[OutboundStatus, str | None]:
    o = outbound_messages.c
    with db.engine.connect() as conn:
        status, error = conn.execute(select(o.status, o.last_error)).one()
    return status, error


def test_killed_after_smtp_accepted_it_is_never_sent_twice(
    imap_harness: ImapHarness, db: Database
) -> None:
    """SMTP said 250, then the process died before the copy was confirmed or the record
    settled. Whether it went cannot be told apart from a death a moment earlier, so it is
    not sent again: it is marked "may have been sent" and the coordinators' digest lists it."""
    queue_outbound(db, 1, START)
    dying = imap_harness.transport
    smtp_send = dying.sender.send

    def accepted_then_die(raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        smtp_send(raw, recipients=recipients)
        raise Crash

    dying.sender.send = accepted_then_die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        outbox.drain(db, dying)
    assert len(imap_harness.sent_raws()) == 1
    assert [DRAFT in flags for flags in sent_copy_flags(imap_harness)] == [True]

    report = restart_and_drain(imap_harness, db)

    assert (report.reconciled, report.sent) == (1, 0)
    assert len(imap_harness.sent_raws()) == 1  # still once
    status, error = record(db)
    assert status is OutboundStatus.FAILED
    assert error is not None and error.startswith("may have been sent")
    with SqlUnitOfWork(db) as uow:
        events = uow.repo.audit_events(outbox.MAYBE_SENT_EVENT, START, clock.now())
        listed = _failures(uow, START, clock.now(), ())
    assert [e.detail["template"] for e in events] == ["help"]
    assert [f["job"] for f in listed] == ["an email (help)"]
    assert "may have been sent" in listed[0]["reason"]


def test_killed_before_smtp_was_reached_it_is_sent_once(
    imap_harness: ImapHarness, db: Database
) -> None:
    """Claimed, then the process died before the copy was filed: no copy means SMTP never
    had it, so the restart sends it, once, and its copy is an ordinary sent message."""
    queue_outbound(db, 1, START)
    dying = imap_harness.transport

    def die(raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        raise Crash

    dying.send = die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        outbox.drain(db, dying)
    assert imap_harness.sent_raws() == []

    report = restart_and_drain(imap_harness, db)

    assert (report.reconciled, report.sent) == (1, 1)
    assert len(imap_harness.sent_raws()) == 1
    assert record(db)[0] is OutboundStatus.SENT
    assert [DRAFT in flags for flags in sent_copy_flags(imap_harness)] == [False]


def test_a_message_smtp_refused_leaves_no_copy_in_sent(imap_harness: ImapHarness) -> None:
    imap_harness.smtp.recorder.refuse.add("recipient1@example.net")
    with pytest.raises(TransportError) as refused:
        imap_harness.transport.send(outbound(1), recipients=["recipient1@example.net"])
    assert refused.value.permanent
    assert imap_harness.sent_raws() == []
    assert sent_copy_flags(imap_harness) == []


def test_sending_the_same_message_again_after_it_went_sends_nothing(
    imap_harness: ImapHarness,
) -> None:
    """The Sent folder's confirmed copy makes a repeated send of one Message-ID a no-op."""
    first = imap_harness.transport.send(outbound(1), recipients=["recipient1@example.net"])
    again = imap_harness.transport.send(outbound(1), recipients=["recipient1@example.net"])
    assert first == again and first.provider_id is not None
    assert len(imap_harness.sent_raws()) == 1
    assert [DRAFT in flags for flags in sent_copy_flags(imap_harness)] == [False]
