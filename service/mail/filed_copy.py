"""The copy of a handled message the service files: our attention header in, any sent to us out.

Every folder gets such a copy when the message arrived with a header of our names (not
only needs-attention): a coordinator must never find one of ours that we did not write.

`X-Mentoring-Attention` tells a coordinator reading the Maildir or an IMAP folder why a
message is in needs-attention; `X-Mentoring-Filed-From` names the inbox message an IMAP
copy was made from, so a copy filed just before a crash is found rather than filed
twice. Only the service writes them: anyone can put headers of those names in the mail
they send, so every one arriving is taken out of the filed copy before ours go in.
Bytes in, bytes out, no I/O; the body is never touched.
"""

from __future__ import annotations

import re
from email.header import Header

HEADER = "X-Mentoring-Attention"
SOURCE_HEADER = "X-Mentoring-Filed-From"
_NAMES = frozenset(name.lower().encode("ascii") for name in (HEADER, SOURCE_HEADER))
_PREFIX = b"x-mentoring-"
_VALUE_CHARS = 400  # a reason in a sentence or two; the full text is in `attention show`
_BREAK = re.compile(rb"\r?\n\r?\n")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def mentions_header(head: bytes) -> bool:
    """Whether these header bytes may hold a header of ours (cheap, case-insensitive)."""
    return _PREFIX in head.lower()


def carries_ours(raw: bytes) -> bool:
    """Whether a message arrived with a header named as one of ours (in its header block;
    the body is never looked at): its filed copy, wherever it goes, must lose it."""
    return mentions_header(_split(raw)[0])


def _split(raw: bytes) -> tuple[bytes, bytes, bytes]:
    found = _BREAK.search(raw)
    if found is None:
        return raw, b"", b""
    return raw[: found.start()], raw[found.start() : found.end()], raw[found.end() :]


def _without_ours(head: bytes) -> list[bytes]:
    """Header lines with every header of ours (and its folded lines) removed."""
    kept: list[bytes] = []
    dropping = False
    for line in head.splitlines(keepends=True):
        if line[:1] in (b" ", b"\t"):
            if not dropping:
                kept.append(line)
            continue
        name = line.split(b":", 1)[0].strip().lower()
        dropping = name in _NAMES
        if not dropping:
            kept.append(line)
    return kept


def header_line(note: str, newline: bytes = b"\r\n") -> bytes:
    """Our header, one line (RFC 2047 encoded when the note is not ASCII)."""
    text = _CONTROL.sub(" ", note).strip()[:_VALUE_CHARS] or "needs attention"
    value = (
        text
        if text.isascii()
        else Header(text, "utf-8", header_name=HEADER).encode(linesep=newline.decode())
    )
    return f"{HEADER}: {value}".encode("ascii") + newline


def filed_copy(raw: bytes, note: str | None, source: str | None = None) -> bytes:
    """`raw` with any inbound header of ours taken out and, given a note (and the
    source it was filed from), ours put first. Unchanged (the same object) when there is
    nothing to do."""
    head, gap, body = _split(raw)
    if note is None and not mentions_header(head):
        return raw
    newline = b"\r\n" if b"\r\n" in head[:2000] else b"\n"
    lines = _without_ours(head)
    ours = [header_line(note, newline)] if note is not None else []
    if source is not None:
        ours.append(f"{SOURCE_HEADER}: {_CONTROL.sub(' ', source)}".encode("ascii") + newline)
    if lines and not lines[-1].endswith(b"\n"):
        lines[-1] += newline
    rebuilt = b"".join([*ours, *lines])
    if gap:
        rebuilt = rebuilt.rstrip(b"\r\n") + gap
    return rebuilt + body
