"""Delivery reports, feedback reports and challenge-response notices, in the styles of the
mail systems that send them (our own small examples)."""

from __future__ import annotations

import json

import pytest

from handlers import TABLE
from service.config import load_config
from service.inbound import Kind, classify
from service.inbound.classify import Classification
from tests.inbound.helpers import NOW, MemoryLookup

CONFIG = load_config()
SAM = "sam.jones@hmrc.gov.uk"
US = "mentoring@civilservice.lgbt.example"


def run(raw: str) -> Classification:
    return classify(raw.encode(), CONFIG, MemoryLookup(), commands=TABLE, now=NOW)


def dsn(action: str, status: str, subject: str = "Delivery Status Notification") -> str:
    return f"""From: Mail Delivery System <MAILER-DAEMON@mx.hmrc.gov.uk>
To: {US}
Subject: {subject}
Date: Fri, 13 Mar 2026 09:05:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b"

--b
Content-Type: text/plain

This is the mail system at host mx.hmrc.gov.uk.

--b
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.hmrc.gov.uk

Original-Recipient: rfc822; {SAM}
Final-Recipient: rfc822; sam.jones@mail.hmrc.gov.uk
Action: {action}
Status: {status}

--b
Content-Type: text/rfc822-headers

From: LGBT+ Mentoring <{US}>
To: Sam Jones <{SAM}>
Subject: Please confirm

--b--
"""


def test_a_permanent_failure_names_the_address_we_wrote_to() -> None:
    result = run(dsn("failed", "5.1.1"))
    assert result.kind is Kind.BOUNCE and result.automated and not result.may_answer
    assert result.bounce is not None
    assert result.bounce.failed_recipients == (SAM,)  # Original-Recipient, not Final
    assert result.bounce.permanent


def test_a_delay_is_kept_apart_and_never_permanent() -> None:
    result = run(dsn("delayed", "4.4.7", "Delivery Status Notification (Delay)"))
    assert result.kind is Kind.BOUNCE and result.bounce is not None
    assert result.bounce.failed_recipients == (SAM,)
    assert not result.bounce.permanent
    assert "delay" in result.reason


@pytest.mark.parametrize("action", ["delivered", "relayed", "expanded", "deliverable"])
def test_a_success_notice_is_no_failure(action: str) -> None:
    result = run(dsn(action, "2.1.5", "Successful Mail Delivery Report"))
    assert result.kind is Kind.BOUNCE and result.automated
    assert result.bounce is not None
    assert not result.bounce.permanent and result.bounce.failed_recipients == ()
    assert "success" in result.reason


def plain(sender: str, subject: str, body: str, extra: str = "") -> str:
    return (
        f"From: {sender}\nTo: {US}\nSubject: {subject}\n"
        f"Date: Fri, 13 Mar 2026 09:05:00 +0000\n{extra}\n{body}"
    )


TEXT_REPORTS = {
    "qmail": (
        "MAILER-DAEMON@mx.example.org",
        "failure notice",
        "Hi. This is the qmail-send program at mx.example.org.\n"
        "I'm afraid I wasn't able to deliver your message to the following addresses.\n\n"
        f"<{SAM}>:\nSorry, no mailbox here by that name. (#5.1.1)\n",
    ),
    "exim": (
        "Mail Delivery System <Mailer-Daemon@mx.example.org>",
        "Mail delivery failed: returning message to sender",
        "A message that you sent could not be delivered to one or more of its\n"
        f"recipients. The following address(es) failed:\n\n  {SAM}\n"
        "    SMTP error from remote mail server after RCPT TO:\n",
    ),
    "sendmail": (
        "Mail Delivery Subsystem <MAILER-DAEMON@mx.example.org>",
        "Returned mail: see transcript for details",
        f"   ----- Transcript of session follows -----\n{SAM}... User unknown\n",
    ),
    "mdaemon, precedence bulk": (
        "MDaemon@mail.example.org",
        "Permanent Delivery Failure",
        f"The attached message had PERMANENT fatal delivery errors!\n\n{SAM}\n",
    ),
    "mimecast style": (
        '"postmaster" <postmaster@example.org>',
        "Message delivery failure",
        "An email that you attempted to send to the following address could not be "
        f"delivered:\n-- {SAM}\n\nThe problem appears to be :\n-- Mailbox unavailable\n",
    ),
    "agent naming the address in a sentence": (
        "MAILER-DAEMON <>",
        "Mail delivery failed",
        f"There was an error delivering your mail to <{SAM}>.\n\nMessage headers follow.\n",
    ),
    "forwarded by a person": (
        "Sam's Manager <manager@hmrc.gov.uk>",
        "Fwd: Returned mail: see transcript for details",
        f"{SAM}... User unknown\n",
    ),
}


