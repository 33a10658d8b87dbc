"""Bounces through the real pipeline: the person is marked, coordinators are told once,
the bounce is never answered, and nothing more is written to a bouncing address."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import select

from jobs.time_rules import run_due
from service import clock
from service.domain.model import AuditEvent
from service.mail import outbox
from service.store.records import OutboundMessage, OutboundStatus
from tests.harness import Programme, Sent
from tests.workflow.people_helpers import MENTEE, person, register

COORDINATOR = "coordinators@civilservice.lgbt.example"
_seq = iter(range(1, 1000))


def dsn(original: Sent, *, failed: str, action: str = "failed", status: str = "5.1.1") -> bytes:
    """A Postfix-style delivery status notification quoting our original's headers."""
    boundary = "BOUNDARY42"
    n = next(_seq)
    headers = "\n".join(
        f"{name}: {original.message[name]}"
        for name in ("From", "Reply-To", "To", "Subject", "Message-ID")
        if original.message[name]
    )
    return f"""Return-Path: <>
Date: Wed, 20 May 2026 09:30:00 +0000
From: MAILER-DAEMON@mx.civilservice.lgbt.example (Mail Delivery System)
Subject: {"Undelivered Mail Returned to Sender" if action == "failed" else "Delayed Mail"}
To: mentoring@civilservice.lgbt.example
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"
Message-Id: <dsn.{n}@mx.civilservice.lgbt.example>

--{boundary}
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered to {failed}.

--{boundary}
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.civilservice.lgbt.example

Final-Recipient: rfc822; {failed}
Action: {action}
Status: {status}

--{boundary}
Content-Type: text/rfc822-headers

{headers}

--{boundary}--
""".replace("\n", "\r\n").encode()


def _record(programme: Programme, message_id: str) -> OutboundMessage:
    with programme.app.uow() as uow:
        found = uow.repo.outbound_by_message_id(message_id)
        assert found is not None
        return found


def test_a_permanent_bounce_marks_the_person_and_tells_coordinators_once(
    programme: Programme,
) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    before = len(programme.inbox_of(MENTEE))
    report = programme.send(dsn(welcome, failed=MENTEE))
    assert report.outcomes == {"processed": 1}
    assert person(programme, pid).bouncing_since is not None
    record = _record(programme, welcome.message_id)
    assert record.status is OutboundStatus.FAILED and record.last_error == "bounced"
    [alert] = programme.inbox_of(COORDINATOR)
    assert alert.subject.startswith("Email bouncing:")
    assert "Alex Morgan" in alert.text
    # The email that bounced, as the coordinators know it: its subject, not our template's id.
    subject = welcome.subject.split(" [ref:")[0]
    assert f"Email that bounced: “{subject}”" in alert.text
    assert "confirm_address" not in alert.text and "[ref:" not in alert.text
    assert len(programme.inbox_of(MENTEE)) == before  # a bounce is never answered

    # A second report about the same person: no second alert.
    programme.send(dsn(welcome, failed=MENTEE))
    assert len(programme.inbox_of(COORDINATOR)) == 1


def test_nothing_more_is_written_to_a_bouncing_address(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    programme.send(dsn(welcome, failed=MENTEE))
    count = len(programme.inbox_of(MENTEE))
    # The confirmation reminder falls due, but the address bounces: it is held back.
    frozen.tick(timedelta(days=4))
    run_due(programme.app, clock.now())
    outbox.drain(programme.app.db, programme.app.transport)
    assert len(programme.inbox_of(MENTEE)) == count
    with programme.app.uow() as uow:
        rows = uow.session.scalars(select(OutboundMessage)).all()
        assert all(r.template != "confirm_reminder" for r in rows)


def test_a_reply_with_their_token_shows_the_address_works_again(programme: Programme) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    programme.send(dsn(welcome, failed=MENTEE))
    assert person(programme, pid).bouncing_since is not None
    programme.send(programme.reply(welcome, "STATUS"))
    assert person(programme, pid).bouncing_since is None
    assert "Your place in the" in programme.last_to(MENTEE).subject  # answered again
    with programme.app.uow() as uow:
        actions = [e.action for e in uow.session.scalars(select(AuditEvent)).all()]
    assert actions.count("person.bouncing_cleared") == 1


def test_even_a_refused_command_shows_the_address_works(programme: Programme) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    programme.send(dsn(welcome, failed=MENTEE))
    programme.send(programme.reply(welcome, "ACCEPT"))  # they are not a mentor: refused
    assert person(programme, pid).bouncing_since is None
    with programme.app.uow() as uow:
        rows = uow.session.scalars(select(OutboundMessage)).all()
        [refusal] = [r for r in rows if r.template == "problem_answer"]
        assert refusal.status is OutboundStatus.SENT  # the refusal reached them
    assert programme.last_to(MENTEE).message_id == refusal.message_id


def test_a_delay_is_only_noted(programme: Programme) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    report = programme.send(dsn(welcome, failed=MENTEE, action="delayed", status="4.4.1"))
    assert report.outcomes == {"processed": 1}
    assert person(programme, pid).bouncing_since is None
    assert _record(programme, welcome.message_id).status is OutboundStatus.SENT
    assert programme.inbox_of(COORDINATOR) == []


def test_a_bounce_about_nobody_we_know_goes_to_a_coordinator(programme: Programme) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    stranger = Sent(welcome.message)
    del stranger.message["Reply-To"]
    del stranger.message["Message-ID"]
    del stranger.message["Subject"]
    stranger.message["Subject"] = "Hello"
    report = programme.send(dsn(stranger, failed="nobody@example.org"))
    assert report.outcomes == {"needs_attention": 1}
    assert programme.inbox_of(COORDINATOR) == []


def test_mail_held_back_is_logged_without_its_subject_or_address(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    programme.send(dsn(welcome, failed=MENTEE))
    caplog.set_level(logging.DEBUG)
    # An unclear email from them (no token) would be answered; the answer's key quotes
    # its subject, which can name people.
    programme.send(programme.plain(MENTEE, "About Priya Shah", "Hello there"))
    assert "email to person" in caplog.text  # the held-back answer was logged...
    assert "Priya" not in caplog.text and MENTEE not in caplog.text  # ...without them
