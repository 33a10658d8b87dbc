"""The commands an email's wording asks for ("reply MET or CONTINUE"), read from its text."""

from __future__ import annotations

import re

from handlers import TABLE

_WORD = r"[A-Z]{2,}(?:\s+[A-Z]{2,})*"
_ASKED = re.compile(
    r"\b(?i:reply|replying|send|sending|the word|or)\s+(?i:with\s+)?"
    rf"({_WORD}(?:(?:,?\s+or\s+|,\s+|\s+\(or\s+){_WORD})*)"
)
_BETWEEN = re.compile(r",?\s+or\s+|,\s+|\s+\(or\s+")
ANSWERS = {"YES", "NO"}  # bare answers, read by what the email asked, not commands
FOOTER_RULE = "-" * 70


def named(text: str) -> set[str]:
    """Every command word the text asks the reader to send."""
    found: set[str] = set()
    for match in _ASKED.finditer(text):
        found |= {" ".join(w.split()) for w in _BETWEEN.split(match.group(1))}
    return found - ANSWERS


def understood(word: str) -> bool:
    """Does the parser know this command word (with or without its arguments)?"""
    text = word.lower()
    return any(text == s or text.startswith(s + " ") for s, _ in TABLE.spellings)


def footer_names(text: str) -> set[str]:
    """The command names a plain-text email's footer lists ("KEEP 1, 2 or 3" is KEEP)."""
    _, _, footer = text.partition(FOOTER_RULE)
    lines = [ln.strip() for ln in footer.splitlines() if ln.startswith("  ") and ln.strip()]
    names = set()
    for line in lines:
        for spelling, command in TABLE.spellings:
            if line.lower() == spelling or line.lower().startswith(spelling + " "):
                names.add(command.name)
                break
    return names


def name_of(word: str) -> str:
    text = word.lower()
    return next(c.name for s, c in TABLE.spellings if text == s or text.startswith(s + " "))
