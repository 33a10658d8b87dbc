"""The coordinators' daily digest: what happened since the last one, and the figures.

Built from the audit trail (ids only, resolved to names here, for the coordinators'
eyes), the inbound records (needs-attention reasons, bounces), and the job failures the
caller reads from RQ. Sent only when there is something to say; the dedupe key names
the day, so a second run the same day sends nothing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from service import attention, privacy
from service.app import App
from service.domain import rules, timeline
from service.domain.model import AuditEvent, RegistrationStatus, Role
from service.emails import to_coordinators
from service.mail import outbox
from service.store.records import InboundMessage
from service.store.unit_of_work import UnitOfWork

JobFailure = dict[str, Any]  # {job: str, at: datetime, reason: str}


def _since(uow: UnitOfWork, now: datetime) -> datetime:
    """The previous digest's moment, or a day ago."""
    last = uow.repo.latest_email_at("coordinator_digest", before=now)
    if last is None:
        return now - timedelta(days=1)
    moment: datetime = last if last.tzinfo else last.replace(tzinfo=now.tzinfo)
    return moment


def _events(uow: UnitOfWork, since: datetime, now: datetime, action: str) -> list[AuditEvent]:
    return list(uow.repo.audit_events(action, since, now))


def _id(subject: str) -> int:
    return int(subject.rsplit(":", 1)[1])


def _name(uow: UnitOfWork, person_id: int) -> str:
    person = uow.repo.person(person_id)
    return person.name if person and not person.erased else "(erased)"


def _email_to(uow: UnitOfWork, event: AuditEvent) -> str:
    """An email named as coordinators know it: its kind in words and who it was for,
    never our template's id or a record id."""
    kind = str(event.detail.get("template", "")).replace("_", " ")
    who = event.subject.removeprefix("person:")
    to = f" to {_name(uow, int(who))}" if who.isdigit() else ""
    return f"an email ({kind}){to}"


_TO_PARTICIPANT = re.compile(r"\b(?:you|your|you're|yours)\b", re.IGNORECASE)


def for_coordinators(reason: str) -> str:
    """A reason as the coordinators read it. Some reasons are the answer we sent the
    participant ("We could not read when you met…"): quoted as that answer, not written
    to the coordinators as if it were about them."""
    if _TO_PARTICIPANT.search(reason):
        return f"we answered them: “{reason.removeprefix('refused: ')}”"
    return reason


def digest_context(
    uow: UnitOfWork, app: App, now: datetime, job_failures: Sequence[JobFailure]
) -> dict[str, Any]:
    context, overdue = _news(uow, app, now, job_failures)
    return _with_overdue(context, overdue, app, now)


def _news(
    uow: UnitOfWork, app: App, now: datetime, job_failures: Sequence[JobFailure]
) -> tuple[dict[str, Any], list[InboundMessage]]:
    """The digest's context but for the overdue worklist's entries, and the overdue
    records: those are not news, and reading each one's text every quiet day (to send
    nothing) cost more than the rest of the digest."""
    since = _since(uow, now)
    needs_attention, overdue, crossed = _needs_attention(uow, app, since, now)
    escalations, stale = _ended_and_stale(uow, since, now)
    bounces = _bounces(uow, since, now)
    failures = _failures(uow, since, now, job_failures)
    # Only the retention rule's erasures: the digest line says "under the retention period".
    erased = sum(
        e.detail.get("by") == "retention" for e in _events(uow, since, now, "person.erased")
    )
    context = {
        "day": timeline.local_day(now, app.config),
        "attention_count": len(needs_attention)
        + len(overdue)
        + len(escalations)
        + len(bounces)
        + len(failures),
        "new_registrations": _new_registrations(uow, since, now),
        "needs_attention": needs_attention,
        "attention_overdue_news": crossed,
        "escalations": escalations,
        "expired_approaches": _expired(uow, app, since, now),
        "stale_pairings": stale,
        "bounces": bounces,
        "job_failures": failures,
        "erased": erased,
    }
    return context, overdue


def _with_overdue(
    context: dict[str, Any], overdue: list[InboundMessage], app: App, now: datetime
) -> dict[str, Any]:
    """Listed whenever a digest goes out; news only on the day one crosses two days."""
    entries = [_attention_entry(attention.item(r, now, app.config)) for r in overdue]
    return {**context, "overdue_attention": entries}


def _new_registrations(uow: UnitOfWork, since: datetime, now: datetime) -> list[dict[str, Any]]:
    found = []
    for reg in uow.repo.registrations_created(since, now):
        person = uow.repo.person(reg.person_id)
        if person is None or person.erased:
            continue
        found.append(
            {
                "name": person.name,
                "email": person.email,
                "roles": sorted(r.value for r in reg.role_set),
                "department": reg.department,
            }
        )
    return found


