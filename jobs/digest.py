"""The coordinators' daily digest: what happened since the last one, and the figures.

Built from the audit trail (ids only, resolved to names here, for the coordinators'
eyes), the inbound records (needs-attention reasons, bounces), and the job failures the
caller reads from RQ. Sent only when there is something to say; the dedupe key names
the day, so a second run the same day sends nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from email.parser import BytesHeaderParser
from email.policy import default
from typing import Any

from sqlalchemy import distinct, func, select

from service import privacy
from service.app import App
from service.domain import rules, timeline
from service.domain.model import AuditEvent, Registration, RegistrationStatus, Role
from service.emails import to_coordinators
from service.mail import outbox
from service.store.orm import (
    audit_events,
    inbound_messages,
    introductions,
    outbound_messages,
    pairings,
    registrations,
)
from service.store.records import InboundMessage, InboundStatus
from service.store.unit_of_work import UnitOfWork

JobFailure = dict[str, Any]  # {job: str, at: datetime, reason: str}


def _since(uow: UnitOfWork, now: datetime) -> datetime:
    """The previous digest's moment, or a day ago."""
    last = uow.session.scalar(
        select(func.max(outbound_messages.c.created_at)).where(
            outbound_messages.c.template == "coordinator_digest",
            outbound_messages.c.created_at < now,
        )
    )
    if last is None:
        return now - timedelta(days=1)
    moment: datetime = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
    return moment


def _events(uow: UnitOfWork, since: datetime, now: datetime, action: str) -> list[AuditEvent]:
    return list(
        uow.session.scalars(
            select(AuditEvent)
            .where(
                audit_events.c.action == action,
                audit_events.c.at > since,
                audit_events.c.at <= now,
            )
            .order_by(audit_events.c.id)
        ).all()
    )


def _id(subject: str) -> int:
    return int(subject.rsplit(":", 1)[1])


def _name(uow: UnitOfWork, person_id: int) -> str:
    person = uow.repo.person(person_id)
    return person.name if person and not person.erased else "(erased)"


def _headers(raw: bytes) -> tuple[str, str]:
    msg = BytesHeaderParser(policy=default).parsebytes(raw)
    return str(msg.get("From", "")), str(msg.get("Subject", ""))


