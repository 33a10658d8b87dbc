"""The inbound pipeline: fetch → keep raw → classify → handle → move.

One message at a time, each in its own transactions:
1. the raw message is stored under its key (exactly once) and committed;
2. it is classified and handled in one unit of work: state change, audit events and the
   emails it causes commit together, or nothing does (a refusal rolls back and answers);
3. only then is the mailbox copy moved out of the inbox.
A crash between any two steps is repaired by the next pass, which finds the stored
record and carries on from where it stopped, never applying a message twice.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING

from service import attention, bus, clock, confirmations, interest_list, privacy
from service.domain import liveness
from service.domain.model import Person
from service.emails import coordinator_refusal
from service.errors import DomainError, MentoringError
from service.inbound.classify import Classification, Kind, classify
from service.inbound.commands import Answer, Command, asks_question, is_command_line
from service.mail import ingest, outbox, tokens
from service.mail.transport import FetchedMessage, Folder
from service.messages import Email, person_context, recipient
from service.purpose import GENERAL, NOTHING, PurposeKind, Resolved, parse, resolve
from service.standing import standing
from service.store.errors import CONFLICTS
from service.store.records import InboundMessage, InboundStatus
from service.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from service.app import App
    from service.email_command import CommandTable, EmailCommand

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
MOVED_BATCH = 100
# Messages kept raw in one transaction: one commit instead of one each, which was a
# fifth of the pass. Bounded in bytes too, as they are held in memory until handled.
STORE_BATCH = 50
STORE_BATCH_BYTES = 8_000_000
FOLDERS = {
    InboundStatus.PROCESSED: Folder.PROCESSED,
    InboundStatus.NEEDS_ATTENTION: Folder.NEEDS_ATTENTION,
    InboundStatus.IGNORED: Folder.IGNORED,
}
CATEGORIES = {
    InboundStatus.PROCESSED: "Mentoring: done",
    InboundStatus.NEEDS_ATTENTION: "Mentoring: needs attention",
    InboundStatus.IGNORED: "Mentoring: ignored",
}
_NO_CONTACT = (
    "form with problems and no email address we can answer (missing, invalid, or with"
    " accents we cannot send to): please contact the person"
)


@dataclass
class PassReport:
    fetched: int = 0
    new: int = 0
    repeats: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def count(self, status: InboundStatus) -> None:
        self.outcomes[status.value] = self.outcomes.get(status.value, 0) + 1


@dataclass
class Outcome:
    status: InboundStatus
    reason: str
    emails: list[Email] = field(default_factory=list)
    person_id: int | None = None
    # Every email answers whoever wrote (a form: its sender is waiting for them), so
    # none of them is news held for working hours (`is_news`).
    answers_only: bool = False


class StoreLookup:
    """What the classifier may ask of the database."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def is_our_message_id(self, message_id: str) -> bool:
        return self.uow.repo.is_our_message_id(message_id)

    def token_known(self, token: str) -> bool:
        return self.uow.repo.token(tokens.token_hash(token)) is not None

    def is_participant(self, address: str) -> bool:
        person = self.uow.repo.person_by_email(address)
        return person is not None and not person.erased


def process_mailbox(app: App, *, limit: int | None = None) -> PassReport:
    """One pass over the inbox: every waiting message is handled and moved."""
    report = PassReport()
    moved: list[int] = []
    try:
        for batch in batches(app.transport.fetch_new(limit)):
            # Each message is parsed once, for its key and its classification.
            messages = [ingest.parsed(fetched.raw) for fetched in batch]
            stored = store_batch(app, batch, messages)
            report.repeats += sum(
                not new and r.status is not InboundStatus.STORED for r, new in stored
            )
            handled = handle_batch(app, stored, messages)
            for fetched, (record, new), final in zip(batch, stored, handled, strict=True):
                report.fetched += 1
                report.new += new
                _move(app, fetched, final, report)
                if record.moved_at is None and record.id is not None:
                    moved.append(record.id)
                if len(moved) >= MOVED_BATCH:
                    _mark_moved(app, moved)
    finally:
        _mark_moved(app, moved)
    return report


def handle_batch(
    app: App, stored: list[tuple[InboundMessage, bool]], messages: Sequence[Message | None]
) -> list[InboundMessage]:
    """Each record of a stored batch in its final status, in order. The new ones (their
    first attempt counted as they were kept) are handled together, a run at a time
    (`handle_new`); one stored before this pass is handled on its own, its attempt
    counted first; one already handled is left as it is."""
    handled: list[InboundMessage] = []
    run: list[tuple[InboundMessage, Message | None]] = []
    for (record, new), message in zip(stored, messages, strict=True):
        if new and record.status is InboundStatus.STORED:
            run.append((record, message))  # a new record's bytes are the fetched ones, parsed
            continue
        handled += handle_new(app, run)
        run = []
        if record.status is InboundStatus.STORED and record.id is not None:
            handled.append(handle_stored(app, record.id))  # its attempt counted first
        else:
            handled.append(record)  # handled before (a crash came before the move)
    return handled + handle_new(app, run)


