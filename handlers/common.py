"""What every handler shares: the small pieces of template context built the same way
everywhere. A person's standing lives in `service.standing`; the commands open to them
are the answer of the command table a handler is given (`ctx.commands`)."""

from __future__ import annotations

from typing import Any

from service import emails
from service.bus import CommandRequest, Context
from service.domain.card import participant_card as card
from service.domain.model import Person
from service.emails import coordinators, grade_name
from service.errors import DomainError
from service.messages import Email
from service.purpose import GENERAL, Purpose
from service.store.unit_of_work import UnitOfWork

# `card` is the one participant card (service.domain.card), re-exported for handlers.
__all__ = ["card", "coordinators", "grade_name"]


def email_to(
    person: Person,
    template: str,
    key: str,
    uow: UnitOfWork,
    ctx: Context,
    *,
    context: dict[str, Any] | None = None,
    purpose: Purpose = GENERAL,
    request: CommandRequest | None = None,
    automatic_answer: bool = False,
) -> Email:
    """`service.emails.email_to` with the handler's command table; when `request` is
    given the email answers it, in the same thread (an automatic answer)."""
    return emails.email_to(
        person,
        template,
        key,
        uow,
        ctx.commands,
        context=context,
        purpose=purpose,
        thread=request.thread if request is not None else None,
        automatic_answer=automatic_answer,
    )


def require_person(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.repo.person(person_id)
    if person is None:
        raise DomainError("We could not find that person.")
    return person


def answer_key(request: CommandRequest, what: str) -> str:
    """A dedupe key for an answer to one inbound message: replaying it sends nothing new."""
    return f"answer:{what}:{request.thread.message_id or '-'}:{request.person.id}"
