"""EDIT MEETING and DELETE MEETING: a coordinator corrects a logged meeting ("say it
replaces the last one, and a coordinator will correct it").

From the coordinators only (`EDIT MEETING someone@… 2 45 mins 12/03`, `DELETE MEETING
someone@… 2` from a verified coordinator address, or `mentoring meeting edit|delete`).
Meetings are numbered as the person's story lists them (`service.corrections.in_order`).
Nobody is emailed: the coordinator is answering the person who asked.
"""

from __future__ import annotations

from handlers.correcting import answer, record
from service import corrections
from service.bus import CommandRequest, Context
from service.domain.model import Meeting
from service.email_command import EmailCommand
from service.inbound.coordinator_args import meeting_number
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def _numbered(request: CommandRequest, uow: UnitOfWork) -> tuple[int, Meeting]:
    person = request.person
    assert person.id is not None
    number = int(request.command.choice or 0)
    pairings = [p.id for p in uow.repo.pairings_of(person.id) if p.id is not None]
    return number, corrections.meeting_numbered(uow.repo.meetings_of(pairings), number)


def edit_meeting(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    number, meeting = _numbered(request, uow)
    change = corrections.edit_meeting(
        meeting, request.command.minutes, request.command.on, ctx.today
    )
    pairing = uow.repo.pairing(meeting.pairing_id)
    uow.audit("meeting.edited", f"pairing:{meeting.pairing_id}", {"meeting": meeting.id})
    made = record(
        uow,
        request,
        "meeting.edited",
        ctx,
        person=request.person,
        pairing=pairing,
        detail={"number": number, "meeting": meeting.id, **change},
    )
    return answer(request, uow, ctx, made, [])


def delete_meeting(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    number, meeting = _numbered(request, uow)
    was = {"minutes": meeting.minutes, "met_on": meeting.met_on.isoformat()}
    pairing = uow.repo.pairing(meeting.pairing_id)
    uow.delete(meeting)
    uow.audit("meeting.deleted", f"pairing:{meeting.pairing_id}", {"meeting": meeting.id})
    made = record(
        uow,
        request,
        "meeting.deleted",
        ctx,
        person=request.person,
        pairing=pairing,
        detail={"number": number, "was": was},
    )
    return answer(request, uow, ctx, made, [])


EDIT_MEETING: EmailCommand = EmailCommand(
    verb="edit_meeting",
    spellings=("edit meeting",),
    handler=edit_meeting,
    shown="EDIT MEETING",
    help="correct a logged meeting",
    available=lambda _s: False,  # coordinators only
    arguments=meeting_number,
    targeted=True,
    coordinator_shown="EDIT MEETING <email> N [45 mins] [12/03]",
    coordinator_help="correct their meeting N, as their STATUS lists it (nobody is told)",
    verified_only=True,
)

DELETE_MEETING: EmailCommand = EmailCommand(
    verb="delete_meeting",
    spellings=("delete meeting",),
    handler=delete_meeting,
    shown="DELETE MEETING",
    help="delete a logged meeting",
    available=lambda _s: False,  # coordinators only
    arguments=meeting_number,
    targeted=True,
    coordinator_shown="DELETE MEETING <email> N",
    coordinator_help="delete their meeting N, logged by mistake (nobody is told)",
    verified_only=True,
)