@pytest.mark.parametrize("sender,subject,body", TEXT_REPORTS.values(), ids=TEXT_REPORTS.keys())
def test_plain_text_reports_name_the_failed_address(sender: str, subject: str, body: str) -> None:
    result = run(plain(sender, subject, body, "Precedence: bulk\n"))
    assert result.kind is Kind.BOUNCE, result.reason
    assert result.bounce is not None and result.bounce.permanent
    assert result.bounce.failed_recipients == (SAM,)


def test_the_returned_messages_to_names_the_address_when_nothing_else_does() -> None:
    raw = plain(
        "postmaster@example.org",
        "Undeliverable: Please confirm",
        "Your message could not be delivered.\n\n"
        "----- Original message -----\n"
        f"From: LGBT+ Mentoring <{US}>\nTo: Sam Jones <{SAM}>\nSubject: Please confirm\n",
    )
    result = run(raw)
    assert result.bounce is not None and result.bounce.failed_recipients == (SAM,)


def test_a_warning_without_a_dsn_is_a_delay() -> None:
    result = run(
        plain(
            "postmaster@example.org",
            "Mail Delivery Warning",
            f"This is an advisory-only email. We are still trying to deliver to {SAM}.\n",
        )
    )
    assert result.kind is Kind.BOUNCE and result.bounce is not None
    assert not result.bounce.permanent


def test_automated_mail_that_reads_like_a_failure_is_a_bounce() -> None:
    raw = plain(
        "<>",
        "failure",
        f"You sent mail to {SAM}. That's not a valid user here.\n",
        "Return-Path: <>\nAuto-Submitted: auto-replied\n",
    )
    result = run(raw)
    assert result.kind is Kind.BOUNCE
    assert result.bounce is not None and result.bounce.failed_recipients == (SAM,)


def ses(kind: str, section: dict[str, object]) -> str:
    inner = json.dumps({"notificationType": kind, kind.lower(): section})
    envelope = json.dumps({"Type": "Notification", "Message": inner}, indent=2)
    return plain(
        "AWS Notifications <no-reply@sns.amazonaws.com>",
        "AWS Notification Message",
        envelope,
        "Return-Path: <0101@eu-west-1.amazonses.com>\n",
    )


def test_amazon_ses_notifications() -> None:
    bounce = run(
        ses("Bounce", {"bounceType": "Permanent", "bouncedRecipients": [{"emailAddress": SAM}]})
    )
    assert bounce.kind is Kind.BOUNCE and bounce.bounce is not None
    assert bounce.bounce.failed_recipients == (SAM,) and bounce.bounce.permanent
    delivered = run(ses("Delivery", {"recipients": [SAM]}))
    assert delivered.bounce is not None and not delivered.bounce.permanent
    complaint = run(ses("Complaint", {"complainedRecipients": [{"emailAddress": SAM}]}))
    assert complaint.kind is Kind.AUTO_REPLY and complaint.automated


def test_a_feedback_report_is_automated_and_marks_nobody() -> None:
    raw = f"""From: Abuse desk <abuse@mail.example.org>
To: {US}
Subject: FW: Please confirm
Date: Fri, 13 Mar 2026 09:05:00 +0000
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="b"

--b
Content-Type: text/plain

This is an email abuse report for an email message received.

--b
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1

--b--
"""
    result = run(raw)
    assert result.kind is Kind.AUTO_REPLY and result.automated and not result.may_answer
    assert "feedback report" in result.reason
    assert result.auto_reply is not None and not result.auto_reply.out_of_office


def test_a_challenge_response_notice_is_automated() -> None:
    raw = plain(
        f"Sam Jones <{SAM}>",
        "RE: Please confirm",
        "Your message was received, but this account is protected by a spam filter.\n"
        "Please click the link below to have your address added to the recipient's\n"
        "allowed list: https://filter.example.org/verify/123\n",
    )
    result = run(raw)
    assert result.kind is Kind.AUTO_REPLY and result.automated and not result.may_answer
    assert "challenge-response" in result.reason
