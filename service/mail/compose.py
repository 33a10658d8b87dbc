"""Build the MIME bytes of one outgoing email from a rendered template.

Everything a participant typed (names, file names, Message-IDs we echo) can end up in a
header, so every header value passes through `service.text.header_text` (encoded words
decoded once, control characters and line breaks removed, a value that still holds an
encoded word refused) and addresses are built with the email library's `Address`, which
quotes and RFC 2047-encodes display names. A Message-ID from inbound mail is echoed only
when it is a plain RFC 5322 msg-id. Then `service.mail.verify` parses the finished bytes
back and refuses the email unless its headers and recipients are exactly the ones meant:
the email library decodes and re-encodes on its way out, so the bytes are what we check.

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
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime
from typing import NamedTuple

from service import clock
from service.config import ProgrammeConfig
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


# RFC 5322's hard limit for a line; 78 is only a "should".
_MAX_LINE = 998
_ONE_LINE = policy.SMTP.clone(max_line_length=_MAX_LINE)


class _MailPolicy(EmailPolicy):
    """policy.SMTP, except that an ASCII Subject stays on one line when it can.

    The library's folder moves an unstructured value of 70 to 77 characters whole onto a
    continuation line ("Subject:" CRLF " Have your ..."), which mail readers (Python's
    among them) then show with a leading space. Non-ASCII subjects are folded as usual,
    so their RFC 2047 encoded words stay within 75 characters.
    """

    def fold_binary(self, name: str, value: str) -> bytes:
        text = str(value)
        if name.lower() == "subject" and text.isascii() and len(name) + 2 + len(text) <= _MAX_LINE:
            return _ONE_LINE.fold_binary(name, value)
        return super().fold_binary(name, value)


_POLICY = _MailPolicy(linesep="\r\n")


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


def _address(name: str, addr_spec: str) -> Address:
    if addr_spec != one_line(addr_spec) or " " in addr_spec or looks_encoded(addr_spec):
        # Never echo the address: error messages may reach logs.
        raise ValueError("email address contains spaces or control characters")
    display_name = _clean_name(name)  # raises UnsafeHeaderValue: refused, not invalid
    try:
        return Address(display_name=display_name, addr_spec=addr_spec)
    except (ValueError, IndexError, TypeError) as exc:
        raise ValueError("not a valid email address") from exc


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
    msg = EmailMessage(policy=_POLICY)

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
    msg["From"] = mailbox
    msg["To"] = recipient
    msg["Reply-To"] = reply_to
    msg["Subject"] = subject
    msg["Date"] = format_datetime(clock.now())
    msg["Message-ID"] = message_id

    parent, chain = _thread(in_reply_to, references)
    if parent:
        msg["In-Reply-To"] = parent
    if chain:
        msg["References"] = " ".join(chain)
    _mark_automatic(msg)
    _add_body(msg, rendered, attachments)
    raw = msg.as_bytes(policy=_POLICY)
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


def _mark_automatic(msg: EmailMessage) -> None:
    # Tell other robots (auto-responders, Exchange's out-of-office, vacation scripts) not
    # to answer us, so two automatic systems never talk to each other (RFC 3834).
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "All"
    # Lets the inbound pipeline recognise our own mail if it ever loops back.
    msg["X-Mentoring-Sent"] = "1"
    # No "Precedence: bulk/list": Exchange Online and some gateways treat it as list or
    # junk mail and may filter it or drop it silently; Auto-Submitted does the job.


def _add_body(
    msg: EmailMessage,
    rendered: RenderedEmail,
    attachments: Sequence[Attachment | tuple[str, str, bytes]],
) -> None:
    # Quoted-printable keeps every part 7-bit clean for any relay, yet readable raw.
    msg.set_content(rendered.text, subtype="plain", charset="utf-8", cte="quoted-printable")
    msg.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="quoted-printable")
    for filename, content_type, data in attachments:
        maintype, _, subtype = content_type.partition("/")
        if not maintype or not subtype or one_line(content_type) != content_type:
            raise ValueError("attachment content type must look like type/subtype")
        # add_attachment turns multipart/alternative into multipart/mixed around it.
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=_safe_filename(filename)
        )
