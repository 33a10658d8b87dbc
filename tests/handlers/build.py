"""The one way handler unit tests build what a handler is asked: `ask` for a command
(with the reply's token purpose, if it answered an email), `submit` for a form.

Kept in one place because how a request carries its purpose is changing (issue 12's
typed `Purpose`): the tests themselves only say what was sent, by whom, in answer to what.
"""

from __future__ import annotations

from datetime import date

from service.bus import CommandRequest, FormRequest, Thread
from service.domain.model import Person
from service.inbound.commands import Command
from service.inbound.forms import FormResult, Registration
from service.purpose import GENERAL, Purpose, Resolved, parse
from tests.inbound.helpers import Verb


def ask(
    person: Person,
    verb: Verb,
    *,
    purpose: Purpose | str = GENERAL,  # a str is the stored form: "approach:12"
    choice: str | None = None,
    minutes: int | None = None,
    on: date | None = None,
    note: str = "",
    reason: str = "",
    coordinator: str | None = None,
) -> CommandRequest:
    """`person` sent `verb` (as a reply to an email whose token was for `purpose`);
    with `coordinator`, a coordinator sent it about `person`."""
    command = Command(
        verb,
        choice=choice,
        minutes=minutes,
        on=on,
        note=note,
        reason=reason,
        target=person.email if coordinator else None,
    )
    return CommandRequest(
        command=command,
        person=person,
        about=Resolved(parse(purpose) if isinstance(purpose, str) else purpose),
        thread=Thread(message_id="<asked@test>"),
        coordinator=coordinator,
    )


def submit(
    registration: Registration | None = None,
    *,
    problems: tuple[str, ...] = (),
    contact: str | None = None,
) -> FormRequest:
    """A registration form from the trusted relay: complete, or with its problems."""
    return FormRequest(
        FormResult(registration, problems, contact), thread=Thread(message_id="<form@test>")
    )
