"""The one sentence that says where someone is in the programme (STATUS and HELP).

A pure function of their `Standing`, the time and the configuration: no database, so
it is tested on plain objects and every email says the same thing for the same place.
The most pressing thing comes first: a question waiting for them beats background.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from service.config import ProgrammeConfig
from service.domain.model import RegistrationStatus, RoundStatus
from service.domain.rules import approach_deadline, day, round_phase
from service.standing import Standing


def stage_sentence(s: Standing, now: datetime, config: ProgrammeConfig) -> str:
    tz = config.programme.timezone
    reg, round_ = s.registration, s.round
    if s.person.erased:
        return "Your information has been deleted, so you are no longer in the programme."
    if s.approaches_to_answer:
        return (
            "A mentee has asked you to be their long-term mentor: please reply ACCEPT or DECLINE."
        )
    if s.mentee_pairing is not None:
        return (
            "You have a long-term mentor. Your partnership runs until"
            f" {day(s.mentee_pairing.ends_at, tz)}; remember to log your meetings with MET."
        )
    if s.mentor_pairings:
        n = len(s.mentor_pairings)
        return (
            f"You are mentoring {n} long-term mentee{'s' if n != 1 else ''}."
            " Remember to log your meetings with MET."
        )
    if s.pending_approach is not None:
        deadline = approach_deadline(s.pending_approach, config)
        return (
            "You have asked one of your speed mentors to be your long-term mentor and we are"
            f" waiting for their answer (they have until {day(deadline, tz)})."
        )
    if round_ is None or reg is None:
        return "You are not registered for a round at the moment."
    if reg.status is RegistrationStatus.WITHDRAWN:
        when = f" on {day(reg.withdrawn_at, tz)}" if reg.withdrawn_at else ""
        return f"You left the {round_.name} round{when}. You are welcome back in a future round."
    if reg.status is RegistrationStatus.PENDING_CONFIRMATION:
        return (
            f"You have registered for the {round_.name} round but have not confirmed your"
            " address yet: please reply CONFIRM."
        )
    if s.introductions_as_mentee:
        sent = [i.sent_at for i in s.introductions_as_mentee if i.sent_at is not None]
        if sent:
            contact_by = min(sent) + timedelta(days=config.timings.speed_window)
            if now < contact_by:
                return (
                    "You are in the speed-mentoring stage: contact your mentors by"
                    f" {day(contact_by, tz)}."
                )
        return (
            "Your speed-mentoring sessions are done: you can ask one of your speed mentors"
            " to be your long-term mentor (KEEP), or tell us you do not want one (NONE)."
        )
    if s.introductions_as_mentor:
        return (
            "You are a speed mentor this round: your mentees will get in touch to arrange a"
            " conversation."
        )
    phase = round_phase(round_, now)
    if phase is RoundStatus.OPEN:
        return (
            f"You are registered for the {round_.name} round. We will match people after"
            f" registrations close on {day(round_.closes_at, tz)}."
        )
    if phase is RoundStatus.SENT:
        return (
            f"The {round_.name} round's matches have been sent. If you did not get one, a"
            " coordinator will be in touch."
        )
    return (
        f"Registrations for the {round_.name} round have closed and we are matching people"
        " now: you will hear from us soon."
    )