def _move(app: App, fetched: FetchedMessage, record: InboundMessage, report: PassReport) -> None:
    """File a handled message's mailbox copy where its status says."""
    marked = record.status is InboundStatus.NEEDS_ATTENTION
    app.transport.move(
        fetched.transport_id,
        FOLDERS[record.status],
        category=CATEGORIES[record.status],
        attention=attention.mark(record) if marked else None,
    )
    report.count(record.status)


def batches(fetched: Iterator[FetchedMessage]) -> Iterator[list[FetchedMessage]]:
    """The inbox in batches of up to `STORE_BATCH` messages (and `STORE_BATCH_BYTES`)."""
    batch: list[FetchedMessage] = []
    size = 0
    for message in fetched:
        batch.append(message)
        size += len(message.raw)
        if len(batch) >= STORE_BATCH or size >= STORE_BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def store_batch(
    app: App, batch: list[FetchedMessage], messages: Sequence[Message | None] = ()
) -> list[tuple[InboundMessage, bool]]:
    """Keep a batch of messages raw in one transaction, before any is acted on.
    `messages`: each one as `ingest.parsed` read it, if it was.

    Each new message's first attempt is counted with it (see `_handle_stored`). If the
    process dies part-way through handling the batch, the messages whose turn had not
    come carry that count unused: such a message is set aside after two failed tries of
    its own instead of three. Exactly-once does not depend on it."""
    try:
        with app.uow() as uow:
            stored = ingest.store_all(uow, batch, attempting=True, messages=messages)
            uow.commit()
            return stored
    except CONFLICTS:
        # Another worker stored one of them between our look and our insert.
        return [_store(app, fetched) for fetched in batch]


def _mark_moved(app: App, ids: list[int]) -> None:
    """Note when messages left the inbox, many in one statement. The note is for people
    reading the records: the mailbox itself is what keeps a message from being fetched
    again, so a crash before this commit loses only the time."""
    if not ids:
        return
    with app.uow() as uow:
        uow.repo.mark_moved(ids, clock.now())
        uow.commit()
    ids.clear()


class AlreadyHandled(Exception):
    """Another worker finished this message first; what we did is rolled back."""


def _store(app: App, fetched: FetchedMessage) -> tuple[InboundMessage, bool]:
    try:
        with app.uow() as uow:
            # A new message's first attempt is counted in the same transaction.
            record, new = ingest.store(uow, fetched, attempting=True)
            uow.commit()
            return record, new
    except CONFLICTS:
        # Another worker stored the same message between our look and our insert.
        with app.uow() as uow:
            found = uow.repo.inbound_by_key(ingest.message_key(fetched.raw))
            assert found is not None
            return found, False


def _current(app: App, inbound_id: int) -> InboundMessage:
    with app.uow() as uow:
        record = uow.repo.inbound(inbound_id)
        assert record is not None
        return record


def handle_stored(
    app: App,
    inbound_id: int,
    *,
    stored: InboundMessage | None = None,
    parsed: Message | None = None,
) -> InboundMessage:
    """Classify and handle one stored message; returns the record in its final status.

    Two workers may handle the same message at once (say, configured with different
    Redis servers, so their locks do not meet): only one can move it out of "stored"
    (see `_apply`), the other's transaction is rolled back, emails and all, and a
    database conflict between them is retried, never shown as a crash. `stored`: the
    record just committed by `_store`, this attempt counted with it (so it is not read
    again; `_apply`'s guarded update still decides who handles it). `parsed`: its raw
    bytes as `ingest.parsed` read them, so they are not parsed again."""
    try:
        return _handle_stored(app, inbound_id, stored, parsed)
    except AlreadyHandled:
        return _current(app, inbound_id)
    except CONFLICTS:
        record = _current(app, inbound_id)
        if record.status is not InboundStatus.STORED:
            return record  # the other worker finished it
        log.warning("inbound message %s: a database conflict; trying again", inbound_id)
        return handle_stored(app, inbound_id)


# Errors of the database, not of the message.
_RETRIED: tuple[type[Exception], ...] = (MentoringError, AlreadyHandled, *CONFLICTS)


def _count_attempt(app: App, inbound_id: int) -> InboundMessage:
    with app.uow() as uow:
        record = uow.repo.inbound(inbound_id)
        assert record is not None
        if record.status is InboundStatus.STORED:  # else another worker finished it
            record.attempts += 1
            uow.commit()
        return record


