"""One behavioural suite, run against every transport: Maildir, the fake Graph server, and
IMAP (with SMTP to a local sink) on pymap and on Dovecot."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
from sqlalchemy import select

from service import clock
from service.mail import outbox
from service.mail.transport import Folder, SendResult, Transport
from service.store.database import Database
from service.store.orm import outbound_messages
from service.store.records import OutboundMessage, OutboundStatus
from service.store.sql_unit_of_work import SqlUnitOfWork
from tests.transports.conftest import Harness


def make_raw(n: int, *, subject: str | None = None) -> bytes:
    return (
        f"Message-ID: <inbound-{n}@example.net>\r\n"
        f"From: Person {n} <person{n}@example.net>\r\n"
        "To: mentoring@example.org\r\n"
        f"Subject: {subject or f'message {n}'}\r\n"
        "\r\n"
        f"Body of message {n}.\r\n"
    ).encode()


def outbound(n: int) -> bytes:
    return (
        f"Message-ID: <outbound-{n}@mentoring.example.org>\r\n"
        "From: Mentoring <mentoring@example.org>\r\n"
        f"To: recipient{n}@example.net\r\n"
        "Reply-To: mentoring+tok3n@example.org\r\n"
        "Subject: Your mentoring match\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "X-Auto-Response-Suppress: All\r\n"
        "In-Reply-To: <inbound-1@example.net>\r\n"
        "References: <inbound-1@example.net>\r\n"
        "\r\n"
        "Hello.\r\n"
    ).encode()


def message_ids(raws: list[bytes]) -> list[str]:
    return [str(message_from_bytes(r, policy=default_policy)["Message-ID"]) for r in raws]


def test_is_a_transport(harness: Harness) -> None:
    assert isinstance(harness.transport, Transport)


def test_fetch_returns_raw_mime_oldest_first(harness: Harness) -> None:
    for n in range(1, 6):
        harness.deliver(make_raw(n))
    fetched = list(harness.transport.fetch_new())
    assert message_ids([m.raw for m in fetched]) == [
        f"<inbound-{n}@example.net>" for n in range(1, 6)
    ]
    assert b"Body of message 3." in fetched[2].raw
    assert len({m.transport_id for m in fetched}) == 5


def test_fetching_changes_nothing_and_ids_are_stable(harness: Harness) -> None:
    for n in range(1, 4):
        harness.deliver(make_raw(n))
    first = [(m.transport_id, m.raw) for m in harness.transport.fetch_new()]
    second = [(m.transport_id, m.raw) for m in harness.transport.fetch_new()]
    assert first == second
    assert len(harness.inbox_raws()) == 3


def test_fetch_respects_limit(harness: Harness) -> None:
    for n in range(1, 8):
        harness.deliver(make_raw(n))
    fetched = list(harness.transport.fetch_new(limit=4))
    assert message_ids([m.raw for m in fetched]) == [
        f"<inbound-{n}@example.net>" for n in range(1, 5)
    ]


@pytest.mark.parametrize("folder", list(Folder))
def test_move_takes_message_out_of_inbox_into_folder(harness: Harness, folder: Folder) -> None:
    harness.deliver(make_raw(1))
    harness.deliver(make_raw(2))
    first, second = list(harness.transport.fetch_new())
    harness.transport.move(first.transport_id, folder, category="Mentoring: processed")
    assert message_ids(harness.folder_raws(folder)) == ["<inbound-1@example.net>"]
    remaining = list(harness.transport.fetch_new())
    assert [m.transport_id for m in remaining] == [second.transport_id]
    assert harness.folder_raws(folder)[0] == first.raw  # the raw bytes survive the move


def test_moving_twice_is_not_an_error_and_does_not_duplicate(harness: Harness) -> None:
    harness.deliver(make_raw(1))
    (message,) = list(harness.transport.fetch_new())
    harness.transport.move(message.transport_id, Folder.PROCESSED)
    harness.transport.move(message.transport_id, Folder.PROCESSED)
    assert len(harness.folder_raws(Folder.PROCESSED)) == 1
    assert list(harness.transport.fetch_new()) == []


def test_send_delivers_our_bytes_with_headers_intact(harness: Harness) -> None:
    raw = outbound(1)
    harness.transport.send(raw, recipients=["recipient1@example.net"])
    (sent,) = harness.sent_raws()
    parsed = message_from_bytes(sent, policy=default_policy)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Auto-Response-Suppress"] == "All"
    assert parsed["In-Reply-To"] == "<inbound-1@example.net>"
    assert parsed["References"] == "<inbound-1@example.net>"
    assert parsed["Reply-To"] == "mentoring+tok3n@example.org"
    assert parsed["Message-ID"] == "<outbound-1@mentoring.example.org>"


def test_already_sent_finds_a_sent_message_by_message_id(harness: Harness) -> None:
    harness.transport.send(outbound(1), recipients=["recipient1@example.net"])
    harness.transport.send(outbound(2), recipients=["recipient2@example.net"])
    assert harness.transport.already_sent("<outbound-2@mentoring.example.org>") is not None
    assert harness.transport.already_sent("<never-sent@mentoring.example.org>") is None


def test_check_counts_the_inbox_and_sends_nothing(harness: Harness) -> None:
    harness.deliver(make_raw(1))
    harness.deliver(make_raw(2))
    report = harness.transport.check()
    assert report.backend == harness.transport.name
    assert report.inbox_count == 2
    assert report.folders
    assert harness.sent_raws() == []


def queue_outbound(db: Database, n: int, at: datetime) -> None:
    """`outbound(n)` in the outbox, due at `at` (which becomes the clock's now)."""
    clock.set_now(at)
    with SqlUnitOfWork(db) as uow:
        uow.add(
            OutboundMessage(
                dedupe_key=f"crash-test-{n}",
                to_address=f"recipient{n}@example.net",
                template="help",
                message_id=f"<outbound-{n}@mentoring.example.org>",
                raw=outbound(n),
                created_at=at,
                next_attempt_at=at,
            )
        )
        uow.commit()


class Crash(BaseException):
    """The process dies here (a BaseException, so nothing on the way catches it)."""


def test_a_crash_after_the_provider_accepted_does_not_send_twice(
    harness: Harness, db: Database
) -> None:
    """Killed after the provider (the SMTP server, for IMAP) accepted a message but before
    we recorded it: a new process, past the reconcile wait, finds it sent and sends nothing."""
    start = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
    queue_outbound(db, 1, start)
    dying = harness.transport
    real_send = dying.send

    def send_then_die(raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        real_send(raw, recipients=recipients)
        raise Crash

    dying.send = send_then_die  # type: ignore[method-assign]
    with pytest.raises(Crash):
        outbox.drain(db, dying)
    assert len(harness.sent_raws()) == 1

    clock.set_now(start + outbox.RECONCILE_AFTER + timedelta(minutes=1))
    restarted = harness.fresh()
    try:
        report = outbox.drain(db, restarted)
        outbox.drain(db, restarted)  # and a further run sends nothing either
    finally:
        restarted.close()
    assert (report.reconciled, report.sent) == (1, 0)
    assert len(harness.sent_raws()) == 1
    with db.engine.connect() as conn:
        statuses = conn.execute(select(outbound_messages.c.status)).scalars().all()
    assert statuses == [OutboundStatus.SENT]
