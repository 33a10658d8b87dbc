"""What the long-term relationship handlers share: finding a person's matches, their
pairing and their partner, and the small answers they all give.

Used by keep, answer, none, unpair, not_responding, met and continue_.
"""

from __future__ import annotations

from typing import Any

from handlers.common import answer_key, card, email_to
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.choices import Option
from service.domain.model import (
    Approach,
    Pairing,
    Person,
    Registration,
    Role,
    Round,
)
from service.errors import DomainError
from service.messages import Email
from service.new_choice import option_cards
from service.speed_mentors import free_mentors, mentors_of, places_left, visible
from service.store.unit_of_work import UnitOfWork

# The mentee's speed mentors and their free places live in `service.speed_mentors` (the
# ladder's time rule uses them too); re-exported for the handlers.
__all__ = ["free_mentors", "mentors_of", "places_left"]


def mentor_registration(uow: UnitOfWork, person: Person, command: str) -> Registration:
    """The mentor's registration in their latest round, or a clear refusal of `command`."""
    _round, registration = latest(uow, person)
    if registration is None or not registration.active or not registration.has_role(Role.MENTOR):
        raise DomainError(
            f"{command} is for mentors taking part in the current round, and you are not"
            " registered as one, so we have changed nothing. Reply STATUS to see what we"
            " hold about you."
        )
    return registration


def latest(uow: UnitOfWork, person: Person) -> tuple[Round | None, Registration | None]:
    """The person's latest round and their registration in it."""
    assert person.id is not None
    round_ = uow.repo.latest_round_for(person.id)
    if round_ is None or round_.id is None:
        return None, None
    return round_, uow.repo.registration(round_.id, person.id)


def mentees_of(uow: UnitOfWork, mentor: Person, round_id: int) -> list[Option]:
    """The mentor's speed mentees in a round."""
    assert mentor.id is not None
    intros = [
        i
        for i in uow.repo.introductions_of(mentor.id, round_id)
        if i.mentor_id == mentor.id and visible(i)
    ]
    people = uow.repo.people([i.mentee_id for i in intros])
    # Numbered in the order of the mentor's match email.
    return [
        Option(i, people[i.mentee_id], n)
        for n, i in enumerate((i for i in intros if i.mentee_id in people), start=1)
    ]


def numbered(options: list[Option]) -> list[dict[str, Any]]:
    return [{"number": o.number, "name": o.person.name} for o in options]


def cards(uow: UnitOfWork, options: list[Option], ctx: Context) -> list[dict[str, Any]]:
    return option_cards(uow, options, ctx.config)


def partner_card(uow: UnitOfWork, person: Person, round_id: int, ctx: Context) -> dict[str, Any]:
    assert person.id is not None
    return card(person, uow.repo.registration(round_id, person.id), ctx.config)


def person_or_refuse(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.repo.person(person_id)
    if person is None:
        raise DomainError("We could not find the other person in this pairing.")
    return person


def the_pairing(uow: UnitOfWork, request: CommandRequest, ctx: Context) -> Pairing:
    """The active pairing a command is about.

    The reply's token names it when the email answered was about one pairing; otherwise
    the person's only active pairing. Refuses clearly when there are several, and when
    the pairing the reply was about has already ended.
    """
    person = request.person
    assert person.id is not None
    named = request.about.pairing
    if named is not None and person.id in (named.mentor_id, named.mentee_id):
        return rules.ensure_active_pairing(named, ctx.tz)
    active = list(uow.repo.active_pairings_of(person.id))
    if len(active) == 1:
        return active[0]
    if len(active) > 1:
        names = [person_or_refuse(uow, p.partner_of(person.id)).name for p in active]
        raise DomainError(
            f"You have more than one mentoring partnership ({' and '.join(names)}), so we"
            " cannot tell which one you mean. Please reply to the most recent email we sent"
            " you about that partnership."
        )
    ended = [p for p in uow.repo.pairings_of(person.id) if not p.active]
    if ended:
        rules.ensure_active_pairing(ended[-1], ctx.tz)  # raises: it ended on ...
    raise DomainError(
        "You do not have a long-term mentoring partnership at the moment, so there is"
        " nothing to change. Reply STATUS to see where you are in the programme."
    )


def approach_event(
    uow: UnitOfWork,
    approach: Approach,
    step: str,
    *,
    by: Person | None = None,
    detail: dict[str, object] | None = None,
) -> None:
    """Audit one step in a request's life (`approach.opened`, `.accepted`, `.declined`,
    ...): the subject is the request, the actor who took the step (none: the actor of the
    unit of work), the detail its new status unless the step says more."""
    uow.audit(
        f"approach.{step}",
        f"approach:{approach.id}",
        detail if detail is not None else {"status": approach.status.value},
        actor=f"person:{by.id}" if by is not None else None,
    )


role_in = Pairing.role_of  # which side a member is on: the domain's rule, by its handler name


def hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def already_done(
    request: CommandRequest,
    uow: UnitOfWork,
    ctx: Context,
    *,
    what_short: str,
    command: str,
    what: str,
) -> list[Email]:
    """A command that was already carried out arrived again: say so, change nothing."""
    return [
        email_to(
            request.person,
            "already_done",
            answer_key(request, command.lower().replace(" ", "-")),
            uow,
            ctx,
            request=request,
            context={"what_short": what_short, "command": command, "what": what},
            automatic_answer=True,
        )
    ]
