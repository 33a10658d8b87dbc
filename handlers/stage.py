"""The one sentence that says where someone is in the programme (STATUS and HELP).

A pure function of their `Standing`, the time and the configuration: no database, so
it is tested on plain objects and every email says the same thing for the same place.
The most pressing thing comes first: a question waiting for them beats background.

The participant reads it in the second person ("You are mentoring ..."); a coordinator's
copy of STATUS (`about` = the participant's name) speaks of them in the third person,
and says what the participant should do rather than telling the coordinator to do it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from service.config import ProgrammeConfig
from service.domain.model import RegistrationStatus, RoundStatus
from service.domain.rules import approach_deadline, day, round_phase
from service.standing import Standing


def stage_sentence(
    s: Standing, now: datetime, config: ProgrammeConfig, *, about: str | None = None
) -> str:
    for stage in (_relationships, _registration, _speed_mentoring):
        sentence = stage(s, now, config, about)
        if sentence is not None:
            return sentence
    return _round(s, now, config, about)


def _voice(about: str | None) -> Callable[[str, str], str]:
    """Second person for the participant; the third, about them, for a coordinator."""
    return lambda you, them: you if about is None else them


def _relationships(
    s: Standing, now: datetime, config: ProgrammeConfig, about: str | None
) -> str | None:
    """Their data, a request or a long-term partnership: what matters most comes first."""
    say = _voice(about)
    tz = config.programme.timezone
    if s.person.erased:
        return say(
            "Your information has been deleted, so you are no longer in the programme.",
            f"{about}'s information has been deleted, so they are no longer in the programme.",
        )
    if s.approaches_to_answer:
        return say(
            "A mentee has asked you to be their long-term mentor: please reply ACCEPT or DECLINE.",
            f"A mentee has asked {about} to be their long-term mentor, and we are waiting"
            " for their answer (ACCEPT or DECLINE).",
        )
    if s.mentee_pairing is not None:
        until = day(s.mentee_pairing.ends_at, tz)
        return say(
            f"You have a long-term mentor. Your partnership runs until {until};"
            " remember to log your meetings with MET.",
            f"{about} has a long-term mentor. Their partnership runs until {until}.",
        )
    if s.mentor_pairings:
        n = len(s.mentor_pairings)
        mentees = f"{n} long-term mentee{'s' if n != 1 else ''}"
        return say(
            f"You are mentoring {mentees}. Remember to log your meetings with MET.",
            f"{about} is mentoring {mentees}.",
        )
    if s.pending_approach is not None:
        deadline = day(approach_deadline(s.pending_approach, config), tz)
        return say(
            "You have asked one of your speed mentors to be your long-term mentor and we are"
            f" waiting for their answer (they have until {deadline}).",
            f"{about} has asked one of their speed mentors to be their long-term mentor and"
            f" we are waiting for the mentor's answer (they have until {deadline}).",
        )
    return None


def _registration(
    s: Standing, now: datetime, config: ProgrammeConfig, about: str | None
) -> str | None:
    """Not registered, left, or not yet confirmed."""
    say = _voice(about)
    tz = config.programme.timezone
    reg, round_ = s.registration, s.round
    if round_ is None or reg is None:
        return say(
            "You are not registered for a round at the moment.",
            f"{about} is not registered for a round at the moment.",
        )
    if reg.status is RegistrationStatus.WITHDRAWN:
        when = f" on {day(reg.withdrawn_at, tz)}" if reg.withdrawn_at else ""
        return say(
            f"You left the {round_.name} round{when}. You are welcome back in a future round.",
            f"{about} left the {round_.name} round{when}.",
        )
    if reg.status is RegistrationStatus.PENDING_CONFIRMATION:
        return say(
            f"You have registered for the {round_.name} round but have not confirmed your"
            " address yet: please reply CONFIRM.",
            f"{about} has registered for the {round_.name} round but has not confirmed"
            " their address yet.",
        )
    return None


def _speed_mentoring(
    s: Standing, now: datetime, config: ProgrammeConfig, about: str | None
) -> str | None:
    """Matched for speed mentoring: contacting their mentors, or choosing one to keep."""
    say = _voice(about)
    tz = config.programme.timezone
    if s.introductions_as_mentee:
        sent = [i.sent_at for i in s.introductions_as_mentee if i.sent_at is not None]
        if sent:
            speed_end = min(sent) + timedelta(days=config.timings.speed_window)
            if now < speed_end:
                contact_by = day(speed_end, tz)
                return say(
                    f"You are in the speed-mentoring stage: contact your mentors by {contact_by}.",
                    f"{about} is in the speed-mentoring stage and should contact their"
                    f" mentors by {contact_by}.",
                )
        return say(
            "Your speed-mentoring sessions are done: you can ask one of your speed mentors"
            " to be your long-term mentor (KEEP), or tell us you do not want one (NONE).",
            f"{about}'s speed-mentoring sessions are done: they can ask one of their speed"
            " mentors to be their long-term mentor (KEEP), or tell us they do not want one"
            " (NONE).",
        )
    if s.introductions_as_mentor:
        return say(
            "You are a speed mentor this round: your mentees will get in touch to arrange a"
            " conversation.",
            f"{about} is a speed mentor this round: their mentees will get in touch to"
            " arrange a conversation.",
        )
    return None


def _round(s: Standing, now: datetime, config: ProgrammeConfig, about: str | None) -> str:
    """Registered and confirmed with no match yet: where the round itself is."""
    say = _voice(about)
    tz = config.programme.timezone
    round_ = s.round
    assert round_ is not None  # _registration answers for anyone without a round
    phase = round_phase(round_, now)
    if phase is RoundStatus.OPEN:
        return say(
            f"You are registered for the {round_.name} round. We will match people after"
            f" registrations close on {day(round_.closes_at, tz)}.",
            f"{about} is registered for the {round_.name} round. We will match people after"
            f" registrations close on {day(round_.closes_at, tz)}.",
        )
    if phase is RoundStatus.SENT:
        return say(
            f"The {round_.name} round's matches have been sent. If you did not get one, a"
            " coordinator will be in touch.",
            f"The {round_.name} round's matches have been sent, and {about} has no"
            " speed-mentoring match in it.",
        )
    return say(
        f"Registrations for the {round_.name} round have closed and we are matching people"
        " now: you will hear from us soon.",
        f"Registrations for the {round_.name} round have closed and we are matching people"
        f" now, {about} included.",
    )
