"""Read a composed email back and refuse it unless it says exactly what we meant.

What a value "was" when we set it proves little: a display name or a Message-ID that
decodes to a line break used to come out as a real `Bcc:` header. This check reads the
finished bytes as a receiving server (or Graph's MIME sendMail, which takes its
recipients from To/Cc/Bcc) would, but strictly: every email of ours has one fixed
shape (`service.mail.wire`), so anything outside it is refused rather than interpreted.
The header block must be 7-bit, lines joined only by CRLF, each line a header of ours
(each exactly once) or a folded continuation; From, To and Reply-To must each be one
mailbox in one of the three forms we write (`addr`, `Name <addr>` with the name plain,
quoted or encoded) naming the address we meant; Message-ID and threading ids and the
subject (decoded once) must be the ones we made; no MIME part may carry a header of its
own. (The tests check the same bytes with the email library as a second reader.)
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from service.mail.wire import ADDR_SPEC
from service.text import decode_encoded_words

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
_BOUNDARY = re.compile(rb'boundary="([^"\r\n]+)"')
_HEADER_NAME = re.compile(rb"(?m)^([^\s:]+):")
_HEADER_LINE = re.compile(r"([!-9;-~]+):(.*)")
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_PLAIN = rf"(?:(?!=\?)[{_ATEXT}])"  # an atext character, but no "=?" (an encoded word)
_PHRASE = (
    rf"{_PLAIN}+(?: {_PLAIN}+)*"  # plain words
    r'|"(?:[^"\\]|\\["\\])*"'  # one quoted string, only \" and \\ escaped
    r"|=\?utf-8\?b\?[A-Za-z0-9+/]*=*\?=(?: =\?utf-8\?b\?[A-Za-z0-9+/]*=*\?=)*"  # encoded words
)
_MAILBOX = re.compile(rf"(?:(?:{_PHRASE}) <({ADDR_SPEC})>|({ADDR_SPEC}))")


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
    # Without any white space: a reader joins adjacent encoded words without the space
    # between them. The words themselves must match.
    return "".join(text.split())


def _one_address(name: str, value: str, expected: str) -> None:
    found = _MAILBOX.fullmatch(value)
    if found is None:
        raise EmailRefused(f"{name} does not hold exactly one address")
    address = found.group(1) or found.group(2)
    if address.lower() != expected.lower():
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


def _headers(head: bytes) -> list[tuple[str, str]]:
    """(name, unfolded value) of every header line, refusing anything not of that form."""
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        raise EmailRefused("a header holds 8-bit bytes") from None
    items: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        if "\r" in line or "\n" in line or "\x00" in line:
            raise EmailRefused("a header holds a line break or NUL")
        if line[:1] in (" ", "\t") and items:
            items[-1] = (items[-1][0], f"{items[-1][1]} {line.strip()}".strip())
            continue
        found = _HEADER_LINE.fullmatch(line)
        if found is None:
            raise EmailRefused("a header line is neither a header nor its continuation")
        items.append((found.group(1), found.group(2).strip()))
    return items


def _check_names(items: list[tuple[str, str]], meant: Meant) -> dict[str, str]:
    names = Counter(key.lower() for key, _value in items)
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
    return {key.lower(): value for key, value in items}


def verify(raw: bytes, meant: Meant) -> None:
    """Raise EmailRefused unless `raw` has exactly our headers, one To, no Cc/Bcc."""
    head, _, body = raw.partition(b"\r\n\r\n")
    values = _check_names(_headers(head), meant)
    _one_address("To", values["to"], meant.to)
    _one_address("From", values["from"], meant.sender)
    _one_address("Reply-To", values["reply-to"], meant.reply_to)
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
