"""Robust MIME decoding: raw bytes in, a tidy `ParsedMail` out, never an exception.

Real mail is messy: mislabelled charsets, 8-bit headers, duplicated or missing headers,
HTML-only bodies, winmail.dat. Everything here degrades to "less information" rather
than failing, because one unreadable message must never stop the pipeline.
"""

from __future__ import annotations

import codecs
import email
import email.utils
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.errors import MessageError
from email.header import Header, decode_header
from email.message import Message
from email.parser import BytesHeaderParser

from service.inbound.html_text import html_to_text

# Parts bigger than this are not decoded for text: nobody writes a command that long.
_MAX_TEXT_PART_BYTES = 2_000_000
# Text bodies are truncated to this many characters before any regex runs on them.
_MAX_TEXT_CHARS = 200_000
_MSGID = re.compile(r"<([^<>\s]+@[^<>\s]+)>")
# The two forms nearly every address takes, "addr@host" and "Plain Name <addr@host>", read
# without the standard address parser (a tenth of a short message's classification):
# `simple_address` gives what `email.utils.parseaddr` gives for them, or None.
_LOCAL = r"[A-Za-z0-9_%+'-]+(?:\.[A-Za-z0-9_%+'-]+)*"
_DOMAIN = r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_SIMPLE_ADDRESS = re.compile(
    rf"[ \t]*(?:(?P<name>(?:[\w'-]+[ \t]+)*[\w'-]+)?[ \t]*<(?P<routed>{_LOCAL}@{_DOMAIN})>"
    rf"|(?P<bare>{_LOCAL}@{_DOMAIN}))[ \t]*"
)
_LATIN_LABELS = {"ascii", "us-ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"}


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass(frozen=True, eq=False)
class ParsedMail:
    """What the classifier needs from one message. Header names are lower case."""

    headers: dict[str, tuple[str, ...]]
    subject: str
    sender: str  # the From address, lower case, "" when there is none
    sender_name: str
    recipients: tuple[str, ...]  # To, Cc, Delivered-To, X-Original-To addresses, lower case
    message_id: str | None
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None
    content_type: str
    text: str  # the best plain-text body (HTML converted when there is no text part)
    html: str  # the first HTML body, raw, "" when none
    attachments: tuple[Attachment, ...]
    too_large: bool
    size: int
    message: Message = field(repr=False)  # kept for bounce detectors that need the tree

    def header(self, name: str) -> str:
        """The first value of a header, "" when it is missing."""
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    def has_header(self, name: str) -> bool:
        return name.lower() in self.headers


def decode_bytes(data: bytes, label: str | None) -> str:
    """Decode a body with its declared charset, correcting the usual mislabellings."""
    name = (label or "").strip().strip('"').lower()
    try:
        codec = codecs.lookup(name).name if name else ""
    except (LookupError, ValueError):
        codec = ""
    if not codec or name in _LATIN_LABELS or codec in {"ascii", "latin-1", "cp1252"}:
        # Unlabelled or labelled Latin: UTF-8 that decodes cleanly is almost surely UTF-8.
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError, ValueError):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("cp1252", errors="replace")


def _header_text(value: object) -> str:
    """A header value as text: encoded words decoded, 8-bit bytes guessed, folding undone."""
    if isinstance(value, Header):
        # compat32 wraps raw 8-bit header bytes in a Header ("unknown-8bit"): guess them.
        try:
            value = "".join(
                decode_bytes(chunk, None if cs in (None, "unknown-8bit") else cs)
                if isinstance(chunk, bytes)
                else chunk
                for chunk, cs in decode_header(value)
            )
        except (ValueError, LookupError, UnicodeError, MessageError):
            value = str(value)
    elif not isinstance(value, str):
        value = str(value)
    if not value.isascii() and any(0xDC80 <= ord(c) <= 0xDCFF for c in value):
        # Raw 8-bit bytes arrive as surrogate escapes: guess UTF-8, else Windows-1252.
        value = decode_bytes(value.encode("ascii", "surrogateescape"), None)
    if "=?" in value:
        try:
            pieces = []
            for chunk, charset in decode_header(value):
                if isinstance(chunk, bytes):
                    pieces.append(decode_bytes(chunk, charset))
                else:
                    pieces.append(chunk)
            value = "".join(pieces)
        except (ValueError, LookupError, AssertionError, UnicodeError, MessageError):
            pass
    return " ".join(value.replace("\r", " ").replace("\n", " ").split())