def _handle_stored(
    app: App, inbound_id: int, stored: InboundMessage | None = None, parsed: Message | None = None
) -> InboundMessage:
    attempts = 1
    if stored is None:
        counting = _count_attempt(app, inbound_id)
        if counting.status is not InboundStatus.STORED:
            return counting
        attempts = counting.attempts
    if attempts > MAX_ATTEMPTS:
        outcome = Outcome(
            InboundStatus.NEEDS_ATTENTION,
            f"could not be processed after {MAX_ATTEMPTS} tries; see the worker log",
        )
        return _finish(app, inbound_id, outcome, kind="error")
    try:
        with app.uow(inbound_id=inbound_id) as uow:
            record = stored or uow.repo.inbound(inbound_id)
            assert record is not None
            _handle_in(app, uow, record, parsed)
            uow.commit()
            return record
    except DomainError as refusal:
        # Nothing of the refused change was committed; answer with the sentence.
        return _refused(app, inbound_id, refusal)
    except _RETRIED:
        raise  # the database, not the message: `handle_stored` tries again
    except Exception as error:
        # Something in this message breaks our code: set it aside now, so every message
        # behind it is still handled. The log names the code, never the mail's content.
        log.error(
            "inbound message %s raised %s at %s; moved to needs attention",
            inbound_id,
            type(error).__name__,
            code_location(error),
        )
        reason = f"failed while being processed ({type(error).__name__}); see the worker log"
        outcome = Outcome(InboundStatus.NEEDS_ATTENTION, reason)
        return _finish(app, inbound_id, outcome, kind="error")


def _handle_in(
    app: App, uow: UnitOfWork, record: InboundMessage, parsed: Message | None
) -> None:
    """Classify and handle one stored message in `uow`, taking it out of "stored"."""
    classification = _classify(app, uow, record, parsed)
    reply = attribute(uow, classification)
    ctx = bus.Context(app.config, clock.now(), app.commands)
    outcome = route(classification, uow, ctx, app, reply)
    record.sender_trust = str(classification.sender_check)[:300]
    _apply(uow, record, outcome, classification.kind.value, app)


def handle_new(
    app: App, items: list[tuple[InboundMessage, Message | None]]
) -> list[InboundMessage]:
    """New messages (`handle_stored`'s `stored` and `parsed`, each), handled in as few
    transactions as they allow: a transaction's start and commit cost about as much as
    classifying a short message. Each is still handled exactly once and all or nothing:
    its changes, emails and status commit together. One that cannot be handled with the
    others (refused, raising, a conflict) rolls their transaction back; those before it
    are handled again together, it goes the single way (`handle_stored`: its refusal
    answered, its error set aside), and those after it carry on together."""
    handled: list[InboundMessage] = []
    while items:
        together = _handle_together(app, items)
        handled += [record for record, _message in items[:together]]
        if together < len(items):
            record, message = items[together]
            assert record.id is not None
            handled.append(handle_stored(app, record.id, stored=record, parsed=message))
            together += 1
        items = items[together:]
    return handled


def _handle_together(app: App, items: list[tuple[InboundMessage, Message | None]]) -> int:
    """Handle `items` in one transaction: how many were committed (all of them, or those
    before the first that could not be handled there; none has to be)."""
    failed: int | None = None
    with app.uow() as uow:
        for n, (record, message) in enumerate(items):
            uow.inbound_id = record.id  # its audit events name it
            try:
                _handle_in(app, uow, record, message)
                uow.flush()  # the next one sees it as after its own commit
            except Exception:  # the single way says what it was
                failed = n
                break
        else:
            try:
                uow.commit()
                return len(items)
            except Exception:
                failed = 0  # the first goes the single way, which retries or sets it aside
    return _handle_together(app, items[:failed]) if failed else 0


def code_location(error: BaseException) -> str:
    """Where it was raised, as module.function:line frames (no values, no message)."""
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    return " > ".join(f"{Path(f.filename).stem}.{f.name}:{f.lineno}" for f in frames)


def _apply(uow: UnitOfWork, record: InboundMessage, outcome: Outcome, kind: str, app: App) -> None:
    # Only one transaction may take the message out of "stored": the loser of a race
    # between workers finds no row to change and rolls back (its emails with it).
    reason = outcome.reason
    if outcome.status is InboundStatus.NEEDS_ATTENTION and record.sender_trust:
        reason += f" [sender {record.sender_trust}]"  # what the coordinator needs to judge it
    values = {
        "status": outcome.status,
        "kind": kind,
        "reason": reason[:1000],
        "person_id": outcome.person_id,
        "processed_at": clock.now(),
        "sender_trust": record.sender_trust,
    }
    if not uow.repo.take_inbound(record, values):
        raise AlreadyHandled
    answers: list[Email] = []
    news: list[Email] = []
    for email in outcome.emails:
        (news if is_news(email, outcome) else answers).append(email)
    outbox.queue_all(uow, answers, app.config)
    outbox.queue_all(uow, news, app.config, automatic=True)


