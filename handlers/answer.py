"""What ACCEPT and DECLINE share: a mentor's answer to a mentee's request to continue
long term (`handlers/accept.py`, `handlers/decline.py`).

A bare "yes"/"no" to the request email arrives as one of them: its reply token was
issued for an approach, so the pipeline maps it to ACCEPT or DECLINE and
`request.about` names the request. Without it, the mentor's only waiting request is meant.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.partners import (
    approach_event,
    free_mentors,
    numbered,
    partner_card,
    person_or_refuse,
)
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import Approach, ApproachStatus, Person, Registration
from service.errors import DomainError
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def the_request(uow: UnitOfWork, request: CommandRequest) -> Approach:
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


def closed(approach: Approach, mentee: Person, ctx: Context, verb: str) -> DomainError:
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
            " speed mentors. If you would like to take on one more, reply CAPACITY with your"
            " new number."
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


def not_taken_on(
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
        ctx,
        context={
            "mentor": partner_card(uow, mentor, approach.round_id, ctx),
            "other_mentors": numbered(others),
            "mentor_full": mentor_full,
        },
    )


def close_requests_to_full_mentor(
    uow: UnitOfWork, mentor: Person, registration: Registration, ctx: Context
) -> list[Email]:
    """Once the mentor has no long-term place left (ACCEPT, CAPACITY, NOT THIS ROUND),
    the requests waiting for them are closed now and each mentee offered their other
    free speed mentors: left pending, they could only expire unanswered ten days later."""
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
        emails.append(not_taken_on(uow, waiting, mentee, mentor, ctx, mentor_full=True))
    return emails
