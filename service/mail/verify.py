"""Parse a composed email back and refuse it unless it says exactly what we meant.

The email library decodes header values when they are set and encodes them again when
the message is written, so what a value "was" when we set it proves little: a display
name or a Message-ID that decodes to a line break used to come out as a real `Bcc:`
header. This check reads the finished bytes the way a receiving server (or Graph's MIME
sendMail, which takes its recipients from To/Cc/Bcc) would, and compares.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

_PARSER = BytesParser(policy=policy.default)
# The only headers an email of ours carries, each exactly once; the threading ones only
# when we thread.
_ALWAYS = (
    "from",
    "to",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "auto-submitted",
    "x-auto-response-suppress",
    "x-mentoring-sent",
    "mime-version",
    "content-type",
)
_PART_HEADERS = {"content-type", "content-transfer-encoding", "content-disposition", "mime-version"}
_BREAKS = ("\r", "\n", "\x00")


class EmailRefused(ValueError):
    """A composed email is not the one we meant. The reason never quotes a value."""


@dataclass(frozen=True)
class Meant:
    sender: str
    to: str
    reply_to: str
    subject: str
    message_id: str
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()


def _squeeze(text: str) -> str:
    # Without any white space: the library's folder can drop the space between two
    # encoded words, which readers then show joined. The words themselves must match.
    return "".join(text.split())


def _only_address(msg: EmailMessage, name: str, expected: str) -> None:
    header = msg[name]
    addresses = getattr(header, "addresses", ())
    groups = getattr(header, "groups", ())
    if len(groups) != 1 or len(addresses) != 1:
        raise EmailRefused(f"{name} does not hold exactly one address")
    if addresses[0].addr_spec.lower() != expected.lower():
        raise EmailRefused(f"{name} is not the address we meant")


def verify(raw: bytes, meant: Meant) -> None:
    """Raise EmailRefused unless `raw` has exactly our headers, one To, no Cc/Bcc."""
    msg = _PARSER.parsebytes(raw)
    assert isinstance(msg, EmailMessage)
    names = Counter(key.lower() for key in msg)
    expected = Counter(_ALWAYS)
    if meant.in_reply_to:
        expected["in-reply-to"] += 1
    if meant.references:
        expected["references"] += 1
    if names != expected:
        # Names only: header names are ours or the attacker's, never personal data.
        extra = sorted((names - expected).keys())
        missing = sorted((expected - names).keys())
        raise EmailRefused(f"unexpected headers {extra or '-'}, missing {missing or '-'}")
    for key, value in msg.items():
        if any(c in str(value) for c in _BREAKS):
            raise EmailRefused(f"{key} holds a line break or NUL")
    _only_address(msg, "From", meant.sender)
    _only_address(msg, "To", meant.to)
    _only_address(msg, "Reply-To", meant.reply_to)
    if str(msg["Message-ID"]).strip() != meant.message_id:
        raise EmailRefused("Message-ID is not the one we made")
    if meant.in_reply_to and str(msg["In-Reply-To"]).strip() != meant.in_reply_to:
        raise EmailRefused("In-Reply-To is not the id we meant")
    if meant.references and str(msg["References"]).split() != list(meant.references):
        raise EmailRefused("References are not the ids we meant")
    if _squeeze(str(msg["Subject"])) != _squeeze(meant.subject):
        raise EmailRefused("Subject is not the one we meant")
    for part in msg.walk():
        if part is msg:
            continue
        if not {key.lower() for key in part} <= _PART_HEADERS:
            raise EmailRefused("a MIME part carries a header of its own")
