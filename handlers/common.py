"""What every handler shares: the small pieces of template context built the same way
everywhere. A person's standing lives in `service.standing`; the commands open to them
are the command table's (`handlers.TABLE`) answer to it."""

from __future__ import annotations

from typing import Any

import handlers  # the command table (a package-level tuple; read when an email is built)
from service.bus import CommandRequest
from service.domain.card import participant_card as card
from service.domain.model import Person
from service.email_command import Commands
from service.emails import coordinators, grade_name
from service.errors import DomainError
from service.messages import Email, person_context, recipient
from service.purpose import GENERAL, Purpose
from service.standing import standing
from service.store.unit_of_work import UnitOfWork

# `card` is the one participant card (service.domain.card), re-exported for handlers and jobs.
__all__ = ["card", "coordinators", "grade_name"]


def commands_for(uow: UnitOfWork, person: Person, purpose: Purpose = GENERAL) -> Commands:
    """What `person` may send now in reply to an email asking `purpose`: its footer."""
    return handlers.TABLE.offered(standing(uow, person), purpose)


def coordinator_commands() -> Commands:
    """What a coordinator may send about a participant: the footer of their answers."""
    return handlers.TABLE.for_coordinators()



def email_to(
    person: Person,
    template: str,
    key: str,
    uow: UnitOfWork,
    *,
    context: dict[str, Any] | None = None,
    purpose: Purpose = GENERAL,
    request: CommandRequest | None = None,
    automatic_answer: bool = False,
) -> Email:
    """An email to a participant with the shared context (person, commands available now).

    When `request` is given the email answers it, in the same thread, and counts as an
    automatic answer: one shared daily limit per sender for every kind (flood.py).
    """
    thread = request.thread.reply_headers() if request is not None else {}
    return Email(
        key=key,
        template=template,
        to=recipient(person),
        context={
            "person": person_context(person),
            "commands": commands_for(uow, person, purpose),
            **(context or {}),
        },
        purpose=purpose,
        automatic_answer=automatic_answer or request is not None,
        **thread,
    )


def require_person(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.repo.person(person_id)
    if person is None:
        raise DomainError("We could not find that person.")
    return person


def answer_key(request: CommandRequest, what: str) -> str:
    """A dedupe key for an answer to one inbound message: replaying it sends nothing new."""
    return f"answer:{what}:{request.thread.message_id or '-'}:{request.person.id}"