def is_news(email: Email, outcome: Outcome) -> bool:
    """An email to a participant other than the one who wrote (a request to a mentor,
    "your mentor said yes", a partner told of an ending) answers nobody's own email: like
    the time rules' mail it waits for working hours. Answers go at once, whenever."""
    if outcome.answers_only or email.to.person_id is None:
        return False
    return email.to.person_id != outcome.person_id


def _finish(app: App, inbound_id: int, outcome: Outcome, *, kind: str) -> InboundMessage:
    with app.uow(inbound_id=inbound_id) as uow:
        record = uow.repo.inbound(inbound_id)
        assert record is not None
        _apply(uow, record, outcome, kind, app)
        uow.commit()
        return record


def _refused(app: App, inbound_id: int, refusal: DomainError) -> InboundMessage:
    with app.uow(inbound_id=inbound_id) as uow:
        record = uow.repo.inbound(inbound_id)
        assert record is not None
        classification = _classify(app, uow, record)
        record.sender_trust = str(classification.sender_check)[:300]
        reply = attribute(uow, classification)
        person = reply.person
        if reply.about.kind is PurposeKind.COORDINATOR:
            person = None  # a coordinator's round trip: never answer the participant
        emails = _coordinator_refused(classification, refusal, app.commands)
        if person is not None:
            if classification.kind is Kind.COMMAND and not person.erased:
                _mail_reaches(uow, person)
            emails.append(
                problem_answer(
                    uow,
                    person,
                    str(refusal),
                    classification,
                    _understood(classification),
                    app.commands,
                    refused=True,  # a clear command we could not carry out
                )
            )
        _apply(
            uow,
            record,
            Outcome(
                InboundStatus.PROCESSED,
                f"refused: {refusal}",
                emails,
                person.id if person else None,
            ),
            classification.kind.value,
            app,
        )
        uow.commit()
        return record


def _coordinator_refused(
    c: Classification, refusal: DomainError, table: CommandTable
) -> list[Email]:
    """A verified coordinator's command we could not carry out is answered with why."""
    if c.kind is not Kind.COORDINATOR or not c.sender_check.verified or not c.sender:
        return []
    key = f"coordinator-refused:{c.message_id or c.subject}:{c.sender}"
    thread = _thread(c).reply_headers()
    return [coordinator_refusal(c.sender, str(refusal), key, table, **thread)]


def _thread(c: Classification) -> bus.Thread:
    return bus.Thread(message_id=c.message_id, references=tuple(c.references))


def _classify(
    app: App, uow: UnitOfWork, record: InboundMessage, parsed: Message | None = None
) -> Classification:
    lookup = StoreLookup(uow)
    return classify(
        record.raw, app.config, lookup, commands=app.commands, now=clock.now(), message=parsed
    )


@dataclass(frozen=True)
class Reply:
    """Whom a message's reply token names, and what the email it answers asked (with
    the records that names): looked up once per message, as soon as it is classified."""

    person: Person | None = None
    token: tokens.IssuedToken | None = None
    about: Resolved = NOTHING


def attribute(uow: UnitOfWork, c: Classification) -> Reply:
    record = tokens.resolve(uow, c.token, clock.now()) if c.token else None
    if record is None:
        return Reply()
    purpose = parse(record.purpose)
    about = resolve(uow, purpose) if purpose != GENERAL else NOTHING
    return Reply(uow.repo.person(record.person_id), tokens.IssuedToken.of(record), about)


def _understood(c: Classification) -> list[str]:
    """What we read in the message, in words, so the person can see where it went wrong."""
    if c.commands is None:
        return []
    said = []
    for cmd in c.commands.commands:
        words = cmd.verb.replace("_", " ").upper()
        extra = " ".join(
            str(v)
            for v in (cmd.choice, cmd.target, cmd.minutes and f"{cmd.minutes} minutes", cmd.on)
            if v
        )
        said.append(f"You sent {words}{' ' + extra if extra else ''}.")
    if c.commands.answer is not None:
        said.append(f"You answered {c.commands.answer.value}.")
    return said


def _choosing(c: Classification) -> bool:
    reading = c.commands
    return reading is not None and any(x.verb in ("keep", "none") for x in reading.commands)


