"""Build the MIME bytes of one outgoing email from a rendered template.

Everything a participant typed (names, file names, Message-IDs we echo) can end up in a
header, so every header value passes through `service.text.header_text` (encoded words
decoded once, control characters and line breaks removed, a value that still holds an
encoded word refused); addresses must be plain ASCII addr-specs, and display names are
quoted or RFC 2047-encoded by `service.mail.wire`, which writes the bytes of our
fixed-shape emails directly (the email library's EmailMessage cost 4 ms an email). A
Message-ID from inbound mail is echoed only when it is a plain RFC 5322 msg-id. Then
`service.mail.verify` reads the finished bytes back and refuses the email unless its
headers and recipients are exactly the ones meant.

Identity and threading (DESIGN.md section 4): replies must come back with a token bound
to the recipient, so when a token is given the Reply-To is the plus-address
``<local>+<token>@<domain>`` of the programme mailbox and the subject carries
``[ref:<token>]`` (the tag survives when a client or server drops the plus-address).
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Sequence
from email.utils import format_datetime
from typing import NamedTuple

from service import clock
from service.config import ProgrammeConfig
from service.mail import wire
from service.mail.render import RenderedEmail
from service.mail.verify import Meant, verify
from service.text import clean_text, header_text, looks_encoded, one_line

TOKEN_PATTERN = re.compile(r"[a-z2-7]{16}")
# RFC 5322 section 3.6.4: msg-id = "<" id-left "@" id-right ">", id-left a dot-atom-text,
# id-right a dot-atom-text or a no-fold-literal. No obsolete forms, no comments, no spaces.
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*"
_MESSAGE_ID = re.compile(rf"<{_DOT_ATOM}@(?:{_DOT_ATOM}|\[[\x21-\x5a\x5e-\x7e]*\])>")
_MAX_MESSAGE_ID = 250
_MAX_NAME = 200
_MAX_REFERENCES = 20  # keep References bounded on very long threads (RFC 5322 allows trimming)
_FILENAME_UNSAFE = re.compile(r'[\\/:*?"<>|]+')


class Attachment(NamedTuple):
    filename: str
    content_type: str
    data: bytes


def subject_tag(token: str) -> str:
    return f"[ref:{token}]"


def _check_token(token: str) -> str:
    if not TOKEN_PATTERN.fullmatch(token):
        raise ValueError("reply token must be 16 characters from a-z and 2-7")
    return token


def _clean_name(name: str) -> str:
    return header_text(name)[:_MAX_NAME]


class _Mailbox(NamedTuple):
    addr_spec: str
    tokens: list[str]  # the header value, as foldable tokens


def _address(name: str, addr_spec: str) -> _Mailbox:
    if addr_spec != one_line(addr_spec) or " " in addr_spec or looks_encoded(addr_spec):
        # Never echo the address: error messages may reach logs.
        raise ValueError("email address contains spaces or control characters")
    display_name = _clean_name(name)  # raises UnsafeHeaderValue: refused, not invalid
    if not wire.is_addr_spec(addr_spec):
        raise ValueError("not a valid email address")
    return _Mailbox(addr_spec, wire.address_tokens(display_name, addr_spec))


def plus_address(mailbox: str, token: str) -> str:
    """mentoring@example.org + token -> mentoring+token@example.org."""
    local, _, domain = mailbox.rpartition("@")
    if not local or not domain:
        raise ValueError("programme mailbox is not an email address")
    return f"{local}+{_check_token(token)}@{domain}"


def new_message_id(domain: str) -> str:
    # 120 random bits in 24 characters: short enough that the header is not folded.
    return f"<{base64.b32encode(secrets.token_bytes(15)).decode().lower()}@{domain}>"


def message_id_or_none(value: str) -> str | None:
    """A syntactically valid RFC 5322 msg-id, or None: ids from inbound mail are untrusted.

    atext allows "=" and "?", so an id could be an encoded word in disguise, which the
    email library would decode (line breaks and all) when it writes In-Reply-To: such an
    id is never echoed, whatever it decodes to.
    """
    try:
        value = header_text(value)
    except ValueError:
        return None
    if len(value) > _MAX_MESSAGE_ID or "=?" in value or looks_encoded(value):
        return None
    return value if _MESSAGE_ID.fullmatch(value) else None


def _safe_filename(filename: str) -> str:
    # "?" is unsafe too, so no encoded word survives to be decoded again.
    cleaned = _FILENAME_UNSAFE.sub("_", clean_text(filename)).strip(" .")
    return cleaned[:_MAX_NAME] or "attachment"


def compose(
    rendered: RenderedEmail,
    *,
    to: tuple[str, str],
    config: ProgrammeConfig,
    token: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    attachments: Sequence[Attachment | tuple[str, str, bytes]] = (),
    message_id: str | None = None,
) -> tuple[str, bytes]:
    """Return (Message-ID, raw RFC 5322 bytes with CRLF line endings).

    `to` is (display name, address). Pass `message_id` to rebuild the same message again
    (the outbox keeps the id so a resend is recognisably the same email).
    """
    programme = config.programme
    message_id = _own_message_id(message_id, programme.message_id_domain)
    subject = header_text(rendered.subject)
    if token is not None:
        subject = f"{subject} {subject_tag(_check_token(token))}"
    sender = config.privacy.sender(programme)  # discreet by default: see [privacy]
    mailbox = _address(sender, programme.mailbox)
    recipient = _address(*to)
    reply_to = mailbox
    if token is not None and programme.plus_addressing:
        reply_to = _address(sender, plus_address(programme.mailbox, token))
    parent, chain = _thread(in_reply_to, references)
    content_type, body = _body(rendered, attachments)
    head = [
        wire.fold("From", mailbox.tokens),
        wire.fold("To", recipient.tokens),
        wire.fold("Reply-To", reply_to.tokens),
        wire.unstructured("Subject", subject),
        f"Date: {format_datetime(clock.now())}",
        f"Message-ID: {message_id}",
        *([f"In-Reply-To: {parent}"] if parent else []),
        *([wire.fold("References", chain)] if chain else []),
        *_AUTOMATIC,
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
    ]
    raw = "\r\n".join(head).encode("ascii") + b"\r\n\r\n" + body
    verify(
        raw,
        Meant(
            sender=mailbox.addr_spec,
            to=recipient.addr_spec,
            reply_to=reply_to.addr_spec,
            subject=subject,
            message_id=message_id,
            in_reply_to=parent,
            references=tuple(chain),
        ),
    )
    return message_id, raw


def _own_message_id(message_id: str | None, domain: str) -> str:
    """A new Message-ID, or the one the outbox kept when it rebuilds the same email."""
    if message_id is None:
        return new_message_id(domain)
    if message_id_or_none(message_id) != message_id:
        raise ValueError("message_id must look like <random@domain>")
    return message_id


def _thread(in_reply_to: str | None, references: Sequence[str]) -> tuple[str | None, list[str]]:
    """The parent to answer (In-Reply-To) and the References chain ending with it: only
    valid msg-ids, and the chain bounded on very long threads."""
    parent = message_id_or_none(in_reply_to) if in_reply_to else None
    chain = [ref for ref in map(message_id_or_none, references) if ref]
    if parent and parent not in chain:
        chain.append(parent)
    return parent, chain[-_MAX_REFERENCES:]


# Tell other robots (auto-responders, Exchange's out-of-office, vacation scripts) not to
# answer us, so two automatic systems never talk to each other (RFC 3834); and let the
# inbound pipeline recognise our own mail if it ever loops back (X-Mentoring-Sent). No
# "Precedence: bulk/list": Exchange Online and some gateways treat it as list or junk
# mail and may filter it or drop it silently; Auto-Submitted does the job.
_AUTOMATIC = (
    "Auto-Submitted: auto-generated",
    "X-Auto-Response-Suppress: All",
    "X-Mentoring-Sent: 1",
)


def _body(
    rendered: RenderedEmail, attachments: Sequence[Attachment | tuple[str, str, bytes]]
) -> tuple[str, bytes]:
    """The Content-Type and body: plain text and HTML as alternatives, in quoted-printable
    (7-bit clean for any relay, yet readable raw); with attachments, all in a mixed part."""
    alternative = wire.multipart(
        "alternative",
        [wire.text_part("plain", rendered.text), wire.text_part("html", rendered.html)],
    )
    if not attachments:
        return alternative
    parts = [f"Content-Type: {alternative[0]}\r\n\r\n".encode("ascii") + alternative[1]]
    for filename, content_type, data in attachments:
        if not wire.is_media_type(content_type):
            raise ValueError("attachment content type must look like type/subtype")
        parts.append(wire.attachment_part(_safe_filename(filename), content_type, data))
    return wire.multipart("mixed", parts)
