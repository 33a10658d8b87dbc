"""CAPACITY n: a mentor changes how many long-term mentees they can take this round.

The number is kept within `[capacity]` in the configuration and never below the mentees
they mentor now (`rules.set_long_term_capacity`). When the new number leaves no place
free, the requests waiting for them close at once and each mentee is offered their
other speed mentors. It also undoes NOT THIS ROUND (`handlers/not_this_round.py`).
"""

from __future__ import annotations

import re

from handlers.answer import close_requests_to_full_mentor
from handlers.common import email_to
from handlers.partners import mentor_registration
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import Registration
from service.email_command import EmailCommand
from service.inbound.commands import Command, Words
from service.messages import Email
from service.store.unit_of_work import UnitOfWork

_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_NUMBER = re.compile(r"^(?:to\s+)?(?P<n>\d{1,2}|one|two|three|four|five|six)(?:\s+mentees?)?$")


def number(words: Words) -> Command | str | None:
    """CAPACITY 2, CAPACITY two, CAPACITY to 2 mentees: the number in `Command.choice`."""
    rest = words.rest
    found = _NUMBER.match(rest)
    if found:
        n = found.group("n")
        return Command(words.verb, choice=str(_WORDS.get(n) or int(n)))
    if rest and (words.strict or len(rest.split()) > 3):
        return None  # "capacity is a problem for me at the moment": a sentence
    how = "Reply CAPACITY with how many long-term mentees you can take this round, for"
    how += " example CAPACITY 2."
    if not rest:
        return f"CAPACITY needs a number. {how}"
    return f"We could not read “{rest}” as a number. {how}"


def capacity(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    assert mentor.id is not None and request.command.choice is not None
    registration = mentor_registration(uow, mentor, "CAPACITY")
    places = int(request.command.choice)
    mentoring = uow.repo.active_pairings_as_mentor(mentor.id)
    before = registration.long_term_capacity
    rules.set_long_term_capacity(registration, places, mentoring, ctx.config)
    context: dict[str, object] = {"places": places, "mentoring": mentoring}
    return places_changed(request, uow, ctx, registration, before, "capacity", context)


def places_changed(
    request: CommandRequest,
    uow: UnitOfWork,
    ctx: Context,
    registration: Registration,
    before: int,
    what: str,
    context: dict[str, object],
) -> list[Email]:
    """After CAPACITY or NOT THIS ROUND (`what`) changed a mentor's places: the audit, the
    requests that no longer have a place closed, and the mentor's confirmation."""
    mentor = request.person
    uow.audit(
        f"registration.{what}",
        f"registration:{registration.id}",
        {"long_term_capacity": registration.long_term_capacity, "was": before},
        actor=f"person:{mentor.id}",
    )
    closed = close_requests_to_full_mentor(uow, mentor, registration, ctx)
    confirmation = email_to(
        mentor,
        f"{what}_confirmed",
        f"{what}-confirmed:{registration.id}:{request.thread.message_id or '-'}",
        uow,
        ctx,
        request=request,
        context={**context, "requests_closed": len(closed)},
    )
    return [confirmation, *closed]


CAPACITY: EmailCommand = EmailCommand(
    verb="capacity",
    spellings=("capacity",),
    handler=capacity,
    shown="CAPACITY 2",
    help="change how many long-term mentees you can take this round",
    available=lambda s: s.mentor_this_round,
    arguments=number,
)
