"""REINSTATE: a coordinator undoes a withdrawal (a WITHDRAW sent by mistake).

From the coordinators only (`REINSTATE someone@…` from a verified coordinator address, or
`mentoring person reinstate`). The registration in their latest round is confirmed again
(or waits for confirmation, if it never was); what the withdrawal closed stays closed (a
partnership can be reopened with REOPEN). The person is told with the STATUS email: what
we hold about their place now.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.correcting import answer, record
from handlers.partners import latest
from handlers.status import status_context
from service import corrections
from service.bus import CommandRequest, Context
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound.coordinator_args import person
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def reinstate(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    who = request.person
    round_, registration = latest(uow, who)
    if round_ is None or registration is None:
        raise DomainError(f"{who.email} is not registered for a round.")
    status = corrections.reinstate(registration)
    uow.audit(
        "registration.reinstated",
        f"registration:{registration.id}",
        {"status": status.value},
        actor="coordinator",
    )
    made = record(
        uow, request, "registration.reinstated", ctx, person=who, detail={"round": round_.name}
    )
    uow.flush()
    told = email_to(
        who,
        "status",
        f"reinstated:{registration.id}:{ctx.now.isoformat()}",
        uow,
        ctx,
        context={**status_context(uow, who, ctx), "reinstated": True},
    )
    return answer(request, uow, ctx, made, [told])


REINSTATE: EmailCommand = EmailCommand(
    verb="reinstate",
    spellings=("reinstate",),
    handler=reinstate,
    shown="REINSTATE",
    help="undo a withdrawal",
    available=lambda _s: False,  # coordinators only
    arguments=person,
    targeted=True,
    coordinator_help="undo their withdrawal (they get their STATUS)",
    verified_only=True,
)
