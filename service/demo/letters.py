"""The mail the demo's people send, shaped like the real thing.

Form responses as the form tool relays them, replies as a mail client writes them (to
the Reply-To that carries the person's token, quoting our email, threaded with
In-Reply-To and References), an Exchange out-of-office with a return date, a
Postfix-style delivery report for one of our messages, and a forged form from a sender
that is not the form tool.
"""

from __future__ import annotations

import email
import email.utils
import quopri
import re
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from email.message import EmailMessage, Message
from email.parser import BytesHeaderParser, BytesParser
from email.policy import default
from email.utils import format_datetime
from functools import cached_property

from service.config import ProgrammeConfig

FORM_SENDER = "noreply@forms.office.com"
FORGER = "ms-forms-notify@outlook-security.example"


@dataclass(frozen=True)
class Sent:
    """One email the service sent, read back from the sent Maildir. Parsed only when a
    person answers it: most emails of a year are never replied to, so each is kept
    compressed (a large year sends tens of thousands)."""

    packed: bytes  # the email as sent, zlib-compressed (`Sent.of`)
    template: str

    @classmethod
    def of(cls, raw: bytes, template: str) -> Sent:
        return cls(zlib.compress(raw, 1), template)

    @property
    def raw(self) -> bytes:
        return zlib.decompress(self.packed)

    @cached_property
    def message(self) -> EmailMessage:
        return parse(self.raw)

    @cached_property
    def headers(self) -> EmailMessage:
        """Only the headers (the body left unparsed): what finding the email a person
        answers needs, read for far more emails than are ever answered."""
        return parse(self.raw, headers_only=True)

    @cached_property
    def _head(self) -> Message:
        """The headers from a compat32 parse: values as written, not parsed into the
        modern policy's header objects (which cost most of a reply's time at a large
        year's scale)."""
        return BytesHeaderParser().parsebytes(self.raw)

    def header(self, name: str) -> str | None:
        """A header as the modern policy gives it (`str(self.headers[name])`): for our
        own plain-ASCII headers that is the value unfolded; anything encoded is left to
        that policy's parse (tests/demo/test_letters.py compares the two)."""
        value = self._head[name]
        if value is None:
            return None
        if not value.isascii() or "=?" in value or '"' in value:
            found = self.headers[name]
            return None if found is None else str(found)
        return _FOLD.sub("", value).strip()

    @property
    def to(self) -> str:
        return str(self.header("To"))

    @property
    def subject(self) -> str:
        return str(self.header("Subject"))

    @property
    def message_id(self) -> str:
        return str(self.header("Message-ID"))

    @property
    def date(self) -> str:
        return str(self.header("Date"))

    @property
    def reply_to(self) -> str:
        return str(self.header("Reply-To") or self.header("From"))

    @cached_property
    def token(self) -> str:
        """The reply token in the Reply-To plus-address (mentoring+TOKEN@...), if any.
        Read from the compat32 parse: finding the email a person answers reads the
        token of many emails, and only the address is needed."""
        head = self._head
        address = email.utils.parseaddr(str(head["Reply-To"] or head["From"]))[1]
        local = address.partition("@")[0]
        return local.partition("+")[2]

    @property
    def text(self) -> str:
        """The plain-text body, as `get_body(("plain",)).get_content()` reads it, from a
        compat32 parse: the modern policy's header objects cost most of a reply's time
        at a large year's scale, and none of them is needed to read the body."""
        raw = self.raw
        found = _our_plain_text(raw, self._head)
        return parsed_plain_text(raw) if found is None else found


# A line break inside a folded header (the whitespace after it stays, as unfolding keeps it).
_FOLD = re.compile(r"\r?\n(?=[ \t])")


# How our own emails' plain-text part begins (`service.mail.compose`).
_OUR_PLAIN = (
    b'Content-Type: text/plain; charset="utf-8"\r\n'
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
)


def _our_plain_text(raw: bytes, head: Message) -> str | None:
    """The plain-text part of one of our multipart/alternative emails, found by its
    boundary without parsing the rest (the text part comes first); None for any other
    shape, which the parse reads. Gives what the parse gives
    (tests/demo/test_letters.py compares the two)."""
    boundary = head.get_boundary()
    if head.get_content_type() != "multipart/alternative" or not boundary:
        return None
    line = b"\r\n--" + boundary.encode("ascii") + b"\r\n"
    start = raw.find(line)
    if start < 0 or not raw.startswith(_OUR_PLAIN, start + len(line)):
        return None
    body = start + len(line) + len(_OUR_PLAIN)
    end = raw.find(b"\r\n--" + boundary.encode("ascii"), body)
    if end < 0:
        return None
    return quopri.decodestring(raw[body:end]).decode("utf-8", errors="replace")


def parsed_plain_text(raw: bytes) -> str:
    """The first plain-text part that is not an attachment, from a compat32 parse."""
    for part in email.message_from_bytes(raw).walk():
        if part.get_content_type() == "text/plain" and not _attachment(part):
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(str(part.get_param("charset", "ASCII")), errors="replace")
    return ""


def _attachment(part: Message) -> bool:
    return part.get_content_disposition() == "attachment"


def parse(raw: bytes, *, headers_only: bool = False) -> EmailMessage:
    message = BytesParser(policy=default).parsebytes(raw, headersonly=headers_only)
    assert isinstance(message, EmailMessage)
    return message


