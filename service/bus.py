"""The message bus: which handler answers which request.

`service` never imports `handlers`; the handlers register themselves here when the
`handlers` package is imported (`load_handlers()`), as DESIGN.md asks. A handler is a
function ``(request, uow, ctx) -> list[Email]``: it checks the rules, changes state in
the unit of work, writes audit events, and returns the emails to send. It raises
`DomainError` to refuse; the pipeline then rolls everything back and answers the
person with that sentence.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from service.config import ProgrammeConfig
from service.messages import Email
from service.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from service.domain.model import Person
    from service.inbound.commands import Command
    from service.inbound.forms import FormResult


@dataclass(frozen=True)
class Context:
    """What every handler may know besides the request: configuration and the time."""

    config: ProgrammeConfig
    now: datetime

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
    purpose: str = ""  # what the reply token was issued for, e.g. "approach:12"
    thread: Thread = field(default_factory=Thread)
    coordinator: str | None = None  # set when a coordinator acts on `person`


@dataclass(frozen=True)
class FormRequest:
    """A registration form submission from a trusted form relay."""

    form: FormResult
    thread: Thread = field(default_factory=Thread)
    # The registered person confirmed this form by email (handlers.form_update).
    confirmed: bool = False


Request = CommandRequest | FormRequest
Handler = Callable[[Any, UnitOfWork, Context], list[Email]]

_command_handlers: dict[str, Handler] = {}
_form_handler: list[Handler] = []


def handles(*verbs: str) -> Callable[[Handler], Handler]:
    """Register a handler for command verbs (the values of `service.inbound.commands.Verb`)."""

    def register(fn: Handler) -> Handler:
        for verb in verbs:
            if verb in _command_handlers and _command_handlers[verb] is not fn:
                raise RuntimeError(f"two handlers for {verb!r}")
            _command_handlers[verb] = fn
        return fn

    return register


def handles_forms(fn: Handler) -> Handler:
    _form_handler[:] = [fn]
    return fn


def load_handlers() -> None:
    importlib.import_module("handlers")


def command_handler(verb: str) -> Handler | None:
    load_handlers()
    return _command_handlers.get(verb)


def form_handler() -> Handler:
    load_handlers()
    if not _form_handler:
        raise RuntimeError("no registration form handler is registered")
    return _form_handler[0]
