"""What is due at a moment: the programme's time-based rules, as pure functions.

Every function here takes the entities and the moment and answers "is something due,
and which step?". Nothing reads a clock, a database or a mailbox: one module per rule
under `jobs/` loads the facts, asks these functions, and applies the answer in a unit of
work.

Two principles run through all of them:
- a rule stops as soon as the person acted (confirmed, made contact, answered, met);
- when a run was missed (a worker down for days, a tick that jumps ahead), only the
  latest step that is due is sent, never a burst of the older ones.
The emails' dedupe keys (built in those modules) name the rule, the entity and the step, so
asking twice at the same moment sends nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from service.config import ProgrammeConfig
from service.domain import working_time
from service.domain.model import (
    Approach,
    ApproachStatus,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.domain.rules import approach_deadline, is_paused

# Introductions a mentee can still act on (shown in nudges and the decide email).
LIVE_INTRODUCTIONS = (IntroductionStatus.SENT, IntroductionStatus.MET)


def days(n: int) -> timedelta:
    return timedelta(days=n)


def local_day(moment: datetime, config: ProgrammeConfig) -> date:
    return moment.astimezone(ZoneInfo(config.programme.timezone)).date()


def away(person: Person, moment: datetime, config: ProgrammeConfig) -> bool:
    """No nudges, check-ins or ladder steps for this person now: they said PAUSE
    (`rules.is_paused`), or an out-of-office gave a return date still to come."""
    if is_paused(person, moment):
        return True
    return person.away_until is not None and local_day(moment, config) < person.away_until


def to_act(start: datetime, n: int, config: ProgrammeConfig) -> datetime:
    """`n` days after `start` for someone expected to act: working days when the
    programme counts them (`working_hours.count_working_days`), else calendar days."""
    return working_time.to_act(start, n, config.working_hours, config.programme.timezone)


def back_for_a_working_day(person: Person, moment: datetime, config: ProgrammeConfig) -> bool:
    """An out-of-office's return date gives them a working day back before anything
    ends for want of an answer (nothing is set: they were never away)."""
    if person.away_until is None:
        return True
    first_full_day = working_time.working_days_after(person.away_until, 1, config.working_hours)
    return local_day(moment, config) >= first_full_day


def latest_step(start: datetime, steps: Iterable[int], now: datetime) -> int | None:
    """The last of `steps` (days after `start`) that has arrived by `now`, if any."""
    arrived = [d for d in steps if now >= start + days(d)]
    return max(arrived) if arrived else None


# --- registration ----------------------------------------------------------------------


def in_closing_period(round_: Round, now: datetime, config: ProgrammeConfig) -> bool:
    before = config.timings.registration_closing_reminder_before
    return round_.closes_at - days(before) <= now < round_.closes_at


def confirm_reminder_due(
    registration: Registration, round_: Round, now: datetime, config: ProgrammeConfig
) -> bool:
    """One reminder to confirm, while the window is open; the closing-soon email
    replaces it in the last days so nobody gets both in the same week."""
    return (
        registration.status is RegistrationStatus.PENDING_CONFIRMATION
        and now >= registration.created_at + days(config.timings.confirm_reminder_after)
        and now < round_.closes_at
        and not in_closing_period(round_, now, config)
    )


def closing_soon_due(
    registration: Registration, round_: Round, now: datetime, config: ProgrammeConfig
) -> bool:
    """Registrations close soon: remind those who started but did not confirm (not those
    who only registered inside the last days: their confirmation email is still fresh)."""
    before = config.timings.registration_closing_reminder_before
    return (
        registration.status is RegistrationStatus.PENDING_CONFIRMATION
        and in_closing_period(round_, now, config)
        and registration.created_at <= round_.closes_at - days(before)
    )


# --- speed mentoring --------------------------------------------------------------------


def matches_sent_at(introductions: Sequence[Introduction]) -> datetime | None:
    sent = [i.sent_at for i in introductions if i.sent_at is not None]
    return min(sent) if sent else None


def mentee_reported_contact(
    mentee_id: int,
    introductions: Sequence[Introduction],
    approaches: Sequence[Approach],
    has_pairing: bool,
) -> bool:
    """Any sign the mentee has been in touch: a meeting, a contact, a request, a pairing."""
    mine = [i for i in introductions if i.mentee_id == mentee_id]
    return (
        has_pairing
        or any(a.mentee_id == mentee_id for a in approaches)
        or any(i.status is IntroductionStatus.MET or i.contacted_at is not None for i in mine)
    )


def contact_nudge_day(
    mentee: Person,
    registration: Registration | None,
    *,
    introductions: Sequence[Introduction],
    approaches: Sequence[Approach],
    has_pairing: bool,
    now: datetime,
    config: ProgrammeConfig,
) -> int | None:
    """Day 7 and day 14 after matches: "have you contacted your mentors?" (the day due)."""
    assert mentee.id is not None
    mine = [i for i in introductions if i.mentee_id == mentee.id and i.status in LIVE_INTRODUCTIONS]
    sent = matches_sent_at(mine)
    if sent is None or registration is None or not registration.active:
        return None
    if now >= sent + days(config.timings.speed_window) or away(mentee, now, config):
        return None
    if mentee_reported_contact(mentee.id, introductions, approaches, has_pairing):
        return None
    return latest_step(sent, config.timings.contact_nudges_after, now)


def mentor_unreported_mentees(
    mentor: Person,
    introductions: Sequence[Introduction],
    approaches: Sequence[Approach],
    now: datetime,
    config: ProgrammeConfig,
) -> list[Introduction]:
    """Day 14: the mentor's speed mentees who have not (as far as we know) been in touch.

    Empty when nothing is due: too early, too late, away, or everyone made contact.
    """
    assert mentor.id is not None
    mine = [i for i in introductions if i.mentor_id == mentor.id]
    sent = matches_sent_at(mine)
    if sent is None or away(mentor, now, config):
        return []
    t = config.timings
    if not sent + days(t.mentor_contact_check_after) <= now < sent + days(t.speed_window):
        return []
    asked = {a.mentee_id for a in approaches if a.mentor_id == mentor.id}
    return [
        i
        for i in mine
        if i.status is IntroductionStatus.SENT
        and i.contacted_at is None
        and i.not_contacted_at is None
        and i.mentee_id not in asked
    ]


class DecideStep(StrEnum):
    DECIDE = "decide"
    REMINDER = "decide-reminder"


def decide_step(
    mentee: Person,
    registration: Registration | None,
    *,
    introductions: Sequence[Introduction],
    approaches: Sequence[Approach],
    has_pairing: bool,
    now: datetime,
    config: ProgrammeConfig,
) -> DecideStep | None:
    """End of the speed window: "time to decide about a long-term mentor", and a reminder.

    Stops once the mentee asked anyone (KEEP), said NONE (their introductions closed),
    is paired or left the round.
    """
    assert mentee.id is not None
    mine = [i for i in introductions if i.mentee_id == mentee.id and i.status in LIVE_INTRODUCTIONS]
    sent = matches_sent_at(mine)
    if sent is None or registration is None or not registration.active or has_pairing:
        return None
    if any(a.mentee_id == mentee.id for a in approaches) or away(mentee, now, config):
        return None
    if now >= decide_reminder_at(mine, config):
        return DecideStep.REMINDER
    if now >= sent + days(config.timings.speed_window):
        return DecideStep.DECIDE
    return None


def decide_key(step: DecideStep, round_id: int | None, mentee_id: int | None) -> str:
    """The dedupe key of a mentee's decide email (or its reminder) in a round: one each.
    The answer to the MET that completes their speed sessions uses the decide key, so
    the day-28 email that would say the same again is never queued."""
    return f"{step.value}:{round_id}:{mentee_id}"


def met_every_speed_mentor(
    mentee_id: int,
    introductions: Sequence[Introduction],
    approaches: Sequence[Approach],
    has_pairing: bool,
) -> bool:
    """A mentee still to choose (no request made, not paired) who has met every speed
    mentor still in the round: nothing more to wait for before deciding."""
    mine = [i for i in introductions if i.mentee_id == mentee_id and i.status in LIVE_INTRODUCTIONS]
    if not mine or has_pairing or any(a.mentee_id == mentee_id for a in approaches):
        return False
    return all(i.status is IntroductionStatus.MET for i in mine)


def decide_reminder_at(live: Sequence[Introduction], config: ProgrammeConfig) -> datetime:
    """When the decide reminder falls due: a while after the end of the speed window."""
    sent = matches_sent_at(live)
    assert sent is not None
    t = config.timings
    return sent + days(t.speed_window + t.decide_reminder_after)


# --- approaches -------------------------------------------------------------------------


class ApproachStep(StrEnum):
    REMINDER = "reminder"
    EXPIRE = "expire"


def approach_step(
    approach: Approach, now: datetime, config: ProgrammeConfig
) -> ApproachStep | None:
    """A pending approach: remind the mentor after a few days, expire it after ten.

    The mentor is the one to act, so these are working days when the programme counts
    them (`to_act`): a request made on a Friday before a bank holiday is not reminded
    over the weekend."""
    if approach.status is not ApproachStatus.PENDING:
        return None
    if now >= approach_deadline(approach, config):
        return ApproachStep.EXPIRE
    if now >= to_act(approach.created_at, config.timings.approach_reminder_after, config):
        return ApproachStep.REMINDER
    return None


# --- pairings ---------------------------------------------------------------------------

# The first meeting's tips travel in `pairing_started` (one email at the start, not two).
GUIDANCE_TEMPLATES = (
    "guidance_learning_contract",
    "guidance_ground_rules",
    "guidance_grow",
    "guidance_feedback",
)


@dataclass(frozen=True)
class PairingFacts:
    """What the pairing rules need besides the pairing: its people and its meetings."""

    pairing: Pairing
    mentor: Person
    mentee: Person
    last_meeting_logged_at: datetime | None = None  # when the latest MET was recorded

    def person(self, person_id: int) -> Person:
        return self.mentor if person_id == self.pairing.mentor_id else self.mentee

    def seen_since(self, person_id: int, moment: datetime) -> bool:
        """A sign of life from that side after `moment`: any command, or a logged meeting."""
        p = self.pairing
        seen = p.mentor_last_seen_at if person_id == p.mentor_id else p.mentee_last_seen_at
        return (seen is not None and seen > moment) or self.met_since(moment)

    def met_since(self, moment: datetime) -> bool:
        at = self.last_meeting_logged_at
        return at is not None and at > moment


def guidance_step(pairing: Pairing, now: datetime, config: ProgrammeConfig) -> int | None:
    """Which guidance email (index into the configured days) is due, during the first months."""
    t = config.timings
    if not pairing.active or now >= pairing.started_at + days(t.guidance_period):
        return None
    step = latest_step(pairing.started_at, t.guidance_after, now)
    return None if step is None else list(t.guidance_after).index(step)


def guidance_template(index: int) -> str:
    """The guidance emails go in this order; extra configured days repeat the last one."""
    return GUIDANCE_TEMPLATES[min(index, len(GUIDANCE_TEMPLATES) - 1)]


@dataclass(frozen=True)
class CheckIn:
    """The outcome of a due check-in: what to record and what to send."""

    number: int  # the n-th check-in of this pairing (n * check_in_every days in)
    unanswered: int  # the new count of check-ins nobody answered
    silent_id: int | None  # one side answered and the other did not: start the ladder
    stale: bool  # too many unanswered and no meeting: warn instead of asking again


def check_in_due(facts: PairingFacts, now: datetime, config: ProgrammeConfig) -> CheckIn | None:
    """A check-in every `check_in_every` days, asking for MET / UNPAIR / CONTINUE.

    When one is due we first look back at the previous one: nobody answered → one more
    unanswered; only one side answered → the other side goes on the unresponsiveness
    ladder; enough unanswered and no meeting → the pairing is stale (warned, not asked).
    """
    p = facts.pairing
    t = config.timings
    if not p.active or now >= p.ends_at or p.stale_warned_at is not None:
        return None
    number = (now - p.started_at) // days(t.check_in_every)
    if number < 1:
        return None
    due_at = p.started_at + days(number * t.check_in_every)
    if p.last_check_in_at is not None and p.last_check_in_at >= due_at:
        return None
    unanswered, silent = p.unanswered_check_ins, None
    last = p.last_check_in_at
    if last is not None:
        mentor_seen = facts.seen_since(p.mentor_id, last)
        mentee_seen = facts.seen_since(p.mentee_id, last)
        if mentor_seen and mentee_seen:
            unanswered = 0
        elif not mentor_seen and not mentee_seen:
            unanswered += 1
        else:
            unanswered = 0
            if p.silent_id is None:
                silent = p.mentee_id if mentor_seen else p.mentor_id
    stale = unanswered >= t.stale_after_unanswered_check_ins and not (
        last is not None and facts.met_since(last)
    )
    return CheckIn(number=number, unanswered=unanswered, silent_id=silent, stale=stale)


class StaleStep(StrEnum):
    REVIVED = "revived"  # someone answered the warning: carry on as before
    CLOSE = "close"


def stale_step(facts: PairingFacts, now: datetime, config: ProgrammeConfig) -> StaleStep | None:
    p = facts.pairing
    warned = p.stale_warned_at
    if not p.active or warned is None:
        return None
    if facts.seen_since(p.mentor_id, warned) or facts.seen_since(p.mentee_id, warned):
        return StaleStep.REVIVED
    if now >= stale_closes_at(p, config):
        return StaleStep.CLOSE
    return None


def stale_closes_at(pairing: Pairing, config: ProgrammeConfig) -> datetime:
    """The warned pair have this long to answer (working days: they are to act)."""
    assert pairing.stale_warned_at is not None
    return to_act(pairing.stale_warned_at, config.timings.stale_closure_after_warning, config)


class LadderStep(StrEnum):
    CLEAR = "clear"  # the silent side spoke up
    NUDGE = "nudge"
    ESCALATE = "escalate"  # nudges used up: tell the coordinators, unpair without blame


def ladder_step(facts: PairingFacts, now: datetime, config: ProgrammeConfig) -> LadderStep | None:
    """The unresponsiveness ladder: nudges a week apart to the silent side, then escalation.

    Paused while the silent person's out-of-office says they are away; the unpairing
    waits a working day past their return date.
    """
    p = facts.pairing
    if not p.active or p.silent_id is None:
        return None
    started = p.ladder_started_at or now
    if facts.seen_since(p.silent_id, started):
        return LadderStep.CLEAR
    silent = facts.person(p.silent_id)
    if away(silent, now, config):
        return None
    t = config.timings
    spacing = t.unresponsive_nudge_spacing  # working days: the silent side is to answer
    if p.nudges_sent < t.unresponsive_nudges:
        if p.last_nudge_at is None:
            return LadderStep.NUDGE
        if now >= to_act(without_pause(p.last_nudge_at, silent), spacing, config):
            return LadderStep.NUDGE
        return None
    last = without_pause(p.last_nudge_at or started, silent)
    if now >= to_act(last, spacing, config) and back_for_a_working_day(silent, now, config):
        return LadderStep.ESCALATE
    return None


def without_pause(moment: datetime, person: Person) -> datetime:
    """`moment` moved on by the days of the person's last pause that came after it: time
    spent paused does not count toward a step that waits for them (a pause that ends
    does not unpair at once on the weeks it lasted)."""
    if person.paused_at is None or person.paused_until is None:
        return moment  # never paused, or still paused (`away` stops the ladder then)
    start = max(person.paused_at, moment)
    if person.paused_until <= start:
        return moment
    return moment + (person.paused_until - start)


class EndStep(StrEnum):
    NOTIFY = "notify"  # the agreed period is over: thank them, ask for feedback
    COMPLETE = "complete"  # not continued in time: close with thanks


def end_step(pairing: Pairing, now: datetime, config: ProgrammeConfig) -> EndStep | None:
    """End of the programme: CONTINUE moves `ends_at` on, which stops both steps."""
    if not pairing.active or now < pairing.ends_at:
        return None
    if now >= pairing.ends_at + days(config.timings.continue_within_after_end):
        return EndStep.COMPLETE
    return EndStep.NOTIFY


# --- data retention -----------------------------------------------------------------------


def unconfirmed_deleted_at(round_: Round, config: ProgrammeConfig) -> datetime:
    """When a registration nobody confirmed is deleted: what the emails promise."""
    return round_.closes_at + days(config.timings.unconfirmed_deleted_after_close)


def round_context(round_: Round, config: ProgrammeConfig) -> dict[str, object]:
    """What registration emails say about the round: its window and the deletion date."""
    return {
        "name": round_.name,
        "closes_on": round_.closes_at,
        "unconfirmed_deleted_on": unconfirmed_deleted_at(round_, config),
    }


def unconfirmed_deletion_due(
    person: Person,
    registrations: Sequence[Registration],
    rounds: dict[int, Round],
    now: datetime,
    config: ProgrammeConfig,
) -> bool:
    """Someone who never confirmed any registration, past every one's deletion date,
    is erased (without notice: they never took part)."""
    if person.erased or not registrations:
        return False
    return all(
        r.status is RegistrationStatus.PENDING_CONFIRMATION
        and r.round_id in rounds
        and now >= unconfirmed_deleted_at(rounds[r.round_id], config)
        for r in registrations
    )


def round_ends_at(round_: Round, config: ProgrammeConfig) -> datetime:
    """A round's programme year ends this long after its matches went out (or its window
    closed, for a round that was never matched)."""
    start = round_.matches_sent_at or round_.closes_at
    return start + days(config.timings.programme_length)


def retention_due(
    person: Person,
    rounds: Sequence[Round],
    pairings: Sequence[Pairing],
    now: datetime,
    config: ProgrammeConfig,
) -> bool:
    """Erase a person whose last round ended longer ago than the retention period.

    Their round ended at the later of its programme year and the end of their last
    pairing: a pairing continued past the year keeps the round alive for them. Someone
    still in a pairing is kept: their relationship is live data.
    """
    if person.erased or not rounds or any(p.active for p in pairings):
        return False
    ends = [round_ends_at(r, config) for r in rounds]
    ends += [p.ended_at for p in pairings if p.ended_at is not None]
    return now >= max(ends) + days(config.timings.data_retention_after_round)