def digest_context(
    uow: UnitOfWork, app: App, now: datetime, job_failures: Sequence[JobFailure]
) -> dict[str, Any]:
    since = _since(uow, now)
    new_regs = uow.session.scalars(
        select(Registration)
        .where(registrations.c.created_at > since, registrations.c.created_at <= now)
        .order_by(registrations.c.id)
    ).all()
    new_registrations = []
    for reg in new_regs:
        person = uow.repo.person(reg.person_id)
        if person is None or person.erased:
            continue
        new_registrations.append(
            {
                "name": person.name,
                "email": person.email,
                "roles": sorted(r.value for r in reg.role_set),
                "department": reg.department,
            }
        )
    window = (inbound_messages.c.processed_at > since, inbound_messages.c.processed_at <= now)
    attention = uow.session.scalars(
        select(InboundMessage)
        .where(inbound_messages.c.status == InboundStatus.NEEDS_ATTENTION, *window)
        .order_by(inbound_messages.c.id)
    ).all()
    needs_attention = []
    for record in attention:
        sender, subject = _headers(record.raw)
        needs_attention.append(
            {
                "received_at": record.received_at,
                "sender": sender,
                "subject": subject,
                "reason": record.reason,
            }
        )
    bounced = uow.session.scalars(
        select(InboundMessage)
        .where(inbound_messages.c.kind == "bounce", *window)
        .order_by(inbound_messages.c.id)
    ).all()
    bounces = []
    for record in bounced:
        person = uow.repo.person(record.person_id) if record.person_id else None
        address = person.email if person else _headers(record.raw)[0]
        bounces.append({"address": address, "reason": record.reason})

    escalations, stale = [], []
    for event in _events(uow, since, now, "pairing.ended"):
        pairing = uow.repo.pairing(_id(event.subject))
        if pairing is None:
            continue
        pair = (_name(uow, pairing.mentor_id), _name(uow, pairing.mentee_id))
        reason = event.detail.get("reason")
        if reason == "unresponsive":
            escalations.append(f"{pair[0]} and {pair[1]}: unpaired after no response.")
        elif reason == "stale":
            stale.append({"mentor": pair[0], "mentee": pair[1], "state": "closed"})
    for event in _events(uow, since, now, "pairing.stale_warned"):
        pairing = uow.repo.pairing(_id(event.subject))
        if pairing is not None:
            stale.append(
                {
                    "mentor": _name(uow, pairing.mentor_id),
                    "mentee": _name(uow, pairing.mentee_id),
                    "state": "warned",
                }
            )
    expired = []
    for event in _events(uow, since, now, "approach.expired"):
        approach = uow.repo.approach(_id(event.subject))
        if approach is not None:
            expired.append(
                {
                    "mentee": _name(uow, approach.mentee_id),
                    "mentor": _name(uow, approach.mentor_id),
                    "expired_on": timeline.local_day(event.at, app.config),
                }
            )
    # Only the retention rule's erasures: the digest line says "under the retention period".
    erased = sum(
        e.detail.get("by") == "retention" for e in _events(uow, since, now, "person.erased")
    )
    failures = [f for f in job_failures if since < f["at"] <= now]
    # Emails refused because their headers were not the ones meant (service/mail/verify.py).
    failures += [
        {
            "job": f"email {e.detail.get('template')} to {e.subject.replace(':', ' ')}",
            "at": e.at,
            "reason": f"not sent: {e.detail.get('reason')}",
        }
        for e in _events(uow, since, now, outbox.REFUSED_EVENT)
    ]
    # Mail of an erased person the mailbox would not let us delete: theirs to remove by hand.
    failures += [
        {
            "job": f"erasure of {e.subject.replace(':', ' ')}",
            "at": e.at,
            "reason": "delete by hand from the mailbox, message ids: "
            + ", ".join(str(i) for i in e.detail["left"]),  # type: ignore[attr-defined]
        }
        for e in _events(uow, since, now, privacy.MAIL_ERASED_EVENT)
        if e.detail.get("left")
    ]
    return {
        "day": timeline.local_day(now, app.config),
        "attention_count": len(needs_attention) + len(escalations) + len(bounces) + len(failures),
        "new_registrations": new_registrations,
        "needs_attention": needs_attention,
        "escalations": escalations,
        "expired_approaches": expired,
        "stale_pairings": stale,
        "bounces": bounces,
        "job_failures": failures,
        "erased": erased,
    }


NEWS = (
    "new_registrations",
    "needs_attention",
    "escalations",
    "expired_approaches",
    "stale_pairings",
    "bounces",
    "job_failures",
    "erased",
)


def figures(uow: UnitOfWork) -> dict[str, Any]:
    """The running figures for the latest round, plus every pairing and meeting so far."""
    rounds = uow.repo.rounds()
    regs = list(uow.repo.registrations(rounds[-1].id)) if rounds and rounds[-1].id else []
    confirmed = [r for r in regs if r.status is RegistrationStatus.CONFIRMED]
    count = uow.session.scalar
    met = rules.distinct_meetings(uow.repo.all_meetings())  # logged by both: once
    minutes = sum(m.minutes for m in met)
    return {
        "registrations": len(regs),
        "confirmed": len(confirmed),
        "mentors": sum(r.has_role(Role.MENTOR) for r in confirmed),
        "mentees": sum(r.has_role(Role.MENTEE) for r in confirmed),
        "matched_mentees": count(
            select(func.count(distinct(introductions.c.mentee_id))).where(
                introductions.c.status != "proposed"
            )
        )
        or 0,
        "active_pairings": count(
            select(func.count()).select_from(pairings).where(pairings.c.status == "active")
        )
        or 0,
        "meetings": len(met),
        "hours_met": round(minutes / 60, 1),
    }


def send_digest(app: App, now: datetime, job_failures: Sequence[JobFailure] = ()) -> int:
    """Queue today's digest if there is news. Returns the number of emails queued."""
    with app.uow(actor="job:digest") as uow:
        context = digest_context(uow, app, now, job_failures)
        if not any(context[k] for k in NEWS):
            return 0
        # Only on a day with news: the figures read the whole round.
        context["figures"] = figures(uow)
        key = f"digest:{context['day'].isoformat()}"
        emails = to_coordinators(key, "coordinator_digest", app.config, context)
        queued = outbox.queue_all(uow, emails, app.config)
        uow.commit()
        return len(queued)
