"""A reply to "How is your mentoring going? Reply with a number from 1 (not useful) to 5
(very useful), and anything you would like to tell us", read from its new text.

Only the reply's own words count (the quoted history is gone by the time this runs, so a
"4" in our own email or an earlier answer is never a score). The number must open one
of its first lines: "4", "4/5", "4 out of 5", "Four - really helpful", "5 thanks!",
"I'd say 4". A number in a sentence ("3 meetings so far") is not a score, and a word
like "one" counts only where it stands alone ("One thing ..." is a sentence).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from service.domain.model import HIGHEST_SCORE, LOWEST_SCORE, MAX_FEEDBACK_COMMENT
from service.inbound.commands import content_lines

_WORDS = {
    "zero": 0, "nought": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
_WORD = "|".join(_WORDS)
_LEAD = (
    r"(?:(?:i'?d|i would|we'?d|we would)\s+(?:say|give\s+(?:it|this|us|you))\s+(?:a\s+)?"
    r"|(?:my\s+)?(?:score|rating|answer)\s*(?:is|would be|:|-)?\s*|about\s+(?:a\s+)?"
    r"|probably\s+(?:a\s+)?|a\s+(?=\d)|solid\s+(?=\d))?"
)
_SCALE = r"(?:\s*(?:/|out\s+of|of)\s*(?P<of>\d{1,3}|five|ten)\b)?"
# A digit may be followed by words ("5 thanks!"), but not by what it counts.
_COUNTED = (
    r"(?!\s*(?:meetings?|times?|sessions?|hours?|hrs?|h\b|mins?|minutes?|weeks?|months?|days?"
    r"|years?|of\s+(?!5|five)|people|calls?|chats?|more|or\s+\d|-\s*\d|to\s+\d))"
)
_DIGITS = re.compile(
    rf"^{_LEAD}(?P<n>\d{{1,3}})(?P<decimal>[.,]\d+)?(?![\w'’]){_SCALE}{_COUNTED}(?P<rest>.*)$",
    re.IGNORECASE | re.DOTALL,
)
# A number word stands alone: the line ends, or a separator, a scale or thanks follows.
_SPELT = re.compile(
    rf"^{_LEAD}(?P<n>{_WORD})\b{_SCALE}"
    r"(?P<rest>\s*(?:$|[-–—:,.!;)(/]|\s+(?:out\s+of|thanks|thank\s+you|cheers|stars?)\b).*)$",
    re.IGNORECASE | re.DOTALL,
)
_POLITE_ONLY = re.compile(
    r"^(?:(?:many\s+)?thanks?(?:\s+you)?|thank\s+you(?:\s+very\s+much)?|cheers|ta|best"
    r"|regards|kind regards|best wishes|stars?|out of (?:5|five)|points?|[\W_])*$",
    re.IGNORECASE,
)
_SEPARATORS = " \t-–—:,.;!)(/*"
_SCORE_LINES = 3  # a score is looked for at the start of the first few lines


@dataclass(frozen=True)
class ScoreReading:
    """What a reply to the feedback question says: a score from 1 to 5 (or None), the
    comment in the person's own words, and `problem` when a number was there but is not
    one we can take ("10", "0", "8/10"): then nothing is stored and we ask again."""

    score: int | None
    comment: str
    problem: str = ""


def _number(text: str) -> int:
    return int(text) if text.isdigit() else _WORDS[text.lower()]


def _out_of_range(found: str, scale: str | None) -> str:
    shown = f"{found}/{scale}" if scale else found
    return (
        f"We could not take “{shown}” as a score: please reply with one number from"
        f" {LOWEST_SCORE} (not useful) to {HIGHEST_SCORE} (very useful)."
    )


def _score_line(line: str) -> tuple[int, str | None, str, str] | None:
    """(score, scale, what follows, the number as written) when `line` opens with one."""
    found = _DIGITS.match(line)
    if found and found.group("decimal"):
        written = found.group("n") + found.group("decimal")
        return 0, None, "", written  # "4.5": not one whole number, so we ask again
    found = found or _SPELT.match(line)
    if found is None:
        return None
    return _number(found.group("n")), found.group("of"), found.group("rest"), found.group("n")


def comment_of(text: str) -> str:
    """The words worth keeping: empty when only thanks or separators remain."""
    lines = [ln.strip() for ln in text.strip().splitlines()]
    kept = "\n".join(ln for ln in lines if ln).lstrip(_SEPARATORS).rstrip()
    if _POLITE_ONLY.match(kept):
        return ""
    return kept[:MAX_FEEDBACK_COMMENT]


def read_score(new_text: str) -> ScoreReading | None:
    """The score and comment in a reply's new text; None when it says nothing at all."""
    lines = content_lines(new_text)
    if not lines:
        return None
    for index, line in enumerate(lines[:_SCORE_LINES]):
        found = _score_line(line)
        if found is None:
            if comment_of(line):
                break  # words of their own come first: a later number is in a sentence
            continue
        score, scale, rest, written = found
        scale_value = _number(scale) if scale else HIGHEST_SCORE
        if scale_value != HIGHEST_SCORE or not LOWEST_SCORE <= score <= HIGHEST_SCORE:
            return ScoreReading(None, "", _out_of_range(written, scale))
        others = [*lines[:index], rest.lstrip(_SEPARATORS), *lines[index + 1 :]]
        return ScoreReading(score, comment_of("\n".join(others)))
    return ScoreReading(None, comment_of("\n".join(lines)))