def problem_answer(
    uow: UnitOfWork,
    person: Person,
    problem: str,
    c: Classification,
    understood: list[str],
    table: CommandTable,
    *,
    refused: bool = False,
) -> Email:
    """The one plain-English answer to something we could not do or understand:
    what went wrong and what we understood. What the person can send instead is the
    footer (the command table's list); `refused` says we understood a clear command
    but could not do it."""
    s = standing(uow, person)
    if refused and _choosing(c):
        # A refused KEEP or NONE: they are choosing now, so the answer (which may say
        # "ask one of your other speed mentors, or reply NONE") offers both.
        s = replace(s, asked_to_decide=True)
    commands = table.offered(s)
    return Email(
        key=f"problem:{c.message_id or c.subject}:{person.id}",
        template="problem_answer",
        to=recipient(person),
        context={
            "person": person_context(person),
            "problem": problem,
            "understood": understood,
            "suggestions": [],
            "refused": refused,
            "commands": commands,
        },
        automatic_answer=True,
        **_thread(c).reply_headers(),
    )


def route(c: Classification, uow: UnitOfWork, ctx: bus.Context, app: App, reply: Reply) -> Outcome:
    """Decide what the message is for and hand it to the right handler (`app`'s command
    table and form handler); `reply` is what its token says (see `attribute`)."""
    erasable = (Kind.OWN_LOOP, Kind.AUTO_REPLY, Kind.COMMAND, Kind.UNKNOWN)
    if c.kind in erasable and _erased(c, uow, reply.person):
        return Outcome(InboundStatus.IGNORED, "from an address whose data was erased; not kept")
    if c.kind in (Kind.OWN_LOOP, Kind.AUTO_REPLY):
        return _automatic(c, uow, ctx)
    if c.kind is Kind.TOO_LARGE:
        return Outcome(InboundStatus.NEEDS_ATTENTION, c.reason)
    if c.kind is Kind.BOUNCE:
        from service.bounces import record_bounce

        return record_bounce(c, uow, ctx)
    if c.kind is Kind.FORGED_FORM:
        return Outcome(InboundStatus.NEEDS_ATTENTION, c.reason)
    if c.sender_check.forged:
        return Outcome(InboundStatus.NEEDS_ATTENTION, f"{c.reason}; the sender looks forged")
    if c.kind is Kind.FORM and not c.sender_check.verified:
        return Outcome(
            InboundStatus.NEEDS_ATTENTION,
            f"{c.reason}, but the relay is not verified, so it was not read as a form",
        )
    if c.kind is Kind.FORM:
        assert c.form is not None
        emails = app.form_handler(bus.FormRequest(c.form, _thread(c)), uow, ctx)
        if c.form.contact is None and not c.form.ok:
            # Nobody we can write to about its problems: a coordinator has to.
            return Outcome(InboundStatus.NEEDS_ATTENTION, _NO_CONTACT)
        return Outcome(InboundStatus.PROCESSED, c.reason, emails, answers_only=True)
    if c.kind is Kind.COMMAND:
        return _command(c, uow, ctx, app.commands, reply)
    if c.kind is Kind.COORDINATOR:
        return _coordinator(c, uow, ctx, app.commands)
    return _unknown(c, uow, app.commands, ctx)


def _erased(c: Classification, uow: UnitOfWork, known: Person | None = None) -> bool:
    """A late message from someone whose data was erased (and who has not registered
    again): recognised by the tombstone's salted hash, its stored copy blanked, and its
    mailbox copy removed at the next drain. `known`: whom the reply token names (when
    they wrote from their own address, nobody has to be looked up)."""
    if not c.sender or (known is not None and known.email == c.sender):
        return False
    if uow.repo.person_by_email(c.sender) is not None:
        return False
    if not privacy.was_erased(uow, c.sender):
        return False
    if uow.inbound_id is not None:
        privacy.blank_inbound(uow, uow.inbound_id)
    return True


def _automatic(c: Classification, uow: UnitOfWork, ctx: bus.Context) -> Outcome:
    from service.bounces import record_auto_reply

    person = record_auto_reply(c, uow, ctx)
    return Outcome(InboundStatus.IGNORED, c.reason, person_id=person.id if person else None)


def _resolve_answer(c: Classification, about: Resolved, table: CommandTable) -> tuple[Command, ...]:
    """A bare yes/no answers the question the token was issued for."""
    assert c.commands is not None
    if c.commands.commands or c.commands.answer is None:
        return c.commands.commands
    answering = table.answering(about.kind, c.commands.answer is Answer.YES)
    return (Command(answering.verb),) if answering is not None else ()


def _confirmed(commands: tuple[Command, ...], about: Resolved) -> tuple[Command, ...]:
    """CONFIRM in answer to "please confirm UNPAIR" is that UNPAIR."""
    if about.kind is PurposeKind.CONFIRM and [cmd.verb for cmd in commands] == ["confirm"]:
        return (Command(about.purpose.verb),)
    return commands