class Letters:
    """Builds the demo's inbound mail; Message-IDs are numbered so a seed replays exactly."""

    def __init__(self, config: ProgrammeConfig) -> None:
        self.config = config
        self._serial = 0

    def _id(self, domain: str) -> str:
        self._serial += 1
        return f"<demo.{self._serial:05d}@{domain}>"

    def form(
        self, answers: dict[str, str], now: datetime, *, sender: str = FORM_SENDER
    ) -> EmailMessage:
        """A registration form response as Microsoft Forms relays it (plain text)."""
        questions = {q.field: q.text for q in self.config.form.questions}
        msg = EmailMessage()
        msg["From"] = f"Microsoft Forms <{sender}>"
        msg["To"] = self.config.programme.mailbox
        msg["Subject"] = "New response: LGBT+ mentoring registration"
        msg["Message-ID"] = self._id(sender.split("@")[1])
        msg["Date"] = format_datetime(now)
        msg.set_content("\n".join(f"{questions.get(k, k)}: {v}" for k, v in answers.items()))
        if sender == FORM_SENDER and self.config.security.authserv_id:
            # What the receiving host adds for the genuine relay (service.inbound.sender).
            domain = sender.split("@")[1]
            msg["Authentication-Results"] = (
                f"{self.config.security.authserv_id}; dmarc=pass header.from={domain}"
            )
        return msg

    def reply(
        self, to: Sent, body: str, now: datetime, *, sender: str | None = None
    ) -> EmailMessage:
        """Answer one of our emails as a person would, quoting it."""
        frm = sender or to.to
        msg = EmailMessage()
        msg["From"] = frm
        msg["To"] = to.reply_to
        msg["Subject"] = "RE: " + to.subject
        msg["Message-ID"] = self._id(frm.rsplit("@", 1)[-1].rstrip(">"))
        msg["In-Reply-To"] = to.message_id
        msg["References"] = to.message_id
        msg["Date"] = format_datetime(now)
        quoted = "\n".join("> " + line for line in to.text.splitlines())
        msg.set_content(f"{body}\n\nOn {to.date}, the programme wrote:\n{quoted}\n")
        return msg

    def out_of_office(self, to: Sent, back: date, now: datetime) -> EmailMessage:
        """An Exchange automatic reply to one of our emails, saying when they are back."""
        frm = to.to
        msg = EmailMessage()
        msg["From"] = frm
        msg["To"] = to.reply_to
        msg["Subject"] = "Automatic reply: " + to.subject
        msg["Message-ID"] = self._id("exchange.example")
        msg["In-Reply-To"] = to.message_id
        msg["Date"] = format_datetime(now)
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
        msg.set_content(
            "Thank you for your email. I am on annual leave until"
            f" {back:%A} {back.day} {back:%B %Y} with no access to email."
            " For urgent matters please contact the team inbox.\n"
        )
        return msg

    def bounce(self, original: Sent, now: datetime) -> bytes:
        """A Postfix delivery report: our email to `original.to` could not be delivered.

        Written out by hand, as an MTA does, because the email package cannot build a
        message/delivery-status part from text.
        """
        mailbox = self.config.programme.mailbox
        mx = "mx." + mailbox.split("@")[1]
        failed = email.utils.parseaddr(original.to)[1]
        boundary = f"demo-report-{self._serial + 1}"
        returned = "".join(
            f"{name}: {original.headers[name]}\n"
            for name in ("From", "To", "Subject", "Message-ID", "Date")
            if original.headers[name]
        )
        text = (
            f"Return-Path: <>\n"
            f"Date: {format_datetime(now)}\n"
            f"From: MAILER-DAEMON@{mx} (Mail Delivery System)\n"
            "Subject: Undelivered Mail Returned to Sender\n"
            f"To: {original.reply_to}\n"
            "Auto-Submitted: auto-replied\n"
            "MIME-Version: 1.0\n"
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\n'
            f"Message-Id: {self._id(mx)}\n\n"
            "This is a MIME-encapsulated message.\n\n"
            f"--{boundary}\n"
            "Content-Description: Notification\n"
            "Content-Type: text/plain; charset=us-ascii\n\n"
            f"This is the mail system at host {mx}.\n\n"
            "I'm sorry to have to inform you that your message could not\n"
            "be delivered to one or more recipients. It's attached below.\n\n"
            f"<{failed}>: host mx.{failed.split('@')[1]} said: 550 5.1.1\n"
            f"    <{failed}>: Recipient address rejected: User unknown\n\n"
            f"--{boundary}\n"
            "Content-Description: Delivery report\n"
            "Content-Type: message/delivery-status\n\n"
            f"Reporting-MTA: dns; {mx}\n\n"
            f"Final-Recipient: rfc822; {failed}\n"
            "Action: failed\n"
            "Status: 5.1.1\n"
            f"Diagnostic-Code: smtp; 550 5.1.1 <{failed}>: Recipient address\n"
            "    rejected: User unknown\n\n"
            f"--{boundary}\n"
            "Content-Description: Undelivered Message Headers\n"
            "Content-Type: text/rfc822-headers\n\n"
            f"{returned}Auto-Submitted: auto-generated\n\n"
            f"--{boundary}--\n"
        )
        return text.encode("utf-8")

    def plain(self, sender: str, subject: str, body: str, now: datetime) -> EmailMessage:
        """A message that answers nothing of ours."""
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = self.config.programme.mailbox
        msg["Subject"] = subject
        msg["Message-ID"] = self._id(sender.rsplit("@", 1)[-1])
        msg["Date"] = format_datetime(now)
        msg.set_content(body)
        return msg
