"""Does a raw message mention a person? Used by erasure on every copy of our mail.

A name or address can sit in a message raw, RFC 2047-encoded in a header, or in a
quoted-printable or base64 body or attachment, or HTML-escaped: each is looked at
decoded, case-insensitively.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from email import message_from_bytes, policy
from email.message import Message

from service.text import decode_encoded_words


def _texts(raw: bytes) -> list[str]:
    texts = [raw.decode("latin-1")]
    try:
        msg: Message = message_from_bytes(raw, policy=policy.compat32)
    except Exception:  # unreadable structure: the raw text above is all there is
        return texts
    for key, value in msg.items():
        texts.append(f"{key}: {decode_encoded_words(str(value))}")
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:
            continue
        if isinstance(payload, bytes):
            for codec in (part.get_content_charset() or "utf-8", "utf-8"):
                try:
                    texts.append(html.unescape(payload.decode(codec, errors="replace")))
                    break
                except LookupError:
                    continue
        texts.extend(decode_encoded_words(str(value)) for value in part.values())
    return texts


def mentions(raw: bytes, terms: Sequence[str]) -> bool:
    """True when any of `terms` appears in `raw`, decoded or not (case-insensitive)."""
    wanted = [t.casefold() for t in terms if t.strip()]
    if not wanted or not raw:
        return False
    for text in _texts(raw):
        folded = " ".join(text.casefold().split())
        if any(term in folded for term in wanted):
            return True
    return False