def _command(
    c: Classification, uow: UnitOfWork, ctx: bus.Context, table: CommandTable, reply: Reply
) -> Outcome:
    person, about = reply.person, reply.about
    if person is None and (left := interest_list.leave(c, uow, _thread(c))) is not None:
        return Outcome(
            InboundStatus.PROCESSED, "WITHDRAW: left the interest list", left, answers_only=True
        )
    if person is None or person.erased or reply.token is None:
        return Outcome(
            InboundStatus.NEEDS_ATTENTION,
            "reply token unknown or expired, so the sender cannot be confirmed",
        )
    assert person.id is not None and c.token is not None
    commands = _confirmed(_resolve_answer(c, about, table) if c.commands else (), about)
    in_words = _answer_in_words(c, about, table) if not commands else None
    if isinstance(in_words, Command):
        commands = (in_words,)
    commands = _answered_beside(c, about, table, commands)
    specs = [spec for cmd in commands if (spec := table.get(cmd.verb)) is not None]
    if len(specs) != len(commands):
        unknown = ", ".join(cmd.verb for cmd in commands if table.get(cmd.verb) is None)
        return Outcome(InboundStatus.NEEDS_ATTENTION, f"no handler for {unknown}", [], person.id)
    verdict = tokens.binding(
        reply.token,
        about.purpose,
        c.sender,
        specs,
        ctx.now,
        ctx.config.security.destructive_token_max_age_days,
    )
    if verdict.binding is tokens.Binding.OTHER_ADDRESS:
        # Not theirs: an unknown sender. The token is noted for the coordinators.
        return Outcome(
            InboundStatus.NEEDS_ATTENTION,
            f"reply token {c.token[:4]}… (issued to person {person.id} at another address)"
            " used from a different address: treated as an unknown sender",
        )
    if about.kind is PurposeKind.COORDINATOR:
        # The token names the participant the coordinator asked about, not the sender.
        return _coordinator_confirmed(c, uow, ctx, person, about, table)
    if about.kind is PurposeKind.HOLD:
        return _coordinator_hold(c, uow, ctx, person, about, table)
    refused = _not_bound(verdict, c, person, ctx)
    if refused is not None:
        return refused
    _mail_reaches(uow, person)
    _signs_of_life(uow, person, about, ctx)
    if isinstance(in_words, str):
        return _ask_again(c, uow, person, about, in_words, table)
    if not commands:
        return _no_command(c, uow, person, table, ctx)
    return _carry_out(c, uow, ctx, person, about, list(zip(commands, specs, strict=True)))


def _carry_out(
    c: Classification,
    uow: UnitOfWork,
    ctx: bus.Context,
    person: Person,
    about: Resolved,
    commands: list[tuple[Command, EmailCommand]],
) -> Outcome:
    """Each command's handler, in order. A command that also needs a coordinator (a low
    feedback score) files the message in needs-attention, with its reason, after it is
    carried out and answered."""
    emails: list[Email] = []
    attention: list[str] = []
    for command, spec in commands:
        request = bus.CommandRequest(command, person, about, _thread(c))
        emails.extend(spec.handler(request, uow, ctx))
        if spec.attention is not None and (why := spec.attention(request, ctx)):
            attention.append(why)
    if attention:
        return Outcome(InboundStatus.NEEDS_ATTENTION, "; ".join(attention), emails, person.id)
    verbs = ", ".join(cmd.verb for cmd, _ in commands)
    return Outcome(InboundStatus.PROCESSED, f"command: {verbs}", emails, person.id)


def _answer_in_words(
    c: Classification, about: Resolved, table: CommandTable
) -> Command | str | None:
    """A reply to an email that asked a question answered in words (how is your mentoring
    going, 1 to 5): read from its new text only, by the command that asked it. A command,
    why it cannot be taken (we ask again), or None (not such an answer: read as usual)."""
    reading = c.commands
    if reading is None or reading.answer is not None or reading.problem:
        return None
    for spec in table:
        if spec.asked_by and spec.read_answer and spec.asked_by(about.purpose):
            return spec.read_answer(c.new_text)
    return None


def _answered_beside(
    c: Classification, about: Resolved, table: CommandTable, commands: tuple[Command, ...]
) -> tuple[Command, ...]:
    """A score written beside a command ("MET 1h yesterday" and "4 - good chat" under it)
    is taken too, read from the lines that are not command lines. Only a clear score: a
    comment or an unreadable number beside a command is left to the command's answer."""
    if not commands or any(
        getattr(table.get(cmd.verb), "reason_follows", True) for cmd in commands
    ):
        return commands  # UNPAIR's lines below it are its reason, not an answer
    for spec in table:
        if spec.asked_by and spec.read_answer and spec.asked_by(about.purpose):
            if any(cmd.verb == spec.verb for cmd in commands):
                return commands
            rest = [ln for ln in c.new_text.splitlines() if not is_command_line(ln, table)]
            found = spec.read_answer("\n".join(rest))
            if isinstance(found, Command) and found.choice is not None:
                return (*commands, found)
    return commands


