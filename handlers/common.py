"""What every handler shares: the small pieces of template context built the same way
everywhere. A person's standing and the commands open to them live in `service.standing`."""

from __future__ import annotations

from service.bus import CommandRequest
from service.domain.card import participant_card as card
from service.domain.model import Person
from service.emails import coordinators, email_to, grade_name
from service.errors import DomainError
from service.standing import Commands, Standing, available_commands, standing
from service.store.unit_of_work import UnitOfWork

# Re-exported for the handlers: `card` is the one participant card (service.domain.card);
# the email helpers live in `service.emails` (the jobs build the same emails).
__all__ = [
    "Commands",
    "Standing",
    "available_commands",
    "card",
    "coordinators",
    "email_to",
    "grade_name",
    "standing",
]


def require_person(uow: UnitOfWork, person_id: int) -> Person:
    person = uow.repo.person(person_id)
    if person is None:
        raise DomainError("We could not find that person.")
    return person


def answer_key(request: CommandRequest, what: str) -> str:
    """A dedupe key for an answer to one inbound message: replaying it sends nothing new."""
    return f"answer:{what}:{request.thread.message_id or '-'}:{request.person.id}"
