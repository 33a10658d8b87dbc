"""MET: log a meeting.

In a long-term pairing it is a mentoring meeting: logged with its length and date, and
answered with the running total and CPD points (one hour is one point). Before that it
is a speed-mentoring session: the introduction is marked met; when it was a mentee's
last speed mentor, the answer also asks them to decide about a long-term mentor.
"""

from __future__ import annotations

from typing import Any

from handlers.common import answer_key, email_to
from handlers.partners import (
    already_done,
    cards,
    hours,
    latest,
    mentees_of,
    mentors_of,
    partner_card,
    person_or_refuse,
    the_pairing,
)
from service.bus import CommandRequest, Context
from service.domain import liveness, rules, timeline
from service.domain.choices import Option, session_match
from service.domain.model import IntroductionStatus, Meeting, Pairing
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound.commands import meeting
from service.messages import Email
from service.purpose import PurposeKind, of
from service.standing import Standing, asking_to_decide
from service.store.unit_of_work import UnitOfWork
from service.text import or_list

DEFAULT_MINUTES = 60


def met(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    round_, _ = latest(uow, person)
    paired_this_round = any(
        round_ is not None and p.round_id == round_.id for p in uow.repo.pairings_of(person.id)
    )
    if request.command.choice is None and (
        paired_this_round
        or uow.repo.active_pairings_of(person.id)
        or request.about.kind is PurposeKind.PAIRING
    ):
        # A meeting of a pairing (or a clear answer that the pairing has ended).
        return _mentoring_meeting(request, uow, ctx)
    return _speed_session(request, uow, ctx)


def _mentoring_meeting(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    pairing = the_pairing(uow, request, ctx)
    assert pairing.id is not None
    minutes = request.command.minutes or DEFAULT_MINUTES
    met_on = request.command.on or ctx.today
    logged = list(uow.repo.meetings(pairing.id))
    if any(
        m.met_on == met_on and m.minutes == minutes and m.logged_by == person.id for m in logged
    ):
        # The same meeting again (a repeated email, or the partner logging it too): one meeting.
        return already_done(
            request,
            uow,
            ctx,
            what_short="that meeting is logged",
            command="MET",
            what=f"we already have a {minutes}-minute meeting on {met_on:%d %B %Y} logged.",
        )
    meeting = rules.log_meeting(
        pairing,
        by=person.id,
        minutes=minutes,
        met_on=met_on,
        today=ctx.today,
        now=ctx.now,
        note=request.command.note,
    )
    uow.add(meeting)
    liveness.met(pairing, person.id, ctx.now)
    uow.flush()
    uow.audit(
        "meeting.logged",
        f"pairing:{pairing.id}",
        {"meeting": meeting.id, "minutes": meeting.minutes},
        actor=f"person:{person.id}",
    )
    # The totals from the loggings read above and this one (read once, not three times).
    return [_logged(request, uow, ctx, pairing, meeting, [*logged, meeting])]


def _logged(
    request: CommandRequest,
    uow: UnitOfWork,
    ctx: Context,
    pairing: Pairing,
    meeting: Meeting,
    logged: list[Meeting],
) -> Email:
    """The answer to a meeting logged: it, and the pairing's totals (`logged`: every
    logging of the pairing, this one included)."""
    person = request.person
    assert person.id is not None and pairing.id is not None
    partner = person_or_refuse(uow, pairing.partner_of(person.id))
    held = rules.distinct_meetings(logged)
    return email_to(
        person,
        "meeting_logged",
        answer_key(request, "met"),
        uow,
        ctx,
        request=request,
        purpose=of(PurposeKind.PAIRING, pairing.id),
        context={
            "partner": partner_card(uow, partner, pairing.round_id, ctx),
            "meeting": {
                "on": meeting.met_on,
                "hours": hours(meeting.minutes),
                "note": meeting.note,
            },
            "total_meetings": len(held),
            "total_hours": hours(sum(m.minutes for m in held)),
        },
    )


def _speed_session(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    """MET before any pairing: the speed-mentoring session with one match took place."""
    person = request.person
    assert person.id is not None
    round_, _ = latest(uow, person)
    options: list[Option] = []
    if round_ is not None and round_.id is not None:
        options = mentors_of(uow, person, round_.id) + mentees_of(uow, person, round_.id)
    if not options:
        raise DomainError(
            "We have no speed-mentoring matches or mentoring partnership on record for you,"
            " so there is no meeting to log. Reply STATUS to see where you are in the"
            " programme."
        )
    chosen = session_match(request.command.choice, options)
    intro = chosen.introduction
    if intro.status is IntroductionStatus.MET:
        return already_done(
            request,
            uow,
            ctx,
            what_short=f"you met {chosen.person.first_name}",
            command="MET",
            what=f"we already have your speed-mentoring session with {chosen.person.name}.",
        )
    if intro.status is not IntroductionStatus.SENT:
        raise DomainError(
            f"Your speed-mentoring match with {chosen.person.name} is closed, so we have"
            " changed nothing."
        )
    rules.speed_session_held(intro, ctx.now)
    uow.audit(
        "introduction.met",
        f"introduction:{intro.id}",
        actor=f"person:{person.id}",
    )
    as_mentee = intro.mentee_id == person.id
    partner = partner_card(uow, chosen.person, intro.round_id, ctx)
    if as_mentee:
        decide = _time_to_decide(request, uow, ctx, intro.round_id, partner)
        if decide is not None:
            return [decide]
    return [
        email_to(
            person,
            "speed_meeting_logged",
            answer_key(request, "met"),
            uow,
            ctx,
            request=request,
            context={"role": "mentee" if as_mentee else "mentor", "partner": partner},
        )
    ]


def _time_to_decide(
    request: CommandRequest, uow: UnitOfWork, ctx: Context, round_id: int, noted: dict[str, Any]
) -> Email | None:
    """The answer to the MET that completes a mentee's speed sessions before the window
    ends: the session noted and "would you like a long-term mentor?" in one email, under
    the decide email's own key, so the day-28 email saying the same is never sent.
    None when they are not choosing or were asked already."""
    mentee = request.person
    assert mentee.id is not None
    intros = uow.repo.introductions_of(mentee.id, round_id)
    approaches = uow.repo.approaches_of_mentee(mentee.id, round_id)
    paired = uow.repo.active_pairing_of_mentee(mentee.id) is not None
    if not timeline.met_every_speed_mentor(mentee.id, intros, approaches, paired):
        return None
    key = timeline.decide_key(timeline.DecideStep.DECIDE, round_id, mentee.id)
    if uow.repo.outbound_by_key(key) is not None:
        return None
    asking_to_decide(uow, mentee)  # it asks for KEEP or NONE: its footer offers them
    return email_to(
        mentee,
        "decide_long_term",
        key,
        uow,
        ctx,
        request=request,
        context={"mentors": cards(uow, mentors_of(uow, mentee, round_id), ctx), "noted": noted},
    )


def _speed_sessions_waiting(s: Standing) -> bool:
    """Matches they have not told us they met yet (the match emails ask for MET 1)."""
    intros = s.introductions_as_mentee + s.introductions_as_mentor
    return any(i.status is IntroductionStatus.SENT for i in intros)


def _offer(s: Standing) -> tuple[str, str]:
    if s.pairings:
        return "MET 45 mins 12/03", "log a meeting: how long, and when"
    unmet = or_list([str(n) for n in s.met_choices])
    return f"MET {unmet}", "tell us you have met that speed-mentoring match"


MET: EmailCommand = EmailCommand(
    verb="met",
    spellings=("met", "we met"),
    handler=met,
    shown="MET 45 mins 12/03",
    help="log a meeting: how long, and when",
    available=lambda s: bool(s.pairings) or _speed_sessions_waiting(s),
    offer=_offer,
    arguments=meeting,
    arguments_in_subject=True,
)