def _ask_again(
    c: Classification,
    uow: UnitOfWork,
    person: Person,
    about: Resolved,
    problem: str,
    table: CommandTable,
) -> Outcome:
    """One kind, plain question again, bound to the same question so the answer counts."""
    again = Email(
        key=f"ask-again:{c.message_id or c.subject}:{person.id}",
        template="answer_again",
        to=recipient(person),
        context={
            "person": person_context(person),
            "problem": problem,
            "commands": table.offered(standing(uow, person), about.purpose),
        },
        purpose=about.purpose,
        automatic_answer=True,
        **_thread(c).reply_headers(),
    )
    reason = f"an answer to our question we could not take: asked again ({about.purpose.feedback})"
    return Outcome(InboundStatus.NEEDS_ATTENTION, reason, [again], person.id)


def _not_bound(
    verdict: tokens.Verdict, c: Classification, person: Person, ctx: bus.Context
) -> Outcome | None:
    """What we do when the token may not do what the reply asks (None: it may)."""
    if verdict.binding is tokens.Binding.NOT_OFFERED:
        raise DomainError(
            f"the email you replied to did not offer {verdict.verb.replace('_', ' ').upper()},"
            " so we have changed nothing. Please reply to the most recent email we sent you,"
            " which lists what you can send now."
        )
    if verdict.binding is tokens.Binding.TOO_OLD:
        ask = confirmations.ask_person(person, verdict.verb, _thread(c), ctx.commands)
        return Outcome(
            InboundStatus.PROCESSED,
            f"{verdict.verb} with a reply token older than"
            f" {ctx.config.security.destructive_token_max_age_days} days: confirmation asked",
            [ask],
            person.id,
        )
    return None


def _signs_of_life(uow: UnitOfWork, person: Person, about: Resolved, ctx: bus.Context) -> None:
    """Any command is a sign of life: for the pairing the reply is about when the token
    says so, otherwise for each of the sender's pairings."""
    assert person.id is not None
    for pairing in uow.repo.active_pairings_of(person.id):
        if about.kind is not PurposeKind.PAIRING or about.purpose.id == pairing.id:
            liveness.seen(pairing, person.id, ctx.now)


def _no_command(
    c: Classification, uow: UnitOfWork, person: Person, table: CommandTable, ctx: bus.Context
) -> Outcome:
    reading = c.commands
    reason = (reading.reason if reading else "") or "no command found"
    if reading is not None and reading.own_words:
        # Their own words, not a command attempt: a human answers, and we say so kindly.
        answer = own_words_answer(uow, person, c, table, ctx)
        return Outcome(
            InboundStatus.NEEDS_ATTENTION,
            f"{reason}: in their own words, passed to the coordinators",
            [answer],
            person.id,
        )
    # A command line that could not be read as written says why (and the subject says we
    # could not do it); otherwise we could not tell what was asked at all.
    refused = reading is not None and bool(reading.problem)
    problem = (
        f"{reading.problem} We have changed nothing."
        if reading is not None and reading.problem
        else "We could not tell what you would like us to do, so we have changed nothing."
        " A coordinator will read your email."
    )
    answer = problem_answer(uow, person, problem, c, _understood(c), table, refused=refused)
    return Outcome(InboundStatus.NEEDS_ATTENTION, reason, [answer], person.id)


def own_words_answer(
    uow: UnitOfWork, person: Person, c: Classification, table: CommandTable, ctx: bus.Context
) -> Email:
    """The kind answer to a question (or any message in a person's own words): passed to
    the coordinators, who answer within the configured number of working days."""
    return Email(
        key=f"own-words:{c.message_id or c.subject}:{person.id}",
        template="question_received",
        to=recipient(person),
        context={
            "person": person_context(person),
            "question": asks_question(c.new_text),
            "working_days": ctx.config.coordinators.answer_within_working_days,
            "commands": table.offered(standing(uow, person)),
        },
        automatic_answer=True,
        **_thread(c).reply_headers(),
    )


def _mail_reaches(uow: UnitOfWork, person: Person) -> None:
    """A reply carrying their token shows their mailbox works again: stop treating the
    address as bouncing, so our answers (and the programme's emails) reach them."""
    if person.bouncing_since is not None:
        person.bouncing_since = None
        uow.audit("person.bouncing_cleared", f"person:{person.id}")


