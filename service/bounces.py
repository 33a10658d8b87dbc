"""Automated mail proves itself: delivery reports and out-of-office replies.

Anyone can send us a message that looks like a bounce, so a report changes someone's
state only when it refers to a message we sent: the Message-ID of one of our emails in
the returned headers (the person is that email's recipient), or one of our reply tokens
(secret, bound to the person) in the returned message. An address in the report's own
text (X-Failed-Recipients, the DSN fields) never names anyone: it is the attacker's to
write. A permanent failure marks the person `bouncing_since` (the outbox then stops
writing to them) and the email failed; a delay is only noted.

An out-of-office pauses nudges only for the person whose address it comes from *and*
whose token (or one of our Message-IDs sent to that address) it carries, and for at most
`[security] out_of_office_max_pause_days`.
"""

from __future__ import annotations

from datetime import date, timedelta
from email.parser import BytesHeaderParser
from email.policy import default
from typing import TYPE_CHECKING

from service.domain.model import Person
from service.domain.rules import day
from service.emails import coordinator_person
from service.inbound.classify import Bounce, Classification, without_reference
from service.mail import tokens
from service.messages import Email, Recipient
from service.store.records import InboundStatus, OutboundMessage, OutboundStatus
from service.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from service.bus import Context
    from service.pipeline import Outcome


def _records(uow: UnitOfWork, bounce: Bounce) -> list[OutboundMessage]:
    found = (uow.repo.outbound_by_message_id(m) for m in bounce.message_ids)
    return [r for r in found if r is not None]


def _person(uow: UnitOfWork, bounce: Bounce, records: list[OutboundMessage]) -> Person | None:
    """Whose mail failed: only from proof that the report is about mail we sent."""
    for token in bounce.tokens:
        record = uow.repo.token(tokens.token_hash(token))  # an expired token still names them
        if record is not None:
            return uow.repo.person(record.person_id)
    for outbound in records:
        if outbound.person_id is not None:
            return uow.repo.person(outbound.person_id)
    # Never bounce.failed_recipients: the report's own text is the sender's to write.
    return None


def record_auto_reply(c: Classification, uow: UnitOfWork, ctx: Context) -> Person | None:
    """An automatic reply: pause nudges for its sender if it proves it is theirs."""
    person = _auto_reply_person(c, uow)
    if person is None or c.kind.value != "auto_reply" or c.auto_reply is None:
        return person
    back = c.auto_reply.return_date
    if back is None:
        return person
    # Nudges wait until they are back, but never longer than the configured pause.
    latest = ctx.today + timedelta(days=ctx.config.security.out_of_office_max_pause_days)
    until: date = min(back, latest)
    person.away_until = until
    uow.audit("person.away", f"person:{person.id}", {"until": until.isoformat()})
    return person


def _auto_reply_person(c: Classification, uow: UnitOfWork) -> Person | None:
    """The person an automatic reply is from: its From address, and proof it answers our
    mail to that address (their token, or our Message-ID in In-Reply-To/References)."""
    person = uow.repo.person_by_email(c.sender) if c.sender else None
    if person is None or person.id is None:
        return None
    if c.token:
        record = uow.repo.token(tokens.token_hash(c.token))
        if record is not None and record.person_id == person.id:
            return person
    for message_id in c.our_references:
        outbound = uow.repo.outbound_by_message_id(message_id)
        if outbound is not None and outbound.person_id == person.id:
            return person
    return None


def _subject(record: OutboundMessage) -> str:
    """The bounced email as coordinators know it: its subject, never our template's name."""
    subject = str(BytesHeaderParser(policy=default).parsebytes(record.raw).get("Subject", ""))
    return f"“{without_reference(subject)}”"


def _escalations(
    person: Person, records: list[OutboundMessage], c: Classification, ctx: Context
) -> list[Email]:
    assert person.bouncing_since is not None
    details = [
        ("Participant", f"{person.name} <{person.email}>" if person.name else person.email),
        ("Bouncing since", day(person.bouncing_since, ctx.tz)),
    ]
    if records:
        details.append(("Email that bounced", "; ".join(sorted({_subject(r) for r in records}))))
    details.append(("Report", c.reason))
    context = {
        "person": coordinator_person(""),
        "commands": ctx.commands.for_coordinators(),
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
