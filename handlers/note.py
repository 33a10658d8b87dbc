"""NOTE: a coordinator keeps a note about a participant, or about a partnership.

From the coordinators only (`NOTE someone@… [partner@…] the words` from a verified
coordinator address, or `mentoring person note` / `mentoring pairing note`). Nobody is
emailed; the note shows in both people's story (`mentoring person show`, STATUS by a
coordinator) with who wrote it and when. It is personal data: in the export of each
person it is about (MY DATA, without the coordinator's address), erased with either person.
"""

from __future__ import annotations

from handlers.correcting import answer, pairing_between, participant, record
from service import corrections
from service.bus import CommandRequest, Context
from service.email_command import EmailCommand
from service.inbound.coordinator_args import note as note_arguments
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def note(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    words = corrections.ensure_note(request.command.note)
    if request.command.choice:
        other = participant(uow, request.command.choice)
        pairing = pairing_between(uow, request.person, other)
        made = record(
            uow, request, "pairing.note", ctx, person=request.person, pairing=pairing, note=words
        )
    else:
        made = record(uow, request, "person.note", ctx, person=request.person, note=words)
    return answer(request, uow, ctx, made, [])


NOTE: EmailCommand = EmailCommand(
    verb="note",
    spellings=("note",),
    handler=note,
    shown="NOTE",
    help="keep a coordinator's note",
    available=lambda _s: False,  # coordinators only
    arguments=note_arguments,
    targeted=True,
    coordinator_shown="NOTE <email> [<partner>] your words",
    coordinator_help="keep a note in their story (nobody is told; they see it in MY DATA)",
    verified_only=True,
)
