"""The outbox: every email is stored, rendered, before it is sent, and sent once.

`queue()` runs inside the caller's unit of work, so an email exists if and only if the
state change that caused it was committed. Its dedupe key is unique in the database:
queueing the same logical email again does nothing.

`drain()` sends what is queued. Each record is claimed (queued → sending) in its own
committed step before the provider is called, and marked sent with the provider's id
afterwards. A crash between the provider accepting a message and us recording it leaves
the record in "sending"; the next drain asks the mailbox whether a message with that
Message-ID was sent (`Transport.already_sent`) before sending it again. The remaining
window is a provider that accepted the message but does not show it yet (Graph can take
a few seconds to file it in Sent Items): `RECONCILE_AFTER` waits that long first. When the
mailbox shows we stopped while handing the message over (IMAP + SMTP: `MaybeSent`), it is
not sent again: it is marked failed, "may have been sent", and listed in the coordinators'
digest, since sending twice is worse than a person checking once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from service import clock, privacy
from service.config import ProgrammeConfig
from service.domain import working_time
from service.domain.mail_budget import RECHECKED_WHEN_HELD, still_due_when_released
from service.inbound.flood import Allowance, auto_answer_allowance
from service.mail import tokens
from service.mail.compose import compose
from service.mail.ratelimit import SendLimitExceeded
from service.mail.render import render
from service.mail.retry import RetryPolicy
from service.mail.transport import MaybeSent, Transport, TransportError
from service.mail.verify import EmailRefused
from service.messages import Email
from service.store.database import Database
from service.store.outbox_records import Envelope, OutboxRecords
from service.store.records import OutboundMessage, OutboundStatus, dedupe_key
from service.store.unit_of_work import UnitOfWork
from service.text import UnsafeHeaderValue

log = logging.getLogger(__name__)

RECONCILE_AFTER = timedelta(minutes=2)
REFUSED_EVENT = "email.refused"
MAYBE_SENT_EVENT = "email.maybe_sent"
RETRY = RetryPolicy()


def common_context(config: ProgrammeConfig) -> dict[str, Any]:
    """What every template may use, whoever it is for. `programme_name` and `signature`
    are how subjects, openings and sign-offs name the programme ([privacy])."""
    return {
        "programme": config.programme,
        "coordinators": config.coordinators.addresses,
        "programme_name": config.privacy.programme_name(config.programme),
        "signature": config.privacy.signature(config.programme),
        "form_url": config.form.form_url,  # every "fill in the form again" links to it
    }


def automatic_answers_today(uow: UnitOfWork, address: str, now: datetime, tz: str) -> int:
    since = clock.start_of_local_day(now, tz)
    return uow.repo.emails_to_since(address, since, automatic_answer=True)


def queue(
    uow: UnitOfWork,
    email: Email,
    config: ProgrammeConfig,
    *,
    now: datetime | None = None,
    automatic: bool = False,
) -> OutboundMessage | None:
    """Render and store one email in the caller's transaction. None if already queued,
    or when the recipient's data was erased or their address bounces.

    An `automatic` email (a time rule's or the digest: nobody is waiting for it) is held
    until working hours (`working_time.next_working_time`); its key stays, so it is
    still sent once. Answers to someone's own email go at once.

    Automatic answers (problems, help, "already done") are limited per sender per day:
    the last allowed one is replaced by a short "no more automatic answers today" note.
    """
    now = now or clock.now()
    if uow.repo.queued_keys([email.key]) or _unreachable(uow, email):
        return None
    address = email.to.address.strip().lower()
    if email.automatic_answer:
        limited = _within_daily_limit(uow, email, address, now, config)
        if limited is None:
            return None
        email = limited
    token = _token(uow, email, address, now, config)
    rendered = render(email.template, {**common_context(config), **email.context})
    send_at = _send_at(now, config) if automatic else now
    try:
        message_id, raw = compose(
            rendered,
            to=(email.to.name, address),
            config=config,
            token=token,
            in_reply_to=email.in_reply_to,
            references=email.references,
            attachments=[(a.filename, a.content_type, a.data) for a in email.attachments],
            date=send_at,
        )
    except (UnsafeHeaderValue, EmailRefused) as refusal:
        _refused(uow, email, token, refusal)
        return None
    record = OutboundMessage(
        dedupe_key=dedupe_key(email.key),
        to_address=address,
        template=email.template,
        message_id=message_id,
        raw=raw,
        created_at=now,
        person_id=email.to.person_id,
        inbound_id=uow.inbound_id,
        automatic_answer=email.automatic_answer,
        keep_to_hours=automatic,
        next_attempt_at=send_at,
    )
    uow.add(record)
    return record


def _token(
    uow: UnitOfWork, email: Email, address: str, now: datetime, config: ProgrammeConfig
) -> str | None:
    """The reply token the email carries, bound to its recipient's address."""
    token_person = email.to.person_id if email.to.person_id is not None else email.token_for
    if token_person is None:
        return None
    lifetime = config.limits.token_lifetime_days
    return tokens.issue(uow, token_person, email.purpose, now, lifetime, address=address)


def _send_at(now: datetime, config: ProgrammeConfig) -> datetime:
    return working_time.next_working_time(now, config.working_hours, config.programme.timezone)


def _unreachable(uow: UnitOfWork, email: Email) -> bool:
    """Mail to an erased person has nowhere to go; to a bouncing one it only bounces."""
    if email.to.person_id is None:
        return False
    person = uow.repo.person(email.to.person_id)
    if person is None or not (person.erased or person.bouncing_since is not None):
        return False
    # The template and an id, not the key: keys can quote a subject or an address.
    log.info(
        "%s email to person %s not queued: erased or bouncing",
        email.template,
        email.to.person_id,
    )
    return True


def _within_daily_limit(
    uow: UnitOfWork, email: Email, address: str, now: datetime, config: ProgrammeConfig
) -> Email | None:
    """The automatic answer to send (the last one of the day becomes the "no more
    automatic answers today" note), or None when today's are used up."""
    # One shared limiter for every kind of automatic answer (service.inbound.flood).
    sent_today = automatic_answers_today(uow, address, now, config.programme.timezone)
    allowance = auto_answer_allowance(sent_today, config.limits.auto_answers_per_sender_per_day)
    if allowance is Allowance.SUPPRESS:
        log.info(
            "automatic %s answer to person %s not sent: daily limit reached",
            email.template,
            email.to.person_id,
        )
        return None
    if allowance is Allowance.SEND_LAST:
        return Email(
            key=email.key,
            template="auto_answer_limit",
            to=email.to,
            context={
                "person": email.context.get("person", {"first_name": email.to.name}),
                "commands": [],
            },
            automatic_answer=True,
            in_reply_to=email.in_reply_to,
            references=email.references,
        )
    return email


def _refused(uow: UnitOfWork, email: Email, token: str | None, refusal: ValueError) -> None:
    """An email whose headers are not the ones we meant is not queued, and nothing else
    happens: the state change that caused it still stands, the token it would have
    carried is withdrawn, and the coordinators see it (audit event -> daily digest)."""
    if token is not None:
        issued = uow.repo.token(tokens.token_hash(token))
        if issued is not None:
            uow.delete(issued)
    # Template and person id only: the reason names headers, never values.
    log.warning("%s email to person %s refused: %s", email.template, email.to.person_id, refusal)
    uow.audit(
        REFUSED_EVENT,
        f"person:{email.to.person_id}" if email.to.person_id is not None else "email",
        {"template": email.template, "reason": str(refusal)[:200]},
    )


def queue_all(
    uow: UnitOfWork, emails: list[Email], config: ProgrammeConfig, *, automatic: bool = False
) -> list[OutboundMessage]:
    queued = [queue(uow, e, config, automatic=automatic) for e in emails]
    return [q for q in queued if q is not None]


@dataclass
class DrainReport:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    reconciled: int = 0
    failures: list[str] = field(default_factory=list)


def reconcile(db: Database, transport: Transport, now: datetime) -> int:
    """Settle records left in "sending" by a crash: sent if the mailbox has them, else requeue."""
    records = OutboxRecords(db)
    stuck = records.stuck_sending(now - RECONCILE_AFTER)
    for record_id, message_id in stuck:
        try:
            provider_id = transport.already_sent(message_id)
        except MaybeSent as exc:
            # Ids only: the digest names the template and the person's id.
            log.warning("email %s not sent again: %s", record_id, exc)
            records.hold(record_id, f"may have been sent: {exc}"[:500], now, MAYBE_SENT_EVENT)
            continue
        if provider_id is not None:
            records.settle(
                record_id,
                OutboundStatus.SENDING,
                status=OutboundStatus.SENT,
                provider_id=provider_id,
                sent_at=now,
            )
        else:
            records.settle(
                record_id, OutboundStatus.SENDING, status=OutboundStatus.QUEUED, next_attempt_at=now
            )
    return len(stuck)


def drain(
    db: Database,
    transport: Transport,
    *,
    limit: int | None = None,
    on_failure: Callable[[int, str], None] | None = None,
    progress: Callable[[int], None] | None = None,
    config: ProgrammeConfig | None = None,
) -> DrainReport:
    """Send what is due, oldest first. Safe to run in several workers at once.

    With the programme's `config`, automatic email keeps to working hours even when it
    was held, retried or left by a worker that was down: outside the window only
    answers go, and the rest waits for the next window start (`_in_hours`)."""
    now = clock.now()
    look = OutboxRecords(db).look()
    if not (look.queued or look.sending):
        # Nothing queued or left sending: no send, settling or holding back to do.
        if look.erasing:
            privacy.finish_erasures(db, transport, clock.now())
        return DrainReport()
    # Only a record left "sending" (by a crash, or another worker's send) needs settling.
    report = DrainReport(reconciled=reconcile(db, transport, now) if look.sending else 0)
    with OutboxRecords(db).connected() as records:
        in_hours = _in_hours(records, now, config)
        if in_hours:
            _drop_no_longer_due(records, now)
        for record_id in records.due(now, limit, in_hours=in_hours):
            # Claim it: another worker may have taken it since we listed it.
            envelope = records.claim(record_id, clock.now())
            if envelope is None:
                continue
            outcome = _send_one(records, transport, record_id, envelope, report, on_failure)
            if outcome is _Outcome.STOP:
                break  # the mailbox's limit applies to everything behind this one too
            if outcome is _Outcome.SENT and progress:
                progress(1)
    # An erasure finishes once the last emails to (or about) the person have left (one
    # begun since the look is finished after the next drain).
    if look.erasing:
        privacy.finish_erasures(db, transport, clock.now())
    return report


def _in_hours(records: OutboxRecords, now: datetime, config: ProgrammeConfig | None) -> bool:
    """Whether automatic email may go now; when not, what is due of it is moved to the
    next window start (so a retry after 18:00 waits for the morning)."""
    if config is None:
        return True
    hours, tz = config.working_hours, config.programme.timezone
    if working_time.is_working_time(now, hours, tz):
        return True
    records.wait_for_hours(now, working_time.next_working_time(now, hours, tz))
    return False


def _drop_no_longer_due(records: OutboxRecords, now: datetime) -> None:
    """A reminder that waited (for Monday morning, say) is asked again as it is let go:
    is it still due (`mail_budget.still_due_when_released`)? One that is not is
    cancelled, never sent: a "have you met?" after the person told us they met."""
    for record_id, since in records.held_reminders(now, RECHECKED_WHEN_HELD):
        if still_due_when_released(since):
            continue
        if records.settle(
            record_id,
            OutboundStatus.QUEUED,
            status=OutboundStatus.CANCELLED,
            last_error="no longer due when working hours let it go",
        ):
            log.info("held reminder %s cancelled: no longer due", record_id)


class _Outcome(Enum):
    SENT = "sent"
    NOT_SENT = "not sent"  # failed for good, or deferred: go on with the next
    STOP = "stop"  # the mailbox's sending limit: nothing more now


def _send_one(
    records: OutboxRecords,
    transport: Transport,
    record_id: int,
    envelope: Envelope,
    report: DrainReport,
    on_failure: Callable[[int, str], None] | None,
) -> _Outcome:
    """Hand one claimed record to the provider and record what became of it."""
    try:
        result = transport.send(envelope.raw, recipients=[envelope.to_address])
    except SendLimitExceeded as exc:
        records.settle(
            record_id,
            OutboundStatus.SENDING,
            status=OutboundStatus.QUEUED,
            attempts=envelope.attempts - 1,
            next_attempt_at=clock.now() + timedelta(seconds=exc.wait),
        )
        report.deferred += 1
        return _Outcome.STOP
    except TransportError as exc:
        _failed(records, record_id, envelope.attempts, exc, report, on_failure)
        return _Outcome.NOT_SENT
    records.settle(
        record_id,
        OutboundStatus.SENDING,
        status=OutboundStatus.SENT,
        provider_id=result.provider_id,
        sent_at=clock.now(),
    )
    report.sent += 1
    return _Outcome.SENT


def _failed(
    records: OutboxRecords,
    record_id: int,
    attempts: int,
    exc: TransportError,
    report: DrainReport,
    on_failure: Callable[[int, str], None] | None,
) -> None:
    """A send the provider refused: try again later, or give up for good."""
    if exc.permanent or not RETRY.should_retry(attempts, retry_after=exc.retry_after):
        records.settle(
            record_id,
            OutboundStatus.SENDING,
            status=OutboundStatus.FAILED,
            last_error=str(exc)[:500],
        )
        report.failed += 1
        report.failures.append(str(exc))
        if on_failure:
            on_failure(record_id, str(exc))
        return
    wait = RETRY.delay(attempts, retry_after=exc.retry_after)
    records.settle(
        record_id,
        OutboundStatus.SENDING,
        status=OutboundStatus.QUEUED,
        last_error=str(exc)[:500],
        next_attempt_at=clock.now() + timedelta(seconds=wait),
    )
    report.deferred += 1


def queued_count(db: Database) -> int:
    return OutboxRecords(db).unsent()
