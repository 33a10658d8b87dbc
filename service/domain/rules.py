"""The programme's rules, as plain functions over the model.

Each transition either changes the objects it is given and returns what it created, or
raises `DomainError` with a sentence for the person: what was refused and what to do
instead. Nothing here reads a clock, a database or a mailbox: the caller passes `now`
and the facts the rule needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from service.config import ProgrammeConfig
from service.domain import working_time
from service.domain.model import (
    MAX_MEETING_NOTE,
    Approach,
    ApproachStatus,
    EndReason,
    Introduction,
    IntroductionStatus,
    Meeting,
    Pairing,
    PairingStatus,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    Round,
    RoundStatus,
)
from service.errors import DomainError
from service.text import clean_text
from service.vocabulary import Vocabulary

MAX_MEETING_MINUTES = 8 * 60


def day(moment: datetime | date, tz: str = "Europe/London") -> str:
    """A day as people write it: '3 March 2027', in programme-local time."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(ZoneInfo(tz)).date()
    return f"{moment.day} {moment:%B %Y}"


# --- people -------------------------------------------------------------------------


def ensure_active_person(person: Person) -> None:
    """No state change ever touches an erased person."""
    if person.erased:
        raise DomainError("This person's data has been erased, so nothing can change for them.")


# --- pausing (PAUSE [until DATE], RESUME) -------------------------------------------------


def is_paused(person: Person, now: datetime) -> bool:
    """Said PAUSE and not yet back: no new requests to or from them, no new matches, no
    nudges, check-ins or ladder steps for them. Back on RESUME, or at the start of the
    day they gave."""
    if person.paused_at is None:
        return False
    return person.paused_until is None or now < person.paused_until


def start_of_day(day_: date, tz: str) -> datetime:
    """Midnight at the start of `day_`, programme-local time."""
    return datetime.combine(day_, datetime.min.time(), tzinfo=ZoneInfo(tz))


def pause(person: Person, now: datetime, until: date | None, tz: str) -> None:
    """PAUSE: from now until the start of `until` (or until RESUME)."""
    ensure_active_person(person)
    ends = start_of_day(until, tz) if until is not None else None
    if ends is not None and ends <= now:
        raise DomainError(
            f"The date you gave, {day(until or now, tz)}, is not in the future, so we have not"
            " paused anything. Reply PAUSE until a later date (for example PAUSE until"
            f" {day(now + timedelta(days=28), tz)}), or just PAUSE to pause until you reply"
            " RESUME."
        )
    if not is_paused(person, now):
        person.paused_at = now  # a new pause; a second PAUSE only moves its end
    person.paused_until = ends


def resume(person: Person, now: datetime) -> None:
    """RESUME: the pause is over now (`is_paused` is false from this moment)."""
    ensure_active_person(person)
    if not is_paused(person, now):
        raise DomainError(
            "Your mentoring is not paused, so there is nothing to resume. Reply STATUS to see"
            " where you are in the programme."
        )
    # The pause ends now; its start stays, so the time rules can leave its days out
    # (`timeline.ladder_step` does not count them toward an unpairing).
    person.paused_until = now


def paused_sentence(person: Person, now: datetime, tz: str) -> str:
    """ "until 1 September 2026" or "until you reply RESUME": how long a pause lasts."""
    if not is_paused(person, now):
        return ""
    if person.paused_until is None:
        return "until you reply RESUME"
    return f"until {day(person.paused_until, tz)}"


# --- a mentor's long-term places (CAPACITY n, NOT THIS ROUND) ------------------------------


def set_long_term_capacity(
    registration: Registration, places: int, active_pairings: int, config: ProgrammeConfig
) -> None:
    """CAPACITY n: how many long-term mentees the mentor takes this round, within the
    configured bounds and never fewer than they mentor now."""
    top = config.capacity.mentor_long_term_max
    if not 1 <= places <= top:
        raise DomainError(
            f"You can offer from 1 to {top} long-term mentees, so we have not changed your"
            f" number. Reply CAPACITY with a number from 1 to {top}, or NOT THIS ROUND if you"
            " cannot take a long-term mentee this round."
        )
    if places < active_pairings:
        raise DomainError(
            f"You mentor {active_pairings} long-term mentees now, so we cannot lower your"
            f" number to {places}. Reply CAPACITY {active_pairings} to take no one new, or"
            " UNPAIR in reply to a partnership's email to end one first."
        )
    registration.long_term_capacity = places


