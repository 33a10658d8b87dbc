"""ACCEPT and DECLINE: a mentor answers a mentee's request to continue long term.

A bare "yes"/"no" to the request email arrives here too: its reply token was issued
for an approach, so the pipeline maps it to ACCEPT or DECLINE and `request.about`
names the request. Without it, the mentor's only waiting request is meant.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.partners import (
    already_done,
    approach_event,
    free_mentors,
    numbered,
    partner_card,
    person_or_refuse,
)
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import Approach, ApproachStatus, Pairing, Person, Registration
from service.email_command import EmailCommand
from service.errors import DomainError
from service.messages import Email
from service.purpose import PurposeKind, of
from service.store.unit_of_work import UnitOfWork


def _approach(uow: UnitOfWork, request: CommandRequest) -> Approach:
    """The request this answer is about; refuses when it cannot be told for certain."""
    mentor = request.person
    assert mentor.id is not None
    named = request.about.approach
    if named is not None and named.mentor_id == mentor.id:
        return named
    waiting = list(uow.repo.pending_approaches_to(mentor.id))
    if len(waiting) == 1:
        return waiting[0]
    if len(waiting) > 1:
        names = " and ".join(person_or_refuse(uow, a.mentee_id).name for a in waiting)
        raise DomainError(
            f"More than one mentee has asked you ({names}), so we cannot tell whom you"
            " mean. Please reply ACCEPT or DECLINE to each request email on its own."
        )
    raise DomainError(
        "No mentee is waiting for your answer at the moment, so there is nothing to"
        " accept or decline. Reply STATUS to see where you are in the programme."
    )


def _closed(approach: Approach, mentee: Person, ctx: Context, verb: str) -> DomainError:
    """Why an answer to a request that is no longer open changes nothing."""
    when = rules.day(approach.answered_at or approach.created_at, ctx.tz)
    if approach.status is ApproachStatus.WITHDRAWN:
        return DomainError(
            f"{mentee.name} withdrew this request on {when}, so there is nothing to"
            f" {verb}. Thank you for considering it."
        )
    if approach.status is ApproachStatus.EXPIRED and rules.closed_before_deadline(
        approach, ctx.config
    ):
        return DomainError(
            f"You had taken on as many long-term mentees as you offered, so we closed"
            f" {mentee.name}'s request on {when} and offered {mentee.first_name} their other"
            " speed mentors. If you would like to take on one more, ask the coordinators to"
            " raise your number."
        )
    if approach.status is ApproachStatus.EXPIRED:
        return DomainError(
            f"This request from {mentee.name} expired on {when} without an answer, so"
            f" {mentee.first_name} may have asked someone else. If you would still like to"
            " mentor them, just reply in your own words and a coordinator will help."
        )
    if approach.status is ApproachStatus.DECLINED:
        return DomainError(
            f"You declined {mentee.name}'s request on {when}, and {mentee.first_name} has"
            " been told. If you have changed your mind, just reply in your own words and a"
            " coordinator will help."
        )
    return DomainError(
        f"You accepted {mentee.name}'s request on {when}, and your partnership has started."
        " If it is not working out, reply UNPAIR."
    )


def accept(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    assert mentor.id is not None
    approach = _approach(uow, request)
    mentee = person_or_refuse(uow, approach.mentee_id)
    assert mentee.id is not None
    if approach.status is ApproachStatus.ACCEPTED:
        return already_done(
            request,
            uow,
            what_short=f"you are {mentee.first_name}'s mentor",
            command="ACCEPT",
            what=f"you accepted {mentee.name}'s request on"
            f" {rules.day(approach.answered_at or approach.created_at, ctx.tz)}.",
        )
    if approach.status is not ApproachStatus.PENDING:
        raise _closed(approach, mentee, ctx, "accept")
    pairing, registration = _start_pairing(uow, approach, mentor, mentee, ctx)
    mentor_card = partner_card(uow, mentor, approach.round_id, ctx)
    mentee_card = partner_card(uow, mentee, approach.round_id, ctx)
    told_full = _close_requests_to_full_mentor(uow, mentor, registration, ctx)
    weeks = max(1, ctx.config.timings.check_in_every // 7)
    purpose = of(PurposeKind.PAIRING, pairing.id)
    return [
        email_to(
            mentee,
            "approach_accepted",
            f"approach-accepted:{approach.id}",
            uow,
            purpose=purpose,
            context={"mentor": mentor_card},
        ),
        email_to(
            mentee,
            "pairing_started",
            f"pairing-started:{pairing.id}:mentee",
            uow,
            purpose=purpose,
            context={"role": "mentee", "partner": mentor_card, "check_in_weeks": weeks},
        ),
        email_to(
            mentor,
            "pairing_started",
            f"pairing-started:{pairing.id}:mentor",
            uow,
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


def _close_requests_to_full_mentor(
    uow: UnitOfWork, mentor: Person, registration: Registration, ctx: Context
) -> list[Email]:
    """Once the mentor has no long-term place left, the other requests waiting for them
    are closed now and each mentee offered their other free speed mentors: left
    pending, they could only expire unanswered ten days later."""
    assert mentor.id is not None
    places = rules.long_term_places_left(
        registration, uow.repo.active_pairings_as_mentor(mentor.id)
    )
    if places > 0:
        return []
    emails = []
    for waiting in uow.repo.pending_approaches_to(mentor.id):
        rules.expire_approach(waiting, ctx.now)
        approach_event(uow, waiting, "closed_mentor_full", by=mentor)
        mentee = person_or_refuse(uow, waiting.mentee_id)
        emails.append(_not_taken_on(uow, waiting, mentee, mentor, ctx, mentor_full=True))
    return emails


def _not_taken_on(
    uow: UnitOfWork,
    approach: Approach,
    mentee: Person,
    mentor: Person,
    ctx: Context,
    *,
    mentor_full: bool,
) -> Email:
    """Tells the mentee their request is closed, offering their other free speed mentors."""
    others = free_mentors(uow, mentee, approach.round_id, besides=mentor.id)
    return email_to(
        mentee,
        "approach_declined",
        f"approach-declined:{approach.id}",
        uow,
        context={
            "mentor": partner_card(uow, mentor, approach.round_id, ctx),
            "other_mentors": numbered(others),
            "mentor_full": mentor_full,
        },
    )


def decline(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    assert mentor.id is not None
    approach = _approach(uow, request)
    mentee = person_or_refuse(uow, approach.mentee_id)
    if approach.status is ApproachStatus.DECLINED:
        return already_done(
            request,
            uow,
            what_short=f"you declined {mentee.first_name}'s request",
            command="DECLINE",
            what=f"you declined {mentee.name}'s request on"
            f" {rules.day(approach.answered_at or approach.created_at, ctx.tz)}.",
        )
    if approach.status is not ApproachStatus.PENDING:
        raise _closed(approach, mentee, ctx, "decline")
    rules.decline_approach(approach, ctx.now)
    approach_event(uow, approach, "declined", by=mentor)
    mentee_card = partner_card(uow, mentee, approach.round_id, ctx)
    return [
        _not_taken_on(uow, approach, mentee, mentor, ctx, mentor_full=False),
        email_to(
            mentor,
            "decline_confirmed",
            f"decline-confirmed:{approach.id}",
            uow,
            request=request,
            context={"mentee": mentee_card},
        ),
    ]


ACCEPT: EmailCommand = EmailCommand(
    verb="accept",
    spellings=("accept",),
    handler=accept,
    shown="ACCEPT",
    help="agree to be the long-term mentor of the mentee who asked",
    available=lambda s: bool(s.approaches_to_answer),
    yes_to=frozenset({PurposeKind.APPROACH}),
)
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
