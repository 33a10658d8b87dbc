"""How much email a person can take: the quiet budget reminders keep to.

A reminder (a contact nudge, a mentor's contact check, a decide reminder) asks nothing
new: it repeats what an earlier email said. It is worth sending only to someone who has
not been hearing from us. So it gives way when the person had any email from us in the
few quiet days before it fell due (answers to their own emails included: they wrote to
us, so they are clearly engaged), or when the last month already brought them as many
emails as the budget allows (someone with both roles has just had two match emails on
top of their registration). Plain functions over counts: the job reads the counts."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecentMail:
    """What a person had from us before a reminder fell due."""

    in_quiet_days: int  # emails in the `reminder_quiet_days` before it fell due, or since
    in_budget_days: int  # emails in the `reminder_budget_days` before it fell due, or since


def reminder_gives_way(recent: RecentMail, *, budget_emails: int) -> bool:
    """Whether a reminder is skipped: one email that week is enough, and so is a month
    that already brought `budget_emails` (0 turns the monthly budget off)."""
    if recent.in_quiet_days > 0:
        return True
    return budget_emails > 0 and recent.in_budget_days >= budget_emails


def asked_at_check_in(person_id: int, silent_id: int | None, *, ladder_nudges: int) -> bool:
    """Whether a check-in goes to this side of the pairing. The side it finds silent
    (their partner answered the last one, they did not) hears from the unresponsiveness
    ladder's first nudge at the next run instead: one email asking them to get in touch,
    not a "how is it going?" beside a "your partner has not heard from you". With no
    nudges configured (`unresponsive_nudges = 0`) the check-in is all they get: it goes."""
    return person_id != silent_id or ladder_nudges == 0


# The emails that ask a mentee to choose (KEEP or NONE), met or not: a person's standing
# reads whether one went (`service.standing`), so writing one changes it.
ASKING_TO_DECIDE = ("decide_long_term", "new_choice")

# Reminders re-checked when working hours release them (`outbox.drain`): each asks the
# person to do something (get in touch, say whether they met, decide) that they may have
# done while it waited for Monday morning.
RECHECKED_WHEN_HELD = frozenset(
    {"contact_nudge", "mentor_contact_check", "decide_long_term", "decide_reminder", "check_in"}
)


@dataclass(frozen=True)
class SinceQueued:
    """What happened after a held reminder was queued, before working hours let it go."""

    answers: int  # answers to the person's own emails: they wrote to us meanwhile
    meetings: int  # meetings logged for the pairing a check-in asks about (by either side)
    # A decide email to a mentee who logged no speed session is the first to tell them
    # how to choose (it never gives way): it goes while they are still choosing.
    first_ask: bool = False
    choosing: bool = True


def still_due_when_released(since: SinceQueued) -> bool:
    """Whether a held reminder still goes. Not when the person wrote to us while it
    waited (the answer they had is this week's email, as `reminder_gives_way` counts),
    nor a check-in ("have you met?") once a meeting of that pairing was logged. A first
    ask is no reminder: only a choice made meanwhile (a request, NONE) drops it."""
    if since.first_ask:
        return since.choosing
    return since.answers == 0 and since.meetings == 0