def not_this_round(registration: Registration, active_pairings: int) -> None:
    """NOT THIS ROUND: no long-term requests for this mentor this round (their speed
    sessions stay as they are). CAPACITY n undoes it."""
    if active_pairings:
        raise DomainError(
            "You already mentor someone long term this round, so we have not changed"
            f" anything. Reply CAPACITY {active_pairings} to take no one new."
        )
    registration.long_term_capacity = 0


# --- rounds and registration ----------------------------------------------------------


def ensure_registration_open(round_: Round | None, now: datetime, tz: str) -> Round:
    if round_ is None:
        raise DomainError("Registrations are closed at the moment: no round is open.")
    if now < round_.opens_at:
        raise DomainError(f"Registrations for {round_.name} open on {day(round_.opens_at, tz)}.")
    if now >= round_.closes_at:
        raise DomainError(f"Registrations for {round_.name} closed on {day(round_.closes_at, tz)}.")
    return round_


def round_phase(round_: Round, now: datetime) -> RoundStatus:
    """Where a round is: before, during or after its window, then matched and sent."""
    if round_.status in (RoundStatus.MATCHED, RoundStatus.SENT):
        return round_.status
    if now < round_.opens_at:
        return RoundStatus.DRAFT
    return RoundStatus.OPEN if now < round_.closes_at else RoundStatus.CLOSED


def can_mentor(grade: str, vocabulary: Vocabulary) -> bool:
    """Mentors are AO (or the configured minimum) or above; an AA can be a mentee only."""
    return vocabulary.can_mentor(grade)


def ensure_roles_allowed(roles: Iterable[Role], grade: str, vocabulary: Vocabulary) -> None:
    if Role.MENTOR in set(roles) and not can_mentor(grade, vocabulary):
        minimum = vocabulary.grade_names[vocabulary.minimum_mentor_grade]
        raise DomainError(
            f"Mentors need to be {minimum} ({vocabulary.minimum_mentor_grade}) or more senior,"
            " so we can register you as a mentee only. Please send the form again choosing"
            " 'mentee'."
        )


def confirm_registration(registration: Registration, now: datetime) -> bool:
    """Confirm the address (double opt-in). Returns False when it was already confirmed."""
    if registration.status is RegistrationStatus.WITHDRAWN:
        raise DomainError(
            "You withdrew from this round, so there is nothing to confirm. To take part"
            " again, fill in the registration form while registrations are open."
        )
    if registration.status is RegistrationStatus.CONFIRMED:
        return False
    registration.status = RegistrationStatus.CONFIRMED
    registration.confirmed_at = now
    return True


def withdraw_registration(registration: Registration, now: datetime) -> bool:
    """Leave the round. Returns False when already withdrawn."""
    if registration.status is RegistrationStatus.WITHDRAWN:
        return False
    registration.status = RegistrationStatus.WITHDRAWN
    registration.withdrawn_at = now
    return True


def matchable(registration: Registration) -> bool:
    """Only confirmed registrations are matched."""
    return registration.status is RegistrationStatus.CONFIRMED


# --- matching rules ---------------------------------------------------------------------


def grade_gap(mentor_grade: str, mentee_grade: str, vocabulary: Vocabulary) -> int:
    return vocabulary.rank(mentor_grade) - vocabulary.rank(mentee_grade)


def grade_gap_allowed(
    mentor_grade: str, mentee_grade: str, vocabulary: Vocabulary, config: ProgrammeConfig
) -> bool:
    """A mentor is one or two (configurable) rungs above the mentee."""
    gap = grade_gap(mentor_grade, mentee_grade, vocabulary)
    return config.matching.grade_gap_min <= gap <= config.matching.grade_gap_max


# --- approaches: one mentor at a time -------------------------------------------------


