"""Take only what the person just wrote: quoted history, signatures and footers go.

First a cut at the earliest sign of quoted history that mail clients leave (Outlook's
"From:/Sent:" block in several languages, "On ... wrote:", "-----Original Message-----",
mobile footers), then mail-parser-reply for what that misses.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl"]
_PARSER = EmailReplyParser(languages=_LANGUAGES)
_MAX_CHARS = 20_000  # the new text of a real reply is short; never scan novels
# mail-parser-reply's signature regex is quadratic in the number of lines (seconds for a
# few thousand blank lines), so it only sees the start, blank runs squeezed; commands and
# an UNPAIR reason live in the first lines anyway.
_LIBRARY_CHARS = 4_000
_LIBRARY_LINES = 60
_BLANK_RUNS = re.compile(r"\n(?:[ \t]*\n)+")

_FROM = r"(?:from|von|de|van|da|fr[åa]n|fra|od|expéditeur|remitente)"
_SENT = (
    r"(?:sent|date|gesendet|datum|envoyé|envoye|enviado|fecha|verzonden|inviato|data|"
    r"skickat|sendt|wysłano|wyslano)"
)
_FROM_LINE = re.compile(rf"^\s*\**{_FROM}\s*:\**\s*\S", re.IGNORECASE)
_SENT_LINE = re.compile(rf"^\s*\**(?:{_SENT}|to|an|à|a|aan|till|til|do|cc)\s*:", re.IGNORECASE)
_CUT_LINES = [
    re.compile(
        r"^\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|"
        r"mensaje original|messaggio originale|oorspronkelijk bericht|"
        r"ursprungligt meddelande|oprindelig meddelelse|wiadomość oryginalna|"
        r"forwarded message|weitergeleitete nachricht)\s*-{2,}\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^\s*_{10,}\s*$"),
    re.compile(
        r"^\s*(?:get outlook for (?:ios|android)|sent from my (?:iphone|ipad|android|"
        r"samsung|mobile)|sent from outlook|sent from mail for windows|"
        r"von meinem iphone gesendet|envoyé de mon iphone)",
        re.IGNORECASE,
    ),
    re.compile(r"^--\s*$"),
]
# "On <date>, <name> wrote:" in its usual languages; may wrap onto a second line.
_WROTE = re.compile(
    r"^\s*(?:on|am|le|el|il|op|den|dne|w dniu)\b.{0,200}?"
    r"(?:wrote|schrieb|a écrit|escribió|ha scritto|schreef|skrev|napisał)\s*:?\s*$",
    re.IGNORECASE | re.DOTALL,
)


def _cut_index(lines: list[str]) -> int:
    for i, line in enumerate(lines):
        if any(p.match(line) for p in _CUT_LINES):
            return i
        if _FROM_LINE.match(line) and any(_SENT_LINE.match(nxt) for nxt in lines[i + 1 : i + 4]):
            return i
        if line.lstrip().startswith(">") and i > 0:
            return i
        if _WROTE.match(line) or (i + 1 < len(lines) and _WROTE.match(line + " " + lines[i + 1])):
            return i
    return len(lines)


def new_text(body: str) -> str:
    """The newly written part of a reply body (plain text; convert HTML first)."""
    text = body[:_MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    kept = "\n".join(lines[: _cut_index(lines)]).strip()
    kept = "\n".join(_BLANK_RUNS.sub("\n\n", kept).split("\n")[:_LIBRARY_LINES])
    kept = kept[:_LIBRARY_CHARS]
    if not kept:
        return ""
    try:
        reply = _PARSER.parse_reply(kept)
    except Exception:  # the library is regex-heavy; a surprise there must not lose the text
        reply = None
    # The library can drop everything after a lone word it takes for a signature;
    # trust it only when it leaves something.
    result = reply.strip() if reply and reply.strip() else kept
    return result
