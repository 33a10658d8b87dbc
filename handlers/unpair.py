"""UNPAIR: either side ends the long-term pairing, without fault or blame.

The other person is told kindly and never sees the reason given (the raw message keeps
it for the coordinators). The mentor's place is free again because it is counted from
active pairings. A mentor ending it within the first six months lets the mentee choose
again among their other speed mentors who still have a place.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.correcting import answer, record
from handlers.partners import (
    already_done,
    hours,
    partner_card,
    person_or_refuse,
    role_in,
    the_pairing,
)
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import EndReason, Pairing, Person
from service.email_command import EmailCommand
from service.messages import Email
from service.new_choice import new_choice as choose_again
from service.store.unit_of_work import UnitOfWork

_BY_SELF = {EndReason.UNPAIRED_BY_MENTEE, EndReason.UNPAIRED_BY_MENTOR}


def _ended_by_them(uow: UnitOfWork, person: Person) -> Pairing | None:
    """Their latest pairing, if they themselves ended it: UNPAIR again is already done."""
    assert person.id is not None
    ended = [p for p in uow.repo.pairings_of(person.id) if not p.active]
    if not uow.repo.active_pairings_of(person.id) and ended:
        last = ended[-1]
        if last.end_reason in _BY_SELF and rules.unpair_reason(last, person.id) is last.end_reason:
            return last
    return None


def unpair(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    done = _ended_by_them(uow, person) if request.coordinator is None else None
    if done is not None:
        partner = person_or_refuse(uow, done.partner_of(person.id))
        return already_done(
            request,
            uow,
            ctx,
            what_short=f"your partnership with {partner.first_name} has ended",
            command="UNPAIR",
            what=f"you ended your mentoring partnership with {partner.name} on"
            f" {rules.day(done.ended_at or done.started_at, ctx.tz)}.",
        )
    pairing = the_pairing(uow, request, ctx)
    _end(request, uow, pairing, ctx)
    emails = _tell_both(request, uow, pairing, ctx)
    if request.coordinator is None:
        return emails
    made = record(uow, request, "pairing.unpaired", ctx, person=person, pairing=pairing)
    return answer(request, uow, ctx, made, emails)


def _end(request: CommandRequest, uow: UnitOfWork, pairing: Pairing, ctx: Context) -> None:
    """End the pairing without blame; the reason says only who ended it."""
    person = request.person
    assert person.id is not None
    if request.coordinator is not None:
        reason = EndReason.UNPAIRED_BY_COORDINATOR
    else:
        reason = rules.unpair_reason(pairing, person.id)
    rules.end_pairing(pairing, reason, ctx.now)
    uow.audit(
        "pairing.ended",
        f"pairing:{pairing.id}",
        {"reason": reason.value, "by": person.id if request.coordinator is None else "coordinator"},
        actor="coordinator" if request.coordinator else f"person:{person.id}",
    )


def _tell_both(
    request: CommandRequest, uow: UnitOfWork, pairing: Pairing, ctx: Context
) -> list[Email]:
    """The notices of the ending: the partner (both, when a coordinator ended it), the
    one who asked, and a new choice for a mentee whose mentor ended it early."""
    person = request.person
    assert pairing.id is not None and person.id is not None
    mentor = person_or_refuse(uow, pairing.mentor_id)
    mentee = person_or_refuse(uow, pairing.mentee_id)
    logged = hours(uow.repo.minutes_met(pairing.id))
    rechoice = rules.mentee_may_choose_again(pairing, ctx.config)

    def notice(to: Person, other: Person) -> Email:
        assert to.id is not None
        return email_to(
            to,
            "unpaired_notice",
            f"unpaired-notice:{pairing.id}:{to.id}",
            uow,
            ctx,
            context={
                "role": role_in(pairing, to.id),
                "partner": partner_card(uow, other, pairing.round_id, ctx),
                "hours_logged": logged,
                "new_choice_follows": rechoice and to.id == mentee.id,
            },
        )

    if request.coordinator is not None:
        emails = [notice(mentor, mentee), notice(mentee, mentor)]
    else:
        partner = mentee if person.id == mentor.id else mentor
        emails = [
            notice(partner, person),
            email_to(
                person,
                "unpaired_confirmation",
                f"unpaired-confirmation:{pairing.id}",
                uow,
                ctx,
                request=request,
                context={
                    "role": role_in(pairing, person.id),
                    "partner": partner_card(uow, partner, pairing.round_id, ctx),
                    "hours_logged": logged,
                },
            ),
        ]
    if rechoice:
        emails.append(new_choice(uow, pairing, mentee, mentor, ctx))
    return emails


def new_choice(
    uow: UnitOfWork, pairing: Pairing, mentee: Person, mentor: Person, ctx: Context
) -> Email:
    """A mentor ended it early: the mentee may choose again (`service.new_choice`)."""
    return choose_again(uow, pairing, mentee, mentor, ctx.config, ctx.commands)


UNPAIR: EmailCommand = EmailCommand(
    verb="unpair",
    spellings=("unpair",),
    handler=unpair,
    shown="UNPAIR",
    help="end the mentoring pairing, without blame",
    available=lambda s: bool(s.pairings),
    destructive=True,
    targeted=True,
    coordinator_help="end that participant's mentoring partnership",
    ends_something=True,
    reason_follows=True,
)