def approach_deadline(approach: Approach, config: ProgrammeConfig) -> datetime:
    """When an unanswered request expires: the mentor is to act, so working days when
    the programme counts them (`working_time.to_act`)."""
    return working_time.to_act(
        approach.created_at,
        config.timings.approach_expiry_after,
        config.working_hours,
        config.programme.timezone,
    )


def open_approach(
    *,
    round_id: int,
    mentee: Person,
    mentor: Person,
    introductions: Sequence[Introduction],
    pending: Approach | None,
    pending_mentor: Person | None,
    active_pairing: Pairing | None,
    earlier_approaches: Sequence[Approach],
    now: datetime,
    config: ProgrammeConfig,
) -> Approach:
    """A mentee asks one of *their own* speed mentors to continue long term.

    At most one pending approach per mentee, and none while the mentee has an active
    pairing: "please only approach one mentor at a time so that as many mentees as
    possible get a chance to build that long-term relationship".
    """
    ensure_active_person(mentee)
    ensure_active_person(mentor)
    tz = config.programme.timezone
    assert mentee.id is not None and mentor.id is not None
    ensure_not_paused(mentee, mentor, now, tz)
    if active_pairing is not None:
        raise DomainError(
            "You already have a long-term mentor in this programme, so you cannot ask"
            " another. If the pairing is not working, reply UNPAIR first."
        )
    if pending is not None:
        who = pending_mentor.name if pending_mentor else "a mentor"
        if pending.mentor_id == mentor.id:
            raise DomainError(
                f"You already asked {who} on {day(pending.created_at, tz)} and we are"
                " waiting for their answer."
            )
        raise DomainError(
            f"You already asked {who} on {day(pending.created_at, tz)}. You can ask someone"
            f" else once they answer, or after {day(approach_deadline(pending, config), tz)}"
            " when the request expires. To ask someone else now, reply WITHDRAW REQUEST"
            " first."
        )
    mine = [i for i in introductions if i.mentee_id == mentee.id and i.mentor_id == mentor.id]
    if not mine or all(i.status is IntroductionStatus.PROPOSED for i in mine):
        raise DomainError(
            f"{mentor.name} was not one of your speed mentors, so we cannot pass on your"
            " request. Reply KEEP with the number of one of the mentors in your match email."
        )
    for earlier in earlier_approaches:
        if earlier.mentor_id == mentor.id and earlier.status is ApproachStatus.DECLINED:
            raise DomainError(
                f"{mentor.name} has already said they cannot be your long-term mentor."
                " You can ask one of your other speed mentors."
            )
    return Approach(round_id=round_id, mentee_id=mentee.id, mentor_id=mentor.id, created_at=now)


def ensure_not_paused(mentee: Person, mentor: Person, now: datetime, tz: str) -> None:
    """No new request from a mentee who paused, nor to a mentor who did."""
    if is_paused(mentee, now):
        raise DomainError(
            f"You have paused your mentoring {paused_sentence(mentee, now, tz)}, so we have"
            " not passed on your request. Reply RESUME first, then ask again."
        )
    if is_paused(mentor, now):
        raise DomainError(
            f"{mentor.name} is taking a break from mentoring at the moment, so we have not"
            " passed on your request. You can ask one of your other speed mentors, or reply"
            " NONE to stop here for this round."
        )


def long_term_places_left(registration: Registration | None, active_pairings: int) -> int:
    """How many more long-term mentees a mentor offered to take (0 once they left)."""
    if registration is None or not registration.active:
        return 0
    return max(0, registration.long_term_capacity - active_pairings)


def ensure_mentor_has_place(
    mentor: Person, places_left: int, alternatives: Sequence[tuple[int, str]]
) -> None:
    """A KEEP to a full mentor is refused at once, naming the mentee's other free speed
    mentors (number, name): left pending, it would only expire unanswered."""
    if places_left > 0:
        return
    suggestion = (
        "You can ask one of your other speed mentors instead: "
        + ", ".join(f"KEEP {number} for {name}" for number, name in alternatives)
        + ", or reply NONE to stop here for this round."
        if alternatives
        else "None of your other speed mentors has a place free either: reply NONE to"
        " stop here for this round, or just reply in your own words and a coordinator"
        " will help."
    )
    raise DomainError(
        f"{mentor.name} cannot take on another long-term mentee this round, so we have"
        f" not passed on your request. {suggestion}"
    )


