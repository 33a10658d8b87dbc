"""HOLD: a coordinator stops the unresponsiveness ladder for one pairing.

When the last reminder goes to a quiet partner the coordinators are told, and their
email offers HOLD, bound by its reply token to that pairing. Only a coordinator may send
it, on the Security model's evidence: a verified coordinator address acts at once, any
other From: coordinators@… is first asked to confirm (`service.pipeline`). HOLD stops
the reminders and the unpairing (`liveness.hold_ladder`); the coordinators take it from
there. Nothing is sent to either partner.
"""

from __future__ import annotations

from handlers.common import answer_key
from service.bus import CommandRequest, Context
from service.domain import liveness
from service.domain.model import Pairing
from service.email_command import EmailCommand
from service.emails import coordinator_person
from service.errors import DomainError
from service.messages import Email, Recipient
from service.purpose import PurposeKind
from service.store.unit_of_work import UnitOfWork


def _held_pairing(uow: UnitOfWork, request: CommandRequest) -> Pairing | None:
    """The pairing the coordinators' email was about; after a confirmation round trip
    (which names only the person), the one where that person is the quiet side."""
    if request.about.pairing is not None:
        return request.about.pairing
    assert request.person.id is not None
    pairings = uow.repo.active_pairings_of(request.person.id)
    return next((p for p in pairings if p.silent_id == request.person.id), None)


def hold(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    if request.coordinator is None:
        raise DomainError("Only the programme's coordinators can send HOLD.")
    pairing = _held_pairing(uow, request)
    quiet = request.person
    held = pairing is not None and liveness.hold_ladder(pairing)
    if held:
        assert pairing is not None
        uow.audit("pairing.ladder_held", f"pairing:{pairing.id}", actor="coordinator")
    return [
        Email(
            key=answer_key(request, f"ladder-held:{request.coordinator}"),
            template="ladder_held",
            to=Recipient(address=request.coordinator, name="Mentoring coordinators"),
            context={
                "person": coordinator_person(request.coordinator),
                "commands": ctx.commands.for_coordinators(),
                "held": held,
                "quiet": {"name": quiet.name, "email": quiet.email},
            },
            **request.thread.reply_headers(),
        )
    ]


HOLD: EmailCommand = EmailCommand(
    verb="hold",
    spellings=("hold",),
    handler=hold,
    shown="HOLD",
    help="stop the reminders and keep this partnership open; we will not end it",
    # Never offered to participants: only the coordinators' ladder notice carries it.
    available=lambda _s: False,
    yes_to=frozenset({PurposeKind.HOLD}),
)
