"""Feedback as rules over data: an answer given or replaced, what counts as low, and a
comment made quotable (names and addresses taken out). No I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from service.domain.model import HIGHEST_SCORE, MAX_FEEDBACK_COMMENT, Feedback


def give(
    existing: Feedback | None,
    *,
    pairing_id: int,
    person_id: int,
    asking: str,
    score: int | None,
    comment: str,
    now: datetime,
) -> Feedback:
    """The answer to one asking: a new one, or `existing` replaced by the latest words
    (a second reply to the same check-in is the person changing their mind)."""
    comment = comment.strip()[:MAX_FEEDBACK_COMMENT]
    if existing is None:
        return Feedback(pairing_id, person_id, asking, score, comment, now, now)
    existing.score = score
    existing.comment = comment
    existing.updated_at = now
    return existing


def is_low(score: int | None, low_score: int) -> bool:
    """A score at or below the configured line ("1 or 2") needs a coordinator's eye."""
    return score is not None and score <= low_score


def asking_label(asking: str) -> str:
    """How an asking is named to people: "check-in 3" stays, "end 1" is the end email."""
    kind, _, number = asking.partition(" ")
    if kind == "end":
        return "the end of your mentoring year" if number == "1" else f"the end of year {number}"
    return asking


_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
REMOVED_NAME = "[name]"
REMOVED_ADDRESS = "[email address]"


def without_names(comment: str, names: Iterable[str]) -> str:
    """The comment with every email address and each of `names` (first names, last names
    and full names of the people it could mention) replaced, whole words only, any case."""
    text = _EMAIL.sub(REMOVED_ADDRESS, comment)
    words = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True)
    if words:
        pattern = r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + r")(?!\w)"
        text = re.sub(pattern, REMOVED_NAME, text, flags=re.IGNORECASE)
    return text


def out_of(score: float) -> str:
    """ "4.2 out of 5"."""
    shown = f"{score:.1f}".removesuffix(".0")
    return f"{shown} out of {HIGHEST_SCORE}"
