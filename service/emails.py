"""Emails to participants and to the coordinators, built the same way by the handlers
(answering a command) and the jobs (a time rule): the shared template context (the
person, the commands open to them now). How one person is shown to another is
`service.domain.card.participant_card`."""

from __future__ import annotations

from typing import Any

from service.bus import CommandRequest
from service.config import ProgrammeConfig
from service.domain.model import Person
from service.messages import Email, Recipient, person_context, recipient
from service.standing import available_commands, standing
from service.store.unit_of_work import UnitOfWork


def grade_name(config: ProgrammeConfig, code: str) -> str:
    return config.vocabulary.grade_names.get(code, code)


def email_to(
    person: Person,
    template: str,
    key: str,
    uow: UnitOfWork,
    *,
    context: dict[str, Any] | None = None,
    purpose: str = "",
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
            "commands": available_commands(standing(uow, person)),
            **(context or {}),
        },
        purpose=purpose,
        automatic_answer=automatic_answer or request is not None,
        **thread,
    )


def coordinators(config: ProgrammeConfig) -> list[Recipient]:
    return [
        Recipient(address=a, name="Mentoring coordinators") for a in config.coordinators.addresses
    ]


def to_coordinators(
    key: str, template: str, config: ProgrammeConfig, context: dict[str, Any]
) -> list[Email]:
    """The same email to each coordinator address (a digest, a report, an escalation)."""
    return [
        Email(
            key=f"{key}:{who.address}",
            template=template,
            to=who,
            context={
                "person": {"first_name": "coordinators", "last_name": "", "email": who.address},
                "commands": [],
                **context,
            },
        )
        for who in coordinators(config)
    ]
