"""RESUME: the end of a PAUSE (`handlers/pause.py`), before the day it was to end.
Reminders, check-ins and requests start again from now."""

from __future__ import annotations

from handlers.common import email_to
from service.bus import CommandRequest, Context
from service.domain import rules
from service.email_command import EmailCommand
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def resume(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    rules.resume(person, ctx.now)
    uow.audit("person.resumed", f"person:{person.id}")
    return [
        email_to(
            person,
            "resume_confirmed",
            f"resume-confirmed:{person.id}:{request.thread.message_id or '-'}",
            uow,
            ctx,
            request=request,
        )
    ]


RESUME: EmailCommand = EmailCommand(
    verb="resume",
    spellings=("resume",),
    handler=resume,
    shown="RESUME",
    help="end your pause now",
    available=lambda s: s.paused,
)