def ensure_may_keep(
    mentor: Person,
    introduction: Introduction | None,
    *,
    ended_with_mentor: bool,
    paired: bool,
) -> None:
    """KEEP does not reopen what is over: a speed match that was closed (after NONE, for
    example), or, while the mentee has no partner, a partnership with this same mentor
    that ended this round."""
    if introduction is not None and introduction.status is IntroductionStatus.CLOSED:
        raise DomainError(
            f"Your speed-mentoring match with {mentor.name} is closed (for example after you"
            " replied NONE), so we have not passed on your request. If you have changed your"
            " mind, just reply in your own words and a coordinator will help."
        )
    if ended_with_mentor and not paired:
        raise DomainError(
            f"Your partnership with {mentor.name} has ended, so we will not ask them again"
            " this round. You can ask one of your other speed mentors with KEEP and their"
            " number, or reply NONE to stop here."
        )


def speed_session_held(introduction: Introduction, now: datetime) -> bool:
    """The speed-mentoring conversation took place (MET, or a KEEP, which implies it).
    False when the match was not waiting for it."""
    if introduction.status is not IntroductionStatus.SENT:
        return False
    introduction.status = IntroductionStatus.MET
    introduction.contacted_at = introduction.contacted_at or now
    return True


def _ensure_pending(approach: Approach) -> None:
    if approach.status is not ApproachStatus.PENDING:
        raise DomainError(f"This request is no longer open: it was {approach.status.value}.")


def accept_approach(
    approach: Approach,
    *,
    mentor_registration: Registration,
    mentor_active_pairings: int,
    mentee_active_pairing: Pairing | None,
    now: datetime,
    config: ProgrammeConfig,
) -> Pairing:
    """The mentor says yes: the long-term pairing starts."""
    _ensure_pending(approach)
    if mentee_active_pairing is not None:
        raise DomainError("This mentee already has a long-term mentor.")
    capacity = mentor_registration.long_term_capacity
    if mentor_active_pairings >= capacity:
        raise DomainError(
            f"You already mentor {mentor_active_pairings} long-term mentee"
            f"{'s' if mentor_active_pairings != 1 else ''}, the number you offered."
            " Reply DECLINE so the mentee can ask someone else, or CAPACITY with a higher"
            " number first."
        )
    approach.status = ApproachStatus.ACCEPTED
    approach.answered_at = now
    return Pairing(
        round_id=approach.round_id,
        mentor_id=approach.mentor_id,
        mentee_id=approach.mentee_id,
        started_at=now,
        ends_at=now + timedelta(days=config.timings.programme_length),
    )


def decline_approach(approach: Approach, now: datetime) -> None:
    """The mentor says no: the mentee is free to ask another speed mentor."""
    _ensure_pending(approach)
    approach.status = ApproachStatus.DECLINED
    approach.answered_at = now


def withdraw_approach(approach: Approach, now: datetime) -> None:
    """The mentee takes the request back before the mentor answered."""
    _ensure_pending(approach)
    approach.status = ApproachStatus.WITHDRAWN
    approach.answered_at = now


def approach_expired(approach: Approach, now: datetime, config: ProgrammeConfig) -> bool:
    return approach.status is ApproachStatus.PENDING and now >= approach_deadline(approach, config)


def closed_before_deadline(approach: Approach, config: ProgrammeConfig) -> bool:
    """An expired request closed early: its mentor filled their last place with someone
    else (an unanswered one lapses only at the deadline)."""
    return (
        approach.status is ApproachStatus.EXPIRED
        and approach.answered_at is not None
        and approach.answered_at < approach_deadline(approach, config)
    )


def expire_approach(approach: Approach, now: datetime) -> None:
    _ensure_pending(approach)
    approach.status = ApproachStatus.EXPIRED
    approach.answered_at = now


# --- pairings ---------------------------------------------------------------------------


