"""Delivery reports: mark who bounces, tell the coordinators once, never answer.

The person is found by the token in the returned message first (it names them for
certain), then by the Message-ID of our email the report quotes, then by the failed
recipient's address. A permanent failure marks the person `bouncing_since` (the outbox
then stops writing to them) and the email failed; a delay is only noted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.domain.model import Person
from service.domain.rules import day
from service.inbound.classify import Bounce, Classification
from service.mail import tokens
from service.messages import Email, Recipient
from service.store.records import InboundStatus, OutboundMessage, OutboundStatus
from service.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from service.bus import Context
    from service.pipeline import Outcome

COORDINATOR_COMMANDS = [("STATUS <email>", "what we hold about one participant")]


def _records(uow: UnitOfWork, bounce: Bounce) -> list[OutboundMessage]:
    found = (uow.repo.outbound_by_message_id(m) for m in bounce.message_ids)
    return [r for r in found if r is not None]


def _person(uow: UnitOfWork, bounce: Bounce, records: list[OutboundMessage]) -> Person | None:
    for token in bounce.tokens:
        record = uow.repo.token(tokens.token_hash(token))  # an expired token still names them
        if record is not None:
            return uow.repo.person(record.person_id)
    for outbound in records:
        if outbound.person_id is not None:
            return uow.repo.person(outbound.person_id)
    for address in bounce.failed_recipients:
        person = uow.repo.person_by_email(address)
        if person is not None:
            return person
    return None


def _escalations(
    person: Person, records: list[OutboundMessage], c: Classification, ctx: Context
) -> list[Email]:
    assert person.bouncing_since is not None
    details = [
        ("Participant", f"{person.name} <{person.email}>" if person.name else person.email),
        ("Bouncing since", day(person.bouncing_since, ctx.tz)),
    ]
    if records:
        details.append(("Email that bounced", ", ".join(sorted({r.template for r in records}))))
    details.append(("Report", c.reason))
    context = {
        "person": {"first_name": "coordinators", "last_name": "", "email": ""},
        "commands": COORDINATOR_COMMANDS,
        "kind": "bounce",
        "subject_detail": person.email,
        "summary": "Our email to this participant could not be delivered, so we have"
        " stopped writing to them. Their address may have changed or their mailbox may"
        " be full.",
        "details": details,
        "actions": [
            "Check the address with the participant's department, or reach them another way.",
            "Ask them to fill in the registration form again with their current address.",
        ],
    }
    return [
        Email(
            # Once per bouncing spell: a second report while still bouncing sends nothing new.
            key=f"bounce:{person.id}:{person.bouncing_since.isoformat()}:{address}",
            template="coordinator_escalation",
            to=Recipient(address=address, name="Mentoring coordinators"),
            context=context,
        )
        for address in ctx.config.coordinators.addresses
    ]


def record_bounce(c: Classification, uow: UnitOfWork, ctx: Context) -> Outcome:
    """Handle one delivery report. Never answers it."""
    from service.pipeline import Outcome

    bounce = c.bounce
    if bounce is None:
        return Outcome(InboundStatus.NEEDS_ATTENTION, f"{c.reason}; nothing in it could be read")
    records = _records(uow, bounce)
    person = _person(uow, bounce, records)
    person_id = person.id if person is not None else None
    if not bounce.permanent:
        uow.audit(
            "mail.delayed",
            f"person:{person_id}" if person_id else "mail",
            {"outbound": [r.id for r in records]},
        )
        return Outcome(
            InboundStatus.PROCESSED, f"{c.reason}: delivery delayed, noted", [], person_id
        )
    for record in records:
        if record.status is not OutboundStatus.FAILED:
            record.status = OutboundStatus.FAILED
            record.last_error = "bounced"
    if person is None:
        return Outcome(
            InboundStatus.NEEDS_ATTENTION,
            f"{c.reason}; we could not tell whose address failed",
            [],
            None,
        )
    emails: list[Email] = []
    if person.bouncing_since is None:
        person.bouncing_since = ctx.now
        uow.audit("person.bouncing", f"person:{person.id}", {"outbound": [r.id for r in records]})
    if not person.erased:
        emails = _escalations(person, records, c, ctx)
    return Outcome(InboundStatus.PROCESSED, f"{c.reason}: marked bouncing", emails, person.id)
