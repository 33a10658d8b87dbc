"""REOPEN: a coordinator opens an ended partnership again ("reply and a coordinator will
reopen it", the stale closure's promise).

From the coordinators only (`REOPEN someone@… [partner@…]` from a verified coordinator
address, or `mentoring pairing reopen`). The partnership is active again with a clean
slate for check-ins and reminders, its end date moved on when it had passed; both are
told with `pairing_started` ("a coordinator has reopened…").
"""

from __future__ import annotations

from handlers.correcting import answer, pairing_between, participant, record
from handlers.pair import started_emails
from handlers.partners import person_or_refuse
from service import corrections
from service.bus import CommandRequest, Context
from service.email_command import EmailCommand
from service.inbound.coordinator_args import two_people
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def reopen(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    other = participant(uow, request.command.choice) if request.command.choice else None
    pairing = pairing_between(uow, person, other, active=False)
    mentor = person_or_refuse(uow, pairing.mentor_id)
    mentee = person_or_refuse(uow, pairing.mentee_id)
    assert mentee.id is not None
    was = corrections.reopen(
        pairing, uow.repo.active_pairing_of_mentee(mentee.id), ctx.now, ctx.config
    )
    uow.audit(
        "pairing.reopened",
        f"pairing:{pairing.id}",
        {"was": was.value if was else None},
        actor="coordinator",
    )
    made = record(
        uow,
        request,
        "pairing.reopened",
        ctx,
        person=person,
        pairing=pairing,
        detail={"was": was.value if was else None},
    )
    uow.flush()
    return answer(
        request, uow, ctx, made, started_emails(uow, pairing, mentor, mentee, ctx, "reopened")
    )


REOPEN: EmailCommand = EmailCommand(
    verb="reopen",
    spellings=("reopen",),
    handler=reopen,
    shown="REOPEN",
    help="reopen an ended mentoring partnership",
    available=lambda _s: False,  # coordinators only
    arguments=two_people,
    targeted=True,
    coordinator_shown="REOPEN <email> [<partner>]",
    coordinator_help="open their ended partnership again (both are told)",
    verified_only=True,
)
