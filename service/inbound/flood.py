"""Loop and flood protection for automatic answers (problems, help) to one sender."""

from __future__ import annotations

from enum import StrEnum

NO_MORE_TODAY = (
    "This is the last automatic answer we will send you today. If you write again today,"
    " a member of the mentoring team will read your message and reply in person."
)


class Allowance(StrEnum):
    SEND = "send"
    SEND_LAST = "send_last"  # send, with the "no more today" note added
    SUPPRESS = "suppress"  # keep the message for the coordinators; send nothing


def auto_answer_allowance(sent_today: int, limit: int) -> Allowance:
    """May one more automatic answer go to a sender who has had `sent_today` today?

    The `limit`-th answer of the day carries `NO_MORE_TODAY`; after that, nothing, so two
    robots answering each other stop after a handful of messages.
    """
    if limit <= 0 or sent_today >= limit:
        return Allowance.SUPPRESS
    if sent_today == limit - 1:
        return Allowance.SEND_LAST
    return Allowance.SEND
