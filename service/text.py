"""Small text helpers shared by configuration, parsing, matching and outgoing headers."""

from __future__ import annotations

import base64
import binascii
import codecs
import re
import unicodedata
from collections.abc import Sequence
from email import quoprimime

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_NOT_ALNUM_ASCII = bytes(b for b in range(128) if not chr(b).isascii() or not chr(b).isalnum())
# C0/C1 controls (NUL, CR, LF, ESC...), DEL, the Unicode line and paragraph separators
# some mail clients honour, zero-width space and BOM, and the bidirectional marks,
# embeddings, overrides and isolates (they make a name or subject display as something
# else). ZWJ/ZWNJ stay: names and emoji need them.
_CONTROL = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]"
)
_SPACES = re.compile(r"\s+")
# One RFC 2047 encoded word; the charset may carry an RFC 2231 language ("utf-8*en").
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([qQbB])\?([^?\s]*)\?=")
# Whitespace between two encoded words is not part of the text (RFC 2047 section 6.2).
_BETWEEN_WORDS = re.compile(r"(?<=\?=)[ \t\r\n]+(?==\?)")
# Anything that a mail library could still take for an encoded word after one decoding.
_STILL_ENCODED = re.compile(r"=\?.*\?=", re.DOTALL)


class UnsafeHeaderValue(ValueError):
    """A value that must not reach a header we write. The message never quotes the value."""


def fold(text: str) -> str:
    """Fold a name for comparison: case, accents, spaces and punctuation do not count.

    "SCS-1" / "scs 1" / "S.C.S. 1" all fold to "scs1"; "Grade 7" to "grade7".
    """
    if text.isascii():  # most text: no accents to take off, and casefold is lower
        # bytes.translate deletes the rest twenty times faster than the regex does.
        lowered = text.lower().replace("&", "and").encode("ascii")
        return lowered.translate(None, _NOT_ALNUM_ASCII).decode("ascii")
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", ascii_only.casefold().replace("&", "and"))


def one_line(text: str) -> str:
    """Collapse to one line: whitespace runs become one space, control characters go."""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def _decode_word(match: re.Match[str]) -> str:
    charset, encoding, data = match.groups()
    try:
        codec = codecs.lookup(charset.split("*", 1)[0]).name
        if encoding in "qQ":
            raw = quoprimime.header_decode(data).encode("latin-1")
        else:
            raw = base64.b64decode(data + "=" * (-len(data) % 4), validate=True)
        return raw.decode(codec, errors="replace")
    except (LookupError, ValueError, binascii.Error, UnicodeError):
        return match.group(0)  # left as it is: `header_text` then refuses it


def decode_encoded_words(text: str) -> str:
    """Decode RFC 2047 encoded words exactly once (what a mail reader would show)."""
    if "=?" not in text:
        return text
    return _ENCODED_WORD.sub(_decode_word, _BETWEEN_WORDS.sub("", text))


def clean_text(text: str) -> str:
    """A value from mail or a form as a person would read it: decoded once, on one line,
    without control characters. Used when names are stored, so every later use is safe."""
    return one_line(decode_encoded_words(text))


def looks_encoded(text: str) -> bool:
    """True when a mail library could still decode something out of `text`."""
    return bool(_STILL_ENCODED.search(text))


def header_text(text: str) -> str:
    """The one gate for every value that reaches a header we write.

    Decodes encoded words once, removes control characters (NUL, CR, LF, bidi controls)
    and line breaks, and refuses what is still suspicious: an encoded word that survived
    one decoding is a double encoding, which the email library would decode again on
    the way out and which could then carry a line break and a header of its own.
    """
    value = clean_text(text)
    if looks_encoded(value):
        raise UnsafeHeaderValue("a header value still holds an encoded word after decoding")
    return value


def or_list(items: Sequence[str]) -> str:
    """'1', '1 or 2', '1, 2 or 3': a choice of several, as emails and reasons write it."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]
