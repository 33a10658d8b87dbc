"""What a handler is given: the request, and the context it runs in.

A handler is a function ``(request, uow, ctx) -> list[Email]``: it checks the rules,
changes state in the unit of work, writes audit events, and returns the emails to send.
It raises `DomainError` to refuse; the pipeline then rolls everything back and answers
the person with that sentence. Which handler answers which command is the command
table's business (`service.email_command`), built by `service.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from service.config import ProgrammeConfig
from service.messages import Email
from service.purpose import NOTHING, Resolved
from service.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from service.domain.model import Person
    from service.email_command import CommandTable
    from service.inbound.commands import Command
    from service.inbound.forms import FormResult


@dataclass(frozen=True)
class Context:
    """What every handler may know besides the request: configuration, the time, and
    the command table (every email's footer is generated from it)."""

    config: ProgrammeConfig
    now: datetime
    commands: CommandTable

    @property
    def today(self) -> date:
        return self.now.astimezone(ZoneInfo(self.config.programme.timezone)).date()

    @property
    def tz(self) -> str:
        return self.config.programme.timezone


@dataclass(frozen=True)
class Thread:
    """How to answer in the same conversation as the message that asked."""

    message_id: str | None = None
    references: tuple[str, ...] = ()

    def reply_headers(self) -> dict[str, Any]:
        if not self.message_id:
            return {"in_reply_to": None, "references": self.references}
        return {"in_reply_to": self.message_id, "references": (*self.references, self.message_id)}


@dataclass(frozen=True)
class CommandRequest:
    """A participant's (or a coordinator's) command, attributed to a person by token."""

    command: Command
    person: Person
    about: Resolved = NOTHING  # what the email replied to asked, and the records it named
    thread: Thread = field(default_factory=Thread)
    coordinator: str | None = None  # set when a coordinator acts on `person`
    # False from the command line, which prints its own answer: no email to the coordinator.
    answer_coordinator: bool = True


@dataclass(frozen=True)
class FormRequest:
    """A registration form submission from a trusted form relay."""

    form: FormResult
    thread: Thread = field(default_factory=Thread)
    # The registered person confirmed this form by email (handlers.form_update).
    confirmed: bool = False


Request = CommandRequest | FormRequest
Handler = Callable[[Any, UnitOfWork, Context], list[Email]]
