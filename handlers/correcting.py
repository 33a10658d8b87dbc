"""What the coordinators' corrections share (PAIR, REOPEN, NOTE, EDIT/DELETE MEETING,
RESEND, REINSTATE; UNPAIR and WITHDRAW when a coordinator sends them).

A correction is only ever a coordinator's: the pipeline gives the handler the verified
sender's address, the command line the `--by` address. Each records a `Correction`
(`service.corrections`) in the same unit of work as the change, and answers a coordinator
who wrote by email with `correction_done`; the command line prints the same sentence.
"""

from __future__ import annotations

from handlers.common import answer_key
from service import corrections
from service.bus import CommandRequest, Context
from service.domain.model import Pairing, Person
from service.emails import coordinator_person
from service.errors import DomainError
from service.messages import Email, Recipient
from service.store.records import Correction
from service.store.unit_of_work import UnitOfWork


def coordinator_of(request: CommandRequest, command: str) -> str:
    if request.coordinator is None:
        raise DomainError(f"Only the programme's coordinators can send {command}.")
    return request.coordinator


def participant(uow: UnitOfWork, address: str | None, what: str = "participant") -> Person:
    """The person with this address, or one plain line saying there is none."""
    person = uow.repo.person_by_email(address) if address else None
    if person is None or person.erased:
        raise DomainError(f"No {what} has the address {(address or '').strip()}.")
    return person


def pairing_between(
    uow: UnitOfWork, person: Person, other: Person | None, *, active: bool | None = None
) -> Pairing:
    """The latest pairing of `person` (with `other`, when named); `active` narrows it."""
    assert person.id is not None
    found = [
        p
        for p in uow.repo.pairings_of(person.id)
        if (other is None or other.id in (p.mentor_id, p.mentee_id))
        and (active is None or p.active is active)
    ]
    if not found:
        state = {True: "open ", False: "ended ", None: ""}[active]
        with_whom = f" with {other.email}" if other is not None else ""
        raise DomainError(f"{person.email} has no {state}partnership{with_whom}.")
    return max(found, key=lambda p: (p.started_at, p.id or 0))


def record(
    uow: UnitOfWork,
    request: CommandRequest,
    action: str,
    ctx: Context,
    *,
    person: Person | None = None,
    pairing: Pairing | None = None,
    detail: dict[str, object] | None = None,
    note: str = "",
) -> Correction:
    """Keep the correction in the audit trail, in the same transaction as the change."""
    coordinator = coordinator_of(request, corrections.ACTIONS[action])
    made = corrections.correction(
        coordinator, action, ctx.now, person=person, pairing=pairing, detail=detail, note=note
    )
    uow.add(made)
    return made


def answer(
    request: CommandRequest,
    uow: UnitOfWork,
    ctx: Context,
    made: Correction,
    emails: list[Email],
    *,
    told: list[str] | None = None,
) -> list[Email]:
    """The emails to the people told, and (by email) the coordinator's acknowledgement."""
    if not request.answer_coordinator or request.coordinator is None:
        return emails
    ids = [i for i in (made.person_id, made.partner_id) if i is not None]
    names = {i: p.name or p.email for i, p in uow.repo.people(ids).items()}
    if told is None:
        told = sorted({e.to.name or e.to.address for e in emails if e.to.person_id is not None})
    sentence = corrections.correction_words(made, names)
    acknowledgement = Email(
        key=answer_key(request, f"correction-done:{request.coordinator}"),
        template="correction_done",
        to=Recipient(address=request.coordinator, name="Mentoring coordinators"),
        context={
            "person": coordinator_person(request.coordinator),
            "commands": ctx.commands.for_coordinators(),
            "done": sentence.removeprefix(request.coordinator).strip() + ".",
            "done_short": corrections.ACTIONS[made.action],
            "told": told,
        },
        **request.thread.reply_headers(),
    )
    return [*emails, acknowledgement]