def simple_address(value: str) -> tuple[str, str] | None:
    """(name, address) as `email.utils.parseaddr` reads `value`, when it is one of the
    two common forms; None otherwise (ask the standard parser then)."""
    found = _SIMPLE_ADDRESS.fullmatch(value)
    if found is None:
        return None
    if found["bare"]:
        return "", found["bare"]
    return " ".join((found["name"] or "").split()), found["routed"]


def _addresses(values: tuple[str, ...]) -> tuple[str, ...]:
    found: list[str] = []
    pairs = [pair for value in values if (pair := simple_address(value)) is not None]
    if len(pairs) < len(values):
        try:
            pairs = email.utils.getaddresses(list(values))
        except (RecursionError, ValueError, IndexError):
            return ()  # the standard parser recurses once per comma-free "@" in some junk
    for _name, address in pairs:
        addr = address.strip().lower()
        if "@" in addr and addr not in found:
            found.append(addr)
    return tuple(found)


def _msgids(value: str) -> tuple[str, ...]:
    ids = _MSGID.findall(value)
    if not ids and value.strip() and "@" in value and " " not in value.strip():
        ids = [value.strip().strip("<>")]  # some clients omit the angle brackets
    # Kept as written, brackets included: threading headers must quote them exactly.
    return tuple(dict.fromkeys(f"<{i}>" for i in ids))


def _date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return moment


