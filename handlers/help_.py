"""HELP: the commands a person can send now (the footer, generated from the command
table) and where they are in the programme, in one sentence. Nothing changes."""

from __future__ import annotations

from handlers.common import answer_key, email_to
from handlers.stage import stage_sentence
from service.bus import CommandRequest, Context
from service.email_command import EmailCommand
from service.messages import Email
from service.standing import standing
from service.store.unit_of_work import UnitOfWork


def help_(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    stage = stage_sentence(standing(uow, person), ctx.now, ctx.config)
    return [
        email_to(
            person,
            "help",
            answer_key(request, "help"),
            uow,
            ctx,
            context={"stage": stage},
            request=request,
            automatic_answer=True,
        )
    ]


HELP: EmailCommand = EmailCommand(
    verb="help",
    spellings=("help",),
    handler=help_,
    shown="HELP",
    help="the commands you can send",
    always_offered=True,
    changes_nothing=True,
)
