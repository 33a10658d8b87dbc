"""DECLINE: a mentor says no, kindly, to a mentee's request; the mentee is offered
their other free speed mentors."""

from __future__ import annotations

from handlers.answer import closed, not_taken_on, the_request
from handlers.common import email_to
from handlers.partners import already_done, approach_event, partner_card, person_or_refuse
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import ApproachStatus
from service.email_command import EmailCommand
from service.messages import Email
from service.purpose import PurposeKind
from service.store.unit_of_work import UnitOfWork


def decline(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    assert mentor.id is not None
    approach = the_request(uow, request)
    mentee = person_or_refuse(uow, approach.mentee_id)
    if approach.status is ApproachStatus.DECLINED:
        return already_done(
            request,
            uow,
            ctx,
            what_short=f"you declined {mentee.first_name}'s request",
            command="DECLINE",
            what=f"you declined {mentee.name}'s request on"
            f" {rules.day(approach.answered_at or approach.created_at, ctx.tz)}.",
        )
    if approach.status is not ApproachStatus.PENDING:
        raise closed(approach, mentee, ctx, "decline")
    rules.decline_approach(approach, ctx.now)
    approach_event(uow, approach, "declined", by=mentor)
    mentee_card = partner_card(uow, mentee, approach.round_id, ctx)
    return [
        not_taken_on(uow, approach, mentee, mentor, ctx, mentor_full=False),
        email_to(
            mentor,
            "decline_confirmed",
            f"decline-confirmed:{approach.id}",
            uow,
            ctx,
            request=request,
            context={"mentee": mentee_card},
        ),
    ]


DECLINE: EmailCommand = EmailCommand(
    verb="decline",
    spellings=("decline",),
    handler=decline,
    shown="DECLINE",
    help="say no, kindly, so they can ask someone else",
    available=lambda s: bool(s.approaches_to_answer),
    destructive=True,
    no_to=frozenset({PurposeKind.APPROACH}),
)