def _payload_bytes(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except (ValueError, TypeError, LookupError, AssertionError, MessageError):
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _part_text(part: Message) -> str:
    data = _payload_bytes(part)[:_MAX_TEXT_PART_BYTES]
    try:
        charset = part.get_content_charset()
    except (ValueError, TypeError, AttributeError):
        charset = None
    return decode_bytes(data, charset)[:_MAX_TEXT_CHARS]


def _filename(part: Message) -> str:
    # Only a header holding "name" can name a file (filename=, name=, filename*0*=):
    # most parts have none, and asking the parser costs two parameter parses.
    if not any(
        "name" in str(part.get(h, "")).lower() for h in ("content-disposition", "content-type")
    ):
        return ""
    try:
        name = part.get_filename()
    except (ValueError, TypeError, LookupError, AttributeError, MessageError):
        name = None
    return _header_text(name) if name else ""


def _is_attachment(part: Message, filename: str) -> bool:
    disposition = str(part.get("Content-Disposition", "")).lower()
    return disposition.startswith("attachment") or bool(filename)


def _tnef(data: bytes) -> tuple[str, str, list[Attachment]]:
    """The body and attachments inside a winmail.dat (Outlook's rich-text wrapper)."""
    try:
        from tnefparse import TNEF

        tnef = TNEF(data)
    except Exception:  # a broken winmail.dat is just an unreadable attachment
        return "", "", []
    text = html = ""
    body = getattr(tnef, "body", None)
    if isinstance(body, bytes):
        text = decode_bytes(body, None)
    elif isinstance(body, str):
        text = body
    htmlbody = getattr(tnef, "htmlbody", None)
    if isinstance(htmlbody, bytes):
        html = decode_bytes(htmlbody, None)
    elif isinstance(htmlbody, str):
        html = htmlbody
    found = []
    for att in getattr(tnef, "attachments", []) or []:
        try:
            name = att.long_filename() or att.name
            if isinstance(name, bytes):
                name = decode_bytes(name, None)
            found.append(Attachment(str(name), "application/octet-stream", bytes(att.data)))
        except Exception:
            continue
    return text, html, found


def _bodies(msg: Message) -> tuple[str, str, list[Attachment]]:
    text = html = ""
    attachments: list[Attachment] = []
    parts = msg.walk() if msg.is_multipart() else iter([msg])
    for count, part in enumerate(parts):
        if count > 200:  # a message with hundreds of parts is not a person writing to us
            break
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        if ctype in {"message/rfc822", "message/delivery-status", "text/rfc822-headers"}:
            continue
        filename = _filename(part)
        if filename.lower() == "winmail.dat" or ctype == "application/ms-tnef":
            t_text, t_html, t_atts = _tnef(_payload_bytes(part))
            text = text or t_text
            html = html or t_html
            attachments.extend(t_atts)
            continue
        if _is_attachment(part, filename):
            attachments.append(Attachment(filename, ctype, _payload_bytes(part)))
            continue
        if ctype == "text/plain" and not text:
            text = _part_text(part)
        elif ctype == "text/html" and not html:
            html = _part_text(part)
        elif ctype == "application/json":
            attachments.append(Attachment(filename or "body.json", ctype, _payload_bytes(part)))
    if not text.strip() and html:
        text = html_to_text(html)[:_MAX_TEXT_CHARS]
    return text, html, attachments


def _headers(msg: Message) -> dict[str, tuple[str, ...]]:
    headers: dict[str, list[str]] = {}
    for name, value in msg.items():
        headers.setdefault(name.lower().strip(), []).append(_header_text(value))
    return {k: tuple(v) for k, v in headers.items()}


def _header_only(raw: bytes) -> Message:
    for sep in (b"\r\n\r\n", b"\n\n"):
        end = raw.find(sep)
        if end != -1:
            raw = raw[: end + len(sep)]
            break
    else:
        raw = raw[:200_000]
    return BytesHeaderParser().parsebytes(raw)


def parse_mail(raw: bytes, max_bytes: int, message: Message | None = None) -> ParsedMail:
    """Read a message; over `max_bytes` only the headers are read. Never raises.
    `message`: `email.message_from_bytes(raw)`, when the caller has read it already."""
    too_large = len(raw) > max_bytes
    msg = message if message is not None and not too_large else None
    if msg is None:
        msg = _header_only(raw) if too_large else email.message_from_bytes(raw)
    headers = _headers(msg)

    def first(name: str) -> str:
        values = headers.get(name)
        return values[0] if values else ""

    from_values = headers.get("from", ())
    sender_name, sender = ("", "")
    if from_values:
        try:
            first_from = from_values[0][:2000]
            sender_name, sender = simple_address(first_from) or email.utils.parseaddr(first_from)
        except (RecursionError, ValueError, IndexError):
            sender_name, sender = "", ""
        if "@" not in sender:
            sender = ""
    recipients = _addresses(
        headers.get("to", ())
        + headers.get("cc", ())
        + headers.get("delivered-to", ())
        + headers.get("x-original-to", ())
    )
    message_ids = _msgids(first("message-id"))
    attachments: list[Attachment] = []
    if too_large:
        text, html = "", ""
    else:
        text, html, attachments = _bodies(msg)
    try:
        ctype = msg.get_content_type()
    except (ValueError, TypeError, AttributeError):
        ctype = "text/plain"
    return ParsedMail(
        headers=headers,
        subject=first("subject"),
        sender=sender.strip().lower(),
        sender_name=sender_name.strip(),
        recipients=recipients,
        message_id=message_ids[0] if message_ids else None,
        in_reply_to=_msgids(" ".join(headers.get("in-reply-to", ()))),
        references=_msgids(" ".join(headers.get("references", ()))),
        date=_date(first("date")),
        content_type=ctype,
        text=text.replace("\r\n", "\n").replace("\r", "\n"),
        html=html,
        attachments=tuple(attachments),
        too_large=too_large,
        size=len(raw),
        message=msg,
    )
