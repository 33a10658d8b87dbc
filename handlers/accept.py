"""ACCEPT: a mentor agrees to continue long term with the mentee who asked; the
pairing starts, and once the mentor has no place left the other requests to them close.
"""

from __future__ import annotations

from handlers.answer import close_requests_to_full_mentor, closed, the_request
from handlers.common import email_to
from handlers.partners import already_done, approach_event, partner_card, person_or_refuse
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import Approach, ApproachStatus, Pairing, Person, Registration
from service.email_command import EmailCommand
from service.errors import DomainError
from service.messages import Email
from service.purpose import PurposeKind, of
from service.store.unit_of_work import UnitOfWork


def accept(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    assert mentor.id is not None
    approach = the_request(uow, request)
    mentee = person_or_refuse(uow, approach.mentee_id)
    assert mentee.id is not None
    if approach.status is ApproachStatus.ACCEPTED:
        return already_done(
            request,
            uow,
            ctx,
            what_short=f"you are {mentee.first_name}'s mentor",
            command="ACCEPT",
            what=f"you accepted {mentee.name}'s request on"
            f" {rules.day(approach.answered_at or approach.created_at, ctx.tz)}.",
        )
    if approach.status is not ApproachStatus.PENDING:
        raise closed(approach, mentee, ctx, "accept")
    pairing, registration = _start_pairing(uow, approach, mentor, mentee, ctx)
    mentor_card = partner_card(uow, mentor, approach.round_id, ctx)
    mentee_card = partner_card(uow, mentee, approach.round_id, ctx)
    told_full = close_requests_to_full_mentor(uow, mentor, registration, ctx)
    weeks = max(1, ctx.config.timings.check_in_every // 7)
    purpose = of(PurposeKind.PAIRING, pairing.id)
    return [
        email_to(
            mentee,
            "pairing_started",
            f"pairing-started:{pairing.id}:mentee",
            uow,
            ctx,
            purpose=purpose,
            context={"role": "mentee", "partner": mentor_card, "check_in_weeks": weeks},
        ),
        email_to(
            mentor,
            "pairing_started",
            f"pairing-started:{pairing.id}:mentor",
            uow,
            ctx,
            purpose=purpose,
            request=request,
            context={"role": "mentor", "partner": mentee_card, "check_in_weeks": weeks},
        ),
        *told_full,
    ]


def _start_pairing(
    uow: UnitOfWork, approach: Approach, mentor: Person, mentee: Person, ctx: Context
) -> tuple[Pairing, Registration]:
    """The mentor's yes: the pairing starts if the rules allow it (both still taking
    part, a place free, the mentee not paired meanwhile). Returns it and the mentor's
    registration, which says how many places are left."""
    assert mentor.id is not None and mentee.id is not None
    rules.ensure_active_person(mentee)
    registration = uow.repo.registration(approach.round_id, mentor.id)
    if registration is None or not registration.active:
        raise DomainError(
            "You are no longer registered as a mentor in this round, so we cannot start the"
            " partnership. Just reply in your own words and a coordinator will help."
        )
    pairing = rules.accept_approach(
        approach,
        mentor_registration=registration,
        mentor_active_pairings=uow.repo.active_pairings_as_mentor(mentor.id),
        mentee_active_pairing=uow.repo.active_pairing_of_mentee(mentee.id),
        now=ctx.now,
        config=ctx.config,
    )
    # Both were heard from: the mentor now, the mentee when they asked.
    pairing.mentor_last_seen_at = ctx.now
    pairing.mentee_last_seen_at = approach.created_at
    uow.add(pairing)
    uow.flush()
    approach_event(uow, approach, "accepted", by=mentor, detail={"pairing": pairing.id})
    uow.audit(
        "pairing.started",
        f"pairing:{pairing.id}",
        {"mentor": mentor.id, "mentee": mentee.id, "round": pairing.round_id},
        actor=f"person:{mentor.id}",
    )
    return pairing, registration


ACCEPT: EmailCommand = EmailCommand(
    verb="accept",
    spellings=("accept",),
    handler=accept,
    shown="ACCEPT",
    help="agree to be the long-term mentor of the mentee who asked",
    available=lambda s: bool(s.approaches_to_answer),
    yes_to=frozenset({PurposeKind.APPROACH}),
)