def _needs_attention(
    uow: UnitOfWork, app: App, since: datetime, now: datetime
) -> tuple[list[dict[str, Any]], list[InboundMessage], bool]:
    """The worklist as the digest shows it: messages set aside since the last digest, and
    the records of those still waiting after two working days (flagged). The third value
    says whether one crossed those two days since the last digest (news, so a digest
    goes out)."""
    new: list[dict[str, Any]] = []
    overdue: list[InboundMessage] = []
    crossed = False
    for record in uow.repo.needs_attention():
        if record.processed_at is not None and since < record.processed_at <= now:
            new.append(_attention_entry(attention.item(record, now, app.config)))
        elif attention.overdue(record.received_at, now, app.config):
            overdue.append(record)
            crossed |= since < attention.due(record.received_at, app.config)
    return new, overdue, crossed


def _attention_entry(item: attention.Item) -> dict[str, Any]:
    return {
        "number": item.id,
        "received_at": item.received_at,
        "sender": item.sender,
        "subject": item.subject,
        "reason": for_coordinators(item.reason),
        "excerpt": item.excerpt,
        "waited": item.waited,
        "overdue": item.overdue,
    }


def _bounces(uow: UnitOfWork, since: datetime, now: datetime) -> list[dict[str, Any]]:
    found = []
    for record in uow.repo.inbound_processed(since, now, kind="bounce"):
        person = uow.repo.person(record.person_id) if record.person_id else None
        address = person.email if person else attention.headers(record.raw)[0]
        found.append({"address": address, "reason": record.reason})
    return found


def _ended_and_stale(
    uow: UnitOfWork, since: datetime, now: datetime
) -> tuple[list[str], list[dict[str, str]]]:
    """Pairings unpaired for silence (escalations), and those closed or warned as stale."""
    escalations: list[str] = []
    stale: list[dict[str, str]] = []
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
    return escalations, stale


def _expired(uow: UnitOfWork, app: App, since: datetime, now: datetime) -> list[dict[str, Any]]:
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
    return expired


def _failures(
    uow: UnitOfWork, since: datetime, now: datetime, job_failures: Sequence[JobFailure]
) -> list[JobFailure]:
    failures = [f for f in job_failures if since < f["at"] <= now]
    # Emails refused because their headers were not the ones meant (service/mail/verify.py).
    failures += [
        {
            "job": _email_to(uow, e),
            "at": e.at,
            "reason": f"not sent: {e.detail.get('reason')}",
        }
        for e in _events(uow, since, now, outbox.REFUSED_EVENT)
    ]
    # Emails we stopped sending halfway (SMTP took them, or was about to): not sent again.
    failures += [
        {
            "job": _email_to(uow, e),
            "at": e.at,
            "reason": "may have been sent: the mail server was being given it when the service"
            " stopped, so it was not sent again. Its copy is in the Sent folder, marked as a"
            " draft: ask the person whether it arrived, and forward it if not",
        }
        for e in _events(uow, since, now, outbox.MAYBE_SENT_EVENT)
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
    return failures


NEWS = (
    "new_registrations",
    "needs_attention",
    "attention_overdue_news",
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
    met = rules.distinct_meetings(uow.repo.all_meetings())  # logged by both: once
    minutes = sum(m.minutes for m in met)
    return {
        "registrations": len(regs),
        "confirmed": len(confirmed),
        "mentors": sum(r.has_role(Role.MENTOR) for r in confirmed),
        "mentees": sum(r.has_role(Role.MENTEE) for r in confirmed),
        "matched_mentees": uow.repo.matched_mentee_count(),
        "active_pairings": len(uow.repo.all_active_pairings()),
        "meetings": len(met),
        "hours_met": round(minutes / 60, 1),
    }


def send_digest(app: App, now: datetime, job_failures: Sequence[JobFailure] = ()) -> int:
    """Queue today's digest if there is news. Returns the number of emails queued."""
    with app.uow(actor="job:digest") as uow:
        news, overdue = _news(uow, app, now, job_failures)
        if not any(news[k] for k in NEWS):
            return 0
        context = _with_overdue(news, overdue, app, now)
        # Only on a day with news: the figures read the whole round.
        context["figures"] = figures(uow)
        key = f"digest:{context['day'].isoformat()}"
        emails = to_coordinators(key, "coordinator_digest", app.config, context)
        queued = outbox.queue_all(uow, emails, app.config, automatic=True)
        uow.commit()
        return len(queued)