def ensure_member(pairing: Pairing, person_id: int) -> None:
    if person_id not in (pairing.mentor_id, pairing.mentee_id):
        raise DomainError("You are not part of this mentoring pairing.")


def ensure_active_pairing(pairing: Pairing | None, tz: str = "Europe/London") -> Pairing:
    if pairing is None:
        raise DomainError("You do not have a long-term mentoring pairing at the moment.")
    if pairing.status is not PairingStatus.ACTIVE:
        when = day(pairing.ended_at, tz) if pairing.ended_at else "earlier"
        raise DomainError(f"This mentoring pairing already ended on {when}.")
    return pairing


def end_pairing(pairing: Pairing, reason: EndReason, now: datetime) -> None:
    """End a pairing without fault or blame."""
    ensure_active_pairing(pairing)
    pairing.status = PairingStatus.ENDED
    pairing.ended_at = now
    pairing.end_reason = reason


def unpair_reason(pairing: Pairing, person_id: int) -> EndReason:
    ensure_member(pairing, person_id)
    if person_id == pairing.mentor_id:
        return EndReason.UNPAIRED_BY_MENTOR
    return EndReason.UNPAIRED_BY_MENTEE


def mentee_may_choose_again(pairing: Pairing, config: ProgrammeConfig) -> bool:
    """If a mentor ends it within the first 6 months, the mentee may choose a new mentor."""
    if pairing.ended_at is None or pairing.end_reason is not EndReason.UNPAIRED_BY_MENTOR:
        return False
    window = timedelta(days=config.timings.mentor_early_end_rechoice_within)
    return pairing.ended_at - pairing.started_at <= window


def continue_pairing(pairing: Pairing, now: datetime, config: ProgrammeConfig) -> bool:
    """Keep the pairing going for another period. False when it was already extended."""
    ensure_active_pairing(pairing)
    length = timedelta(days=config.timings.programme_length)
    # Asking twice in the same period should not add two years.
    if pairing.ends_at - now > length / 2:
        return False
    pairing.ends_at = pairing.ends_at + length
    pairing.period += 1
    return True


def log_meeting(
    pairing: Pairing,
    *,
    by: int,
    minutes: int,
    met_on: date,
    today: date,
    now: datetime,
    note: str = "",
) -> Meeting:
    ensure_active_pairing(pairing)
    ensure_member(pairing, by)
    if minutes <= 0 or minutes > MAX_MEETING_MINUTES:
        raise DomainError(
            f"{minutes} minutes does not look like one meeting. Reply MET with the length,"
            " for example 'MET 45 mins' or 'MET 1h 12/03'."
        )
    if met_on > today:
        raise DomainError(f"{day(met_on)} is in the future. Log a meeting once it has happened.")
    assert pairing.id is not None
    return Meeting(
        pairing_id=pairing.id,
        logged_by=by,
        met_on=met_on,
        minutes=minutes,
        created_at=now,
        # One short line without control characters: it is shown back in mail and exports.
        note=clean_text(note).strip()[:MAX_MEETING_NOTE],
    )


def distinct_meetings(logged: Iterable[Meeting]) -> list[Meeting]:
    """Meetings as they happened: the same meeting logged by both partners counts once.

    Loggings in one pairing on the same day by different partners are one meeting (the
    longer length kept); one person logging twice on a day means two meetings.
    """
    by_day: dict[tuple[int, date], dict[int, list[Meeting]]] = {}
    for m in logged:
        by_day.setdefault((m.pairing_id, m.met_on), {}).setdefault(m.logged_by, []).append(m)
    out: list[Meeting] = []
    for loggers in by_day.values():
        lists = [sorted(ms, key=lambda m: -m.minutes) for ms in loggers.values()]
        for i in range(max(len(ms) for ms in lists)):
            same = [ms[i] for ms in lists if i < len(ms)]
            out.append(max(same, key=lambda m: m.minutes))
    return sorted(out, key=lambda m: (m.met_on, m.pairing_id))


def cpd_points(total_minutes: int) -> float:
    """One hour of mentoring equals one CPD point (GCS guidance)."""
    return round(total_minutes / 60, 1)
