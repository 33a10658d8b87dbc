"""Take only what the person just wrote: quoted history, signatures and footers go.

One pass over the lines, in linear time: every pattern sees at most one line (or a header
folded over a few lines), each cut to `_LINE_CHARS`, and only the first `_MAX_CHARS` of a
body are read. The quote headers, Outlook header-block words, separators and signatures of
the mail clients live in config/reply_patterns.toml, not here.

Only history that can be told apart goes. A marked quote (its header and the ">" lines) is
cut out and reading goes on below it, so answers written below or between the quoted lines
are read; a header over unmarked history (Outlook, Gmail converted to text), a separator
("-----Original Message-----", a forward) or an Outlook "From:/Sent:" block ends the
person's text, and so does a signature.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from service.errors import ConfigError

PATTERNS_PATH = Path(__file__).resolve().parent.parent.parent / "config" / "reply_patterns.toml"
_MAX_CHARS = 100_000  # a reply's own words come long before this; never scan novels
_MAX_LINES = 10_000  # lines read at all (blank and quoted ones cost next to nothing)
_MAX_TEXT_LINES = 500  # lines the patterns look at: each costs a few microseconds
_MAX_OWN_CHARS = 10_000  # the person's words kept: commands, a reason, a question
_LINE_CHARS = 1_000  # patterns see at most this much of a line
_LABEL_CHARS = 30  # "From:", "Lähettäjä:", "**Gesendet:**" end by then
_WRAP_LINES = 6  # a quote header folded by the client spans at most this many lines
_WRAP_CHARS = 600
_SENTENCE_END = (".", "!", "?", ":")  # a line that ends so is not a folded header
_DIGIT = re.compile(r"\d")
_DECORATION = re.compile(r"^[\s_=*~-]*$")
_MAX_FOLDS = 50  # folded headers tried per body: bounds the work on "On On On …" bodies


class _Pattern(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    pattern: str
    examples: list[str]
    wraps: bool = False  # may be folded over several lines by the client
    start: str = ""  # with wraps: how its first line begins (only then is a fold tried)
    # Headers only: words one of which the line must contain (lower case) before the
    # pattern is tried; substring tests are cheap, patterns are not.
    keywords: list[str] = []
    forward: bool = False

    @field_validator("pattern", "start")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value, re.IGNORECASE)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _examples_match(self) -> _Pattern:
        if not self.examples:
            raise ValueError(f"{self.name!r}: give at least one example it must match")
        if self.wraps and not self.start:
            raise ValueError(f"{self.name!r}: a header that wraps needs `start`")
        regex = re.compile(self.pattern, re.IGNORECASE)
        for example in self.examples:
            if not regex.match(example):
                raise ValueError(f"{self.name!r}: does not match its example {example!r}")
            if self.keywords and not any(k in example.lower() for k in self.keywords):
                raise ValueError(f"{self.name!r}: no keyword in its example {example!r}")
        return self


class _Labels(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    from_: list[str]
    sent: list[str]
    to: list[str]
    subject: list[str]


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    header: list[_Pattern]

    @field_validator("header")
    @classmethod
    def _keywords(cls, value: list[_Pattern]) -> list[_Pattern]:
        for entry in value:
            if not entry.keywords:
                raise ValueError(f"{entry.name!r}: a quote header needs `keywords`")
        return value

    labels: _Labels
    separator: list[_Pattern]
    signature: list[_Pattern]


@dataclass(frozen=True)
class _Header:
    keywords: tuple[str, ...]
    regex: re.Pattern[str]
    wraps: bool

    def match(self, line: str, lower: str) -> bool:
        return any(k in lower for k in self.keywords) and bool(self.regex.match(line))


@dataclass(frozen=True)
class ReplyPatterns:
    """The compiled patterns: one alternation per kind, so each line costs one match."""

    headers: tuple[_Header, ...]
    keywords: tuple[str, ...]  # every header's keywords: most lines have none
    header_start: re.Pattern[str]  # how a foldable header's first line begins
    separator: re.Pattern[str]
    forward: re.Pattern[str]
    signature: re.Pattern[str]
    from_label: re.Pattern[str]
    other_label: re.Pattern[str]
    inline_sent: re.Pattern[str]  # Outlook's one-line "From: x Sent: y"

    def any_keyword(self, lower: str) -> bool:
        # Substring tests, not one alternation: re tries every branch at every position,
        # which made this a tenth of a long reply's classification.
        return any(k in lower for k in self.keywords)


def _either(patterns: list[str]) -> re.Pattern[str]:
    if not patterns:
        return re.compile(r"(?!)")
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def compile_patterns(data: dict[str, Any], source: str = "reply patterns") -> ReplyPatterns:
    """Validate and compile the reply patterns; a ConfigError names the bad entry."""
    if isinstance(data.get("labels"), dict) and "from" in data["labels"]:
        data = {
            **data,
            "labels": {("from_" if k == "from" else k): v for k, v in data["labels"].items()},
        }
    try:
        spec = _File.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]).replace("from_", "from")
        raise ConfigError(f"{source}: {where}: {first['msg']}") from None
    labels = spec.labels

    def label(words: str) -> re.Pattern[str]:
        return re.compile(r"^\*{0,2}(?:" + words + r")\s*\*{0,2}\s*:", re.IGNORECASE)

    other = _words(labels.sent + labels.to + labels.subject)
    # A fold is tried only where a foldable header can begin ("On", "Am", "Le" …).
    starts = [p.start for p in spec.header if p.wraps]
    return ReplyPatterns(
        keywords=tuple(dict.fromkeys(k.lower() for h in spec.header for k in h.keywords)),
        headers=tuple(
            _Header(tuple(k.lower() for k in h.keywords), re.compile(h.pattern, re.I), h.wraps)
            for h in spec.header
        ),
        header_start=_either(starts) if starts else re.compile(r"(?!)"),
        separator=_either([p.pattern for p in spec.separator]),
        forward=_either([p.pattern for p in spec.separator if p.forward]),
        signature=_either([p.pattern for p in spec.signature]),
        from_label=label(_words(labels.from_)),
        other_label=label(other),
        inline_sent=re.compile(
            r"\s\*{0,2}(?:" + _words(labels.sent) + r")\s*\*{0,2}\s*:", re.IGNORECASE
        ),
    )


@cache
def patterns() -> ReplyPatterns:
    try:
        with PATTERNS_PATH.open("rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{PATTERNS_PATH}: cannot be read: {exc}") from None
    return compile_patterns(data, str(PATTERNS_PATH))


@dataclass(frozen=True)
class Reply:
    text: str  # the person's own words
    forwarded: bool  # they forwarded a message (the text is their note above it)
    quoted: bool  # history was found and dropped


def _quoted(head: str) -> bool:
    # ">>> link <<<" banners in a person's own text are not quotation.
    return head.startswith(">") and not head.rstrip().endswith("<<<")


def _head(line: str) -> str:
    """What the patterns see of a line: no indentation, at most `_LINE_CHARS`."""
    return line[:_LINE_CHARS].strip()


def _header_at(lines: list[str], i: int, p: ReplyPatterns, fold: bool) -> int:
    """How many lines the quote header starting at line i spans (0: none)."""
    line = _head(lines[i])
    lower = line.lower()
    if p.any_keyword(lower) and any(h.match(line, lower) for h in p.headers):
        return 1
    if not fold or line.endswith(_SENTENCE_END):
        return 0
    if p.header_start.match(line):
        limit = _WRAP_LINES  # "On …", "Am …", "Le …": the client may fold it anywhere
    elif i + 1 < len(lines) and _head(lines[i + 1]).endswith(":") and _DIGIT.search(line):
        # (The cheap test first: a search for a digit reads all of a long line.)
        limit = 2  # "<date> <name> <" then "address> wrote:" on the next line
    else:
        return 0
    joined = line
    for k in range(i + 1, min(i + limit, len(lines))):
        joined = f"{joined} {_head(lines[k])}"
        if len(joined) > _WRAP_CHARS:
            return 0
        lower = joined.lower()
        if p.any_keyword(lower) and any(h.match(joined, lower) for h in p.headers):
            return k - i + 1
    return 0


def _block_at(lines: list[str], i: int, p: ReplyPatterns) -> bool:
    """An Outlook-style header block (From:/Sent:/To:/Subject:) starts at line i."""
    line = _head(lines[i])
    if ":" not in line[:_LABEL_CHARS]:
        return False  # "From:", "Gesendet:", "*Sent:*": the colon comes early
    is_from = bool(p.from_label.match(line))
    if not is_from and not p.other_label.match(line):
        return False
    if is_from and p.inline_sent.search(line):
        return True
    for following in lines[i + 1 : i + 4]:
        nxt = _head(following)
        if ":" not in nxt[:_LABEL_CHARS]:
            continue
        if p.other_label.match(nxt) or (not is_from and p.from_label.match(nxt)):
            return True
    return False


def _wrapped_quote(lines: list[str], i: int) -> bool:
    """A quoted line the client wrapped: unmarked, but with quoted lines right around it."""
    after = lines[i + 1].lstrip() if i + 1 < len(lines) else ""
    return lines[i - 1].lstrip().startswith(">") and after.startswith(">")


def read_reply(body: str) -> Reply:
    """The newly written part of a reply body (plain text; convert HTML first)."""
    p = patterns()
    text = body[:_MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n", _MAX_LINES)[:_MAX_LINES]
    own: list[str] = []
    budget = _MAX_TEXT_LINES
    quoted = forwarded = False
    folds = _MAX_FOLDS
    i, n = 0, len(lines)
    while i < n:
        line = lines[i]
        head = line[:_LINE_CHARS].strip()
        if not head:
            own.append("")
            i += 1
            continue
        span = 0
        if not _quoted(head):
            budget -= 1
            if budget < 0:
                break
            if p.separator.match(head):
                quoted = True
                forwarded = bool(p.forward.match(head))
                break
            if _block_at(lines, i, p):
                quoted = True
                break
            span = _header_at(lines, i, p, folds > 0)
            folds -= p.header_start.match(head) is not None
        if span or _quoted(head):
            quoted = True
            # Skip the header and the quoted lines and read on: the person may answer
            # below or between them (only the marked quotation goes, as in talon).
            i += span
            marked = False
            while i < n:
                rest = lines[i].lstrip()
                if rest:
                    if (rest[0] != ">" or rest.rstrip().endswith("<<<")) and not (
                        marked and _wrapped_quote(lines, i)
                    ):
                        break
                    marked = True
                i += 1
            if span and not marked:
                break  # a header over unmarked history (Outlook, Gmail as text)
            continue
        if p.signature.match(head):
            break
        own.append(line)
        i += 1
    while own and _DECORATION.match(own[-1]):
        own.pop()  # blank lines, and the rule Outlook draws above the history
    text = "\n".join(line.rstrip() for line in own).strip()
    return Reply(text[:_MAX_OWN_CHARS].rstrip(), forwarded, quoted)


def new_text(body: str) -> str:
    """The person's own words in a reply body (plain text; convert HTML first)."""
    return read_reply(body).text
