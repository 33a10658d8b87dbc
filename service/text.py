"""Small text helpers shared by configuration, parsing and matching."""

from __future__ import annotations

import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """Fold a name for comparison: case, accents, spaces and punctuation do not count.

    "SCS-1" / "scs 1" / "S.C.S. 1" all fold to "scs1"; "Grade 7" to "grade7".
    """
    if text.isascii():  # most text: no accents to take off, and casefold is lower
        return _NON_ALNUM.sub("", text.lower().replace("&", "and"))
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_only = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_ALNUM.sub("", ascii_only.casefold().replace("&", "and"))