def _coordinator(
    c: Classification, uow: UnitOfWork, ctx: bus.Context, table: CommandTable
) -> Outcome:
    commands = c.commands.commands if c.commands else ()
    if not commands:
        return Outcome(InboundStatus.NEEDS_ATTENTION, c.reason or "coordinator mail")
    emails: list[Email] = []
    asked = False
    for command in commands:
        target = uow.repo.person_by_email(command.target) if command.target else None
        spec = table.get(command.verb)
        if target is None or spec is None:
            return Outcome(
                InboundStatus.NEEDS_ATTENTION,
                "coordinator command without a known participant address",
            )
        if not c.sender_check.verified and spec.verified_only:
            # A correction carries more than a confirmation round trip can: refuse it.
            return Outcome(
                InboundStatus.NEEDS_ATTENTION,
                f"coordinator correction {spec.name} from a sender the receiving host did"
                " not verify: not acted on (use the mentoring command line)",
            )
        if not c.sender_check.verified and spec.ends_something:
            # From alone proves nothing: ask the coordinator address itself first.
            emails.append(
                confirmations.ask_coordinator(c.sender, target, spec.verb, _thread(c), table)
            )
            asked = True
            continue
        request = bus.CommandRequest(command, target, NOTHING, _thread(c), coordinator=c.sender)
        answers = spec.handler(request, uow, ctx)
        if not c.sender_check.verified:
            # Anyone can write From: coordinators@…, so these count towards the daily limit.
            answers = [replace(e, automatic_answer=True) for e in answers]
        emails.extend(answers)
    reason = "coordinator command" + (": confirmation asked (sender not verified)" if asked else "")
    return Outcome(InboundStatus.PROCESSED, reason, emails)


def _coordinator_confirmed(
    c: Classification,
    uow: UnitOfWork,
    ctx: bus.Context,
    target: Person,
    about: Resolved,
    table: CommandTable,
) -> Outcome:
    """A coordinator's CONFIRM to our round trip: carry out the command it was about."""
    commands = _resolve_answer(c, about, table) if c.commands else ()
    verb = about.purpose.verb
    spec = table.get(verb)
    if [cmd.verb for cmd in commands] != ["confirm"] or spec is None or target.erased:
        return Outcome(
            InboundStatus.NEEDS_ATTENTION, "answer to a coordinator confirmation without CONFIRM"
        )
    command = Command(verb, target=target.email)
    request = bus.CommandRequest(command, target, NOTHING, _thread(c), coordinator=c.sender)
    emails = spec.handler(request, uow, ctx)
    return Outcome(InboundStatus.PROCESSED, f"coordinator command confirmed: {verb}", emails)


def _coordinator_hold(
    c: Classification,
    uow: UnitOfWork,
    ctx: bus.Context,
    quiet: Person,
    about: Resolved,
    table: CommandTable,
) -> Outcome:
    """A reply to the ladder's notice to coordinators: HOLD from a coordinator address,
    acted on when the receiving host verified it, else confirmed by a round trip first."""
    commands = _resolve_answer(c, about, table) if c.commands else ()
    spec = table.get("hold")
    coordinators = {a.lower() for a in ctx.config.coordinators.addresses}
    if spec is None or [cmd.verb for cmd in commands] != ["hold"] or c.sender not in coordinators:
        return Outcome(
            InboundStatus.NEEDS_ATTENTION,
            "answer to a ladder notice for coordinators without HOLD from a coordinator address",
        )
    if not c.sender_check.verified:
        ask = confirmations.ask_coordinator(c.sender, quiet, "hold", _thread(c), table)
        return Outcome(
            InboundStatus.PROCESSED,
            "coordinator command: confirmation asked (sender not verified)",
            [ask],
        )
    request = bus.CommandRequest(commands[0], quiet, about, _thread(c), coordinator=c.sender)
    emails = spec.handler(request, uow, ctx)
    return Outcome(InboundStatus.PROCESSED, "coordinator command: hold", emails)


def _unknown(c: Classification, uow: UnitOfWork, table: CommandTable, ctx: bus.Context) -> Outcome:
    person = uow.repo.person_by_email(c.sender) if c.sender else None
    emails = []
    if person is not None and not person.erased and c.commands and c.commands.own_words:
        # A question from a participant's address, not a reply: it goes to the coordinators
        # all the same (it changes nothing), and the answer goes to that address only.
        emails.append(own_words_answer(uow, person, c, table, ctx))
    elif person is not None and not person.erased:
        emails.append(
            problem_answer(
                uow,
                person,
                "We could not link your email to your place in the programme, so we have"
                " changed nothing. Please reply to the most recent email we sent you, so"
                " that we know it is really you.",
                c,
                [f"Your email was about “{c.subject}”."] if c.subject else [],
                table,
            )
        )
    return Outcome(InboundStatus.NEEDS_ATTENTION, c.reason, emails, person.id if person else None)
