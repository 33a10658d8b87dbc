"""The emails handlers (answering a command) and jobs (a time rule) build alike: one to a
participant, with the commands open to them now, and one to each coordinator.

The footer comes from the command table the caller is given (a handler's `ctx.commands`,
a job's `app.commands`): there is one route to the table, and `service` never reaches
into `handlers` for it. How one person is shown to another is
`service.domain.card.participant_card`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from service.config import ProgrammeConfig
from service.messages import Email, Recipient, person_context, recipient
from service.purpose import GENERAL, Purpose
from service.standing import standing

if TYPE_CHECKING:
    from service.bus import Thread
    from service.domain.model import Person
    from service.email_command import Commands, CommandTable
    from service.store.unit_of_work import UnitOfWork


def grade_name(config: ProgrammeConfig, code: str) -> str:
    return config.vocabulary.grade_names.get(code, code)


def coordinators(config: ProgrammeConfig) -> list[Recipient]:
    return [
        Recipient(address=a, name="Mentoring coordinators") for a in config.coordinators.addresses
    ]


def coordinator_person(address: str) -> dict[str, str]:
    """The `person` of an email to a coordinator address."""
    return {"first_name": "coordinators", "last_name": "", "email": address}


def to_coordinators(
    key: str, template: str, config: ProgrammeConfig, context: dict[str, Any]
) -> list[Email]:
    """The same email to each coordinator address (a digest, a report, an escalation)."""
    return [
        Email(
            key=f"{key}:{who.address}",
            template=template,
            to=who,
            context={"person": coordinator_person(who.address), "commands": [], **context},
        )
        for who in coordinators(config)
    ]


def commands_for(
    uow: UnitOfWork, person: Person, table: CommandTable, purpose: Purpose = GENERAL
) -> Commands:
    """What `person` may send now in reply to an email asking `purpose`: its footer."""
    return table.offered(standing(uow, person), purpose)


def email_to(
    person: Person,
    template: str,
    key: str,
    uow: UnitOfWork,
    table: CommandTable,
    *,
    context: dict[str, Any] | None = None,
    purpose: Purpose = GENERAL,
    thread: Thread | None = None,
    automatic_answer: bool = False,
) -> Email:
    """An email to a participant with the shared context (person, commands available now).

    When `thread` is given the email answers that message, in the same conversation, and
    counts as an automatic answer: one shared daily limit per sender for every kind
    (flood.py).
    """
    headers = thread.reply_headers() if thread is not None else {}
    return Email(
        key=key,
        template=template,
        to=recipient(person),
        context={
            "person": person_context(person),
            "commands": commands_for(uow, person, table, purpose),
            **(context or {}),
        },
        purpose=purpose,
        automatic_answer=automatic_answer or thread is not None,
        **headers,
    )


def coordinator_refusal(
    coordinator: str, sentence: str, key: str, commands: CommandTable, **thread: Any
) -> Email:
    """A verified coordinator's command we could not carry out: what was wrong, in their
    words (`correction_done` with `refused`); nothing was changed."""
    return Email(
        key=key,
        template="correction_done",
        to=Recipient(address=coordinator, name="Mentoring coordinators"),
        context={
            "person": coordinator_person(coordinator),
            "commands": commands.for_coordinators(),
            "refused": sentence,
            "done": "",
            "done_short": "",
            "told": [],
        },
        automatic_answer=True,
        **thread,
    )
