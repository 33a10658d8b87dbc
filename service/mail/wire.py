"""The bytes of our own emails, written directly: every one has the same fixed shape.

The email library's EmailMessage re-parses every header it is given through its header
registry and writes it out again through its folder: 4 ms an email, most of the cost of
answering one. We write the few kinds of value our emails carry ourselves: an address
with a display name, an unstructured subject, a list of Message-IDs, and two (or more)
MIME parts. What comes out is plain RFC 5322/2045/2047 in 7-bit ASCII with CRLF line
ends, and `service.mail.verify` still reads the finished bytes back and refuses the
email unless they hold exactly the headers and the one recipient we meant.

Values reach here already through `service.text.header_text` (decoded once, one line,
no control characters, no encoded word left): this module only encodes and folds.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Iterable, Sequence
from email.utils import encode_rfc2231

FOLD_AT = 78  # RFC 5322's "should"; 998 is the hard limit
MAX_LINE = 998
# atext (RFC 5322 3.2.3): a display name made only of these and spaces needs no quotes.
_ATEXT = r"A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_PLAIN_NAME = re.compile(rf"[{_ATEXT}]+(?: [{_ATEXT}]+)*")
# RFC 5322 addr-spec in the forms we send to: dot-atom local part, and a dot-atom domain
# or a domain literal. ASCII only: we do not send SMTPUTF8 mail.
ADDR_SPEC = rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*|\[[!-Z^-~]*\])"
_ADDR_SPEC = re.compile(ADDR_SPEC)
# RFC 6838 restricted names, for an attachment's type/subtype.
_NAME = r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}"
_MEDIA_TYPE = re.compile(f"{_NAME}/{_NAME}")
_WORD_BYTES = 45  # 45 bytes of UTF-8 make 60 base64 characters: a 72-character encoded word


def is_addr_spec(address: str) -> bool:
    return _ADDR_SPEC.fullmatch(address) is not None


def is_media_type(content_type: str) -> bool:
    return _MEDIA_TYPE.fullmatch(content_type) is not None


def encoded_words(text: str) -> list[str]:
    """RFC 2047 base64 words for `text`, each under 75 characters, never splitting a
    character (readers join adjacent words without the space between them)."""
    words: list[str] = []
    chunk = bytearray()
    for char in text:
        data = char.encode("utf-8")
        if len(chunk) + len(data) > _WORD_BYTES:
            words.append(_word(bytes(chunk)))
            chunk.clear()
        chunk += data
    if chunk:
        words.append(_word(bytes(chunk)))
    return words


def _word(data: bytes) -> str:
    return f"=?utf-8?b?{base64.b64encode(data).decode('ascii')}?="


def fold(name: str, tokens: Iterable[str], width: int = FOLD_AT) -> str:
    """`name: token token …`, with a line break (CRLF and a space) before a token that
    would take the line past `width`. Tokens are never split."""
    lines: list[str] = []
    line = f"{name}:"
    for token in tokens:
        if len(line) + 1 + len(token) > width and line != f"{name}:":
            lines.append(line)
            line = ""
        line = f"{line} {token}"
    lines.append(line)
    return "\r\n".join(lines)


def address_tokens(display_name: str, addr_spec: str) -> list[str]:
    """A mailbox as foldable tokens: `Name <addr>`, quoted or encoded as it needs."""
    if not display_name:
        return [addr_spec]
    if not display_name.isascii():
        phrase = encoded_words(display_name)
    elif _PLAIN_NAME.fullmatch(display_name):
        phrase = display_name.split(" ")
    else:
        escaped = display_name.replace("\\", "\\\\").replace('"', '\\"')
        phrase = [f'"{escaped}"']
    return [*phrase, f"<{addr_spec}>"]


def unstructured(name: str, text: str) -> str:
    """A Subject-like header: ASCII stays readable (on one line when it fits); runs of
    words with other characters, and words too long to fold, become encoded words."""
    if text.isascii() and len(name) + 2 + len(text) <= MAX_LINE:
        return f"{name}: {text}"
    tokens: list[str] = []
    run: list[str] = []  # words to encode together: the spaces between them are text
    for word in text.split(" "):
        if word.isascii() and len(word) <= 70:
            if run:
                tokens += encoded_words(" ".join(run))
                run = []
            tokens.append(word)
        else:
            run.append(word)
    if run:
        tokens += encoded_words(" ".join(run))
    return fold(name, tokens)


def _quoted_printable(text: str) -> bytes:
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    data = lines.replace("\n", "\r\n").encode("utf-8")
    return binascii.b2a_qp(data, quotetabs=False, istext=True, header=False)


def boundary() -> str:
    # "=_" never occurs in quoted-printable or base64 text, so no part can hold it.
    return f"=_{secrets.token_hex(12)}"


def text_part(subtype: str, text: str) -> bytes:
    return (
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    ).encode("ascii") + _quoted_printable(text)


def attachment_part(filename: str, content_type: str, data: bytes) -> bytes:
    if filename.isascii() and filename.isprintable():
        disposition = f'attachment; filename="{filename}"'  # no quote or backslash in it
    else:
        disposition = f"attachment; filename*={encode_rfc2231(filename, 'utf-8')}"
    body = base64.encodebytes(data).replace(b"\n", b"\r\n")
    return (
        f"Content-Type: {content_type}\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        f"Content-Disposition: {disposition}\r\n\r\n"
    ).encode("ascii") + body


def multipart(subtype: str, parts: Sequence[bytes]) -> tuple[str, bytes]:
    """(the Content-Type value, the body) of a multipart holding `parts`."""
    mark = boundary()
    delimiter = f"--{mark}\r\n".encode("ascii")
    body = b"".join(delimiter + part + b"\r\n" for part in parts) + f"--{mark}--\r\n".encode()
    return f'multipart/{subtype}; boundary="{mark}"', body
