"""Parse a composed email back and refuse it unless it says exactly what we meant.

The email library decodes header values when they are set and encodes them again when
the message is written, so what a value "was" when we set it proves little: a display
name or a Message-ID that decodes to a line break used to come out as a real `Bcc:`
header. This check reads the finished bytes the way a receiving server (or Graph's MIME
sendMail, which takes its recipients from To/Cc/Bcc) would, and compares.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from service.text import decode_encoded_words

_PARSER = BytesHeaderParser(policy=policy.default)
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
_FOLDING = re.compile(r"\r?\n[ \t]")
_BREAKS = ("\r", "\n", "\x00")
_BOUNDARY = re.compile(rb'boundary="([^"\r\n]+)"')
_HEADER_NAME = re.compile(rb"(?m)^([^\s:]+):")


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


def _one_address(name: str, addresses: list[str], expected: str) -> None:
    if len(addresses) != 1:
        raise EmailRefused(f"{name} does not hold exactly one address")
    if addresses[0].lower() != expected.lower():
        raise EmailRefused(f"{name} is not the address we meant")


def _part_header_names(raw: bytes, body: bytes) -> set[str]:
    """The header names of every MIME part, read from the bytes between boundaries."""
    names: set[str] = set()
    for boundary in set(_BOUNDARY.findall(raw)):
        for segment in body.split(b"\r\n--" + boundary)[1:]:
            if segment.startswith(b"--"):
                continue  # the closing delimiter
            block = segment.split(b"\r\n\r\n", 1)[0]
            names.update(n.decode("latin-1").lower() for n in _HEADER_NAME.findall(block))
    return names


def verify(raw: bytes, meant: Meant) -> None:
    """Raise EmailRefused unless `raw` has exactly our headers, one To, no Cc/Bcc.

    The header block is parsed with policy.default (as Graph's MIME sendMail or a
    receiving server would read it); To, which decides who gets the email, through the
    full header registry, From and Reply-To through `getaddresses`. Part headers are
    read between the boundaries. About 0.3-0.6 ms an email (benchmarks/header_checks.py).
    """
    head, _, body = raw.partition(b"\r\n\r\n")
    msg = _PARSER.parsebytes(head + b"\r\n\r\n")
    assert isinstance(msg, EmailMessage)
    raw_items = list(msg.raw_items())
    names = Counter(key.lower() for key, _value in raw_items)
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
    values = {}
    for key, value in raw_items:
        unfolded = _FOLDING.sub(" ", str(value))
        if any(c in unfolded for c in _BREAKS):
            raise EmailRefused(f"{key} holds a line break or NUL")
        values[key.lower()] = unfolded.strip()
    _one_address("To", [a.addr_spec for a in msg["To"].addresses], meant.to)
    if len(msg["To"].groups) != 1:
        raise EmailRefused("To does not hold exactly one address")
    for key, name, wanted in (
        ("from", "From", meant.sender),
        ("reply-to", "Reply-To", meant.reply_to),
    ):
        _one_address(name, [a for _n, a in getaddresses([values[key]])], wanted)
    if values["message-id"] != meant.message_id:
        raise EmailRefused("Message-ID is not the one we made")
    if meant.in_reply_to and values["in-reply-to"] != meant.in_reply_to:
        raise EmailRefused("In-Reply-To is not the id we meant")
    if meant.references and values["references"].split() != list(meant.references):
        raise EmailRefused("References are not the ids we meant")
    if _squeeze(decode_encoded_words(values["subject"])) != _squeeze(meant.subject):
        raise EmailRefused("Subject is not the one we meant")
    if not _part_header_names(raw, body) <= _PART_HEADERS:
        raise EmailRefused("a MIME part carries a header of its own")
