"""What is this message? The ordered classifier, each decision with its reason.

Order (first match wins): our own mail looping back; too large to read; delivery
reports; automatic replies (and mailing lists); form submissions (genuine or forged);
replies carrying one of our tokens; coordinator mail; anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from email.message import Message
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from service import clock
from service.config import ProgrammeConfig
from service.inbound import reports
from service.inbound.commands import CommandReading, read_commands
from service.inbound.dates import find_dates
from service.inbound.forms import (
    FormResult,
    answers_from_json,
    answers_from_rows,
    answers_from_text,
    parse_form_email,
    question_index,
)
from service.inbound.html_text import html_table_rows
from service.inbound.mime import ParsedMail, decode_bytes, parse_mail
from service.inbound.replies import new_text
from service.inbound.reports import Report, ReportKind, read_report
from service.inbound.sender import NOT_CHECKED, SenderCheck
from service.inbound.sender import check as check_sender
from service.text import fold

if TYPE_CHECKING:
    from service.email_command import CommandTable

TOKEN_ALPHABET = "a-z2-7"
_TAG = re.compile(rf"\[ref:\s*([{TOKEN_ALPHABET}]{{16}})\]", re.IGNORECASE)


def without_reference(subject: str) -> str:
    """A subject as people read it: our `[ref:…]` tag (a secret, no use to a reader) removed."""
    return " ".join(_TAG.sub(" ", subject).split())


_AUTO_SUBJECT = re.compile(
    r"^\s*(?:automatic reply|auto(?:matic)?[- ]?(?:reply|response)|autoreply|autoresponse"
    r"|out of (?:the )?office|ooo\b|away from (?:the )?office|abwesenheitsnotiz"
    r"|automatische antwort|abwesenheit|réponse automatique|reponse automatique"
    r"|absence du bureau|respuesta automática|respuesta automatica|fuera de la oficina"
    r"|risposta automatica|fuori ufficio|automatisch antwoord|afwezigheidsbericht|afwezig"
    r"|automatiskt svar|frånvaro|autosvar|automatyczna odpowiedź|poza biurem"
    r"|resposta automática|auto:\s|自動応答|自动回复|автоответ|automatické odpověď)",
    re.IGNORECASE,
)
# Out-of-office wording anywhere in a subject (Lotus Notes: "AUTO: Smith, John is out of
# the office. (returning 05/01/2010)").
_OOO_SUBJECT = re.compile(
    r"\b(?:is|am|will be) (?:currently )?(?:out of (?:the )?office|on (?:annual )?leave"
    r"|on (?:vacation|holiday)|away from (?:the|my) (?:office|desk))"
    r"|\bout of office\b|\babwesenheitsnotiz\b|\bist abwesend\b|\best absent\b"
    r"|\bfuera de la oficina\b|\bfuori ufficio\b|\bis afwezig\b|\bpoza biurem\b",
    re.IGNORECASE,
)
_OOO_WORDS = re.compile(
    r"out of (?:the )?office|away from|on (?:annual )?leave|abwesen|absent|absence"
    r"|ausser haus|außer haus|fuera de la oficina|fuori (?:sede|ufficio)|afwezig|frånvar"
    r"|back on|return|zurück|de retour|until|bis\b|jusqu|hasta|fino al|tot en met",
    re.IGNORECASE,
)
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "list-help", "list-archive")


class Kind(StrEnum):
    OWN_LOOP = "own_loop"
    TOO_LARGE = "too_large"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"
    FORM = "form"
    FORGED_FORM = "forged_form"
    COMMAND = "command"
    COORDINATOR = "coordinator"
    UNKNOWN = "unknown"


class Lookup(Protocol):
    """What the classifier asks the store. Implementations do the I/O; this module none."""

    def is_our_message_id(self, message_id: str) -> bool: ...

    def token_known(self, token: str) -> bool: ...

    def is_participant(self, address: str) -> bool: ...


@dataclass(frozen=True)
class Bounce:
    failed_recipients: tuple[str, ...]
    message_ids: tuple[str, ...]  # our Message-IDs the report refers to
    tokens: tuple[str, ...]  # known tokens found in the returned message
    permanent: bool  # False for "delayed" reports: the mail may still arrive


@dataclass(frozen=True)
class AutoReply:
    out_of_office: bool
    return_date: date | None  # when they say they are back (or away until), if stated


@dataclass(frozen=True)
class Classification:
    kind: Kind
    reason: str
    sender: str
    sender_name: str = ""
    token: str | None = None
    message_id: str | None = None
    in_reply_to: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    our_references: tuple[str, ...] = ()  # those of In-Reply-To/References that we sent
    subject: str = ""
    new_text: str = ""
    date: datetime | None = None
    automated: bool = False  # sent by a machine: never answer it
    known_participant: bool = False  # UNKNOWN only: worth one helpful answer
    bounce: Bounce | None = None
    auto_reply: AutoReply | None = None
    form: FormResult | None = None
    commands: CommandReading | None = field(default=None)
    # How sure we are of the sender (service.inbound.sender), from the receiving host's evidence.
    sender_check: SenderCheck = NOT_CHECKED

    @property
    def needs_attention(self) -> bool:
        """Should a coordinator see it? (Form problems are answered, not escalated.)"""
        if self.kind in {Kind.FORGED_FORM, Kind.UNKNOWN, Kind.TOO_LARGE}:
            return True
        if self.kind is Kind.FORM:
            # A form with problems and nobody to tell about them needs a person.
            return self.form is None or (not self.form.ok and self.form.contact is None)
        if self.kind in {Kind.COMMAND, Kind.COORDINATOR}:
            return self.commands is None or not self.commands.understood
        return False

    @property
    def may_answer(self) -> bool:
        """May an automatic answer go back at all (before the per-day allowance)?

        A form is answered at the address typed on it (`form.contact`), never the relay.
        """
        if self.kind is Kind.FORM:
            return self.form is not None and self.form.contact is not None
        if self.automated or not self.sender:
            return False
        if self.kind is Kind.UNKNOWN:
            return self.known_participant
        return self.kind in {Kind.FORM, Kind.COMMAND, Kind.TOO_LARGE}


def _plus_tokens(addresses: tuple[str, ...], mailbox: str) -> list[str]:
    local, _, domain = mailbox.lower().partition("@")
    pattern = re.compile(rf"^{re.escape(local)}\+([{TOKEN_ALPHABET}]{{16}})@{re.escape(domain)}$")
    return [m.group(1) for a in addresses if (m := pattern.match(a.lower()))]


def _ours(message_id: str, config: ProgrammeConfig, lookup: Lookup) -> bool:
    domain = config.programme.message_id_domain.lower()
    bare = message_id.strip("<>").lower()
    return bare.endswith("@" + domain) or lookup.is_our_message_id(message_id)


def _own_loop(mail: ParsedMail, config: ProgrammeConfig, lookup: Lookup) -> str | None:
    if mail.has_header("x-mentoring-sent"):
        return "carries our X-Mentoring-Sent header: our own mail came back"
    if mail.message_id and _ours(mail.message_id, config, lookup):
        return "its Message-ID is one we generated: our own mail came back"
    return None


def _notice(mail: ParsedMail, raw: bytes) -> str | None:
    """Automated mail that is neither a bounce nor an auto-reply, and needs no answer."""
    if reports.feedback_report(mail):
        return "a feedback report (ARF): someone reported our mail as spam"
    if reports.challenge(mail, raw):
        return "a challenge-response notice (a spam filter asking us to verify ourselves)"
    return None


def _bounce_reason(mail: ParsedMail) -> str | None:
    reason = reports.bounce_reason(mail)
    if reason is None and _auto_reason(mail) and reports.failure_wording(mail):
        reason = "automated mail that says delivery failed"
    return reason


def _auto_reason(mail: ParsedMail) -> str | None:
    # Not X-Auto-Response-Suppress: Outlook and Exchange put it on ordinary mail to ask
    # *others* not to auto-reply, so it says nothing about this message.
    auto = mail.header("auto-submitted").strip().lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto.split(';')[0]}"
    for name in ("x-autoreply", "x-autorespond", "x-autoresponder"):
        if mail.has_header(name):
            return f"has an {name} header"
    precedence = mail.header("precedence").strip().lower()
    if precedence in {"bulk", "junk", "list", "auto_reply"}:
        return f"Precedence: {precedence}"
    if any(mail.has_header(h) for h in _LIST_HEADERS):
        return "mailing-list headers (List-*)"
    if mail.content_type == "multipart/report":
        return "a read receipt or other machine report"
    if mail.header("return-path").strip() in {"<>", ""} and mail.has_header("return-path"):
        return "empty Return-Path (<>)"
    return None


def _auto_subject(subject: str) -> bool:
    return bool(_AUTO_SUBJECT.match(subject) or _OOO_SUBJECT.search(subject[:300]))


def _return_date(text: str, reference: date) -> date | None:
    latest = reference + timedelta(days=366)
    dates = [d for d in find_dates(text[:3000], reference, future=True) if reference <= d <= latest]
    return max(dates) if dates else None


def _bounce(
    mail: ParsedMail, raw: bytes, config: ProgrammeConfig, lookup: Lookup, report: Report
) -> Bounce:
    # The token first: it names the person for certain, whatever the report's format.
    haystack = raw[:2_000_000].decode("latin-1") + "\n" + mail.text
    local, _, domain = config.programme.mailbox.lower().partition("@")
    plus = re.compile(
        rf"{re.escape(local)}\+([{TOKEN_ALPHABET}]{{16}})@{re.escape(domain)}", re.IGNORECASE
    )
    candidates = [t.lower() for t in plus.findall(haystack) + _TAG.findall(haystack)]
    tokens = tuple(dict.fromkeys(t for t in candidates if lookup.token_known(t)))
    msgid_domain = re.escape(config.programme.message_id_domain)
    ids = re.findall(rf"<([^<>\s]+@{msgid_domain})>", haystack, re.IGNORECASE)
    message_ids = tuple(dict.fromkeys(f"<{i.lower()}>" for i in ids))
    # A delay or a success notice never marks anyone bouncing.
    permanent = report.kind is ReportKind.FAILURE
    return Bounce(report.failed, message_ids, tokens, permanent=permanent)


_REPORT_DETAIL = {
    ReportKind.FAILURE: "",
    ReportKind.DELAY: " (a delay: the mail may still arrive)",
    ReportKind.SUCCESS: " (a success notice: the mail was delivered)",
}


def _forged(mail: ParsedMail, fresh: str, config: ProgrammeConfig) -> bool:
    index = question_index(config)

    def known(pairs: dict[str, str] | None) -> int:
        return sum(1 for q in (pairs or {}) if fold(q.rstrip("?*: ")) in index)

    if known(answers_from_text(fresh, config)) >= 3:
        return True
    if fresh.lstrip().startswith(("{", "[")) and known(answers_from_json(fresh)) >= 3:
        return True
    for att in mail.attachments:
        if (
            att.filename.lower().endswith(".json")
            and known(answers_from_json(decode_bytes(att.data[:1_000_000], "utf-8"))) >= 3
        ):
            return True
    # A table in a fresh message (not a reply quoting our own mail) can be a pasted form.
    return bool(
        mail.html
        and not mail.in_reply_to
        and not mail.references
        and known(answers_from_rows(html_table_rows(mail.html), config)) >= 3
    )


UNREADABLE = "the message could not be read"


def classify(
    raw: bytes,
    config: ProgrammeConfig,
    lookup: Lookup,
    *,
    commands: CommandTable,
    now: datetime | None = None,
    message: Message | None = None,
) -> Classification:
    """Classify one raw message. Pure apart from `lookup`; never raises on bad mail.
    `commands` is the table of every command a reply may hold; `message`: the raw
    message as `email.message_from_bytes` read it, when the caller has (read once)."""
    try:
        mail = parse_mail(raw, config.limits.max_message_bytes, message)
        return _classify(mail, raw, config, lookup, now or clock.now(), commands)
    except RecursionError:
        # Deeply nested MIME: the pipeline keeps the raw message for a person to look at.
        return Classification(Kind.UNKNOWN, f"{UNREADABLE} (nested too deeply)", sender="")
    except Exception as exc:  # a parser bug must not stop the mailbox; the type names it
        return Classification(Kind.UNKNOWN, f"{UNREADABLE} ({type(exc).__name__})", sender="")


def _classify(
    mail: ParsedMail,
    raw: bytes,
    config: ProgrammeConfig,
    lookup: Lookup,
    moment: datetime,
    table: CommandTable,
) -> Classification:
    today = moment.astimezone(ZoneInfo(config.programme.timezone)).date()
    our_refs = tuple(m for m in (*mail.in_reply_to, *mail.references) if _ours(m, config, lookup))
    # Tokens are cheap to find and let the pipeline attribute an out-of-office or a
    # bounce to a person too, not only a command.
    candidates = _plus_tokens(mail.recipients, config.programme.mailbox)
    candidates += [t.lower() for t in _TAG.findall(mail.subject)]
    known = [t for t in dict.fromkeys(candidates) if lookup.token_known(t)]
    base = Classification(
        Kind.UNKNOWN,
        "",
        token=known[0] if known else None,
        sender=mail.sender,
        sender_name=mail.sender_name,
        message_id=mail.message_id,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        our_references=tuple(dict.fromkeys(our_refs)),
        subject=mail.subject,
        date=mail.date,
        sender_check=check_sender(mail.headers, config.security),
    )

    reason = _own_loop(mail, config, lookup)
    if reason:
        return replace(base, kind=Kind.OWN_LOOP, reason=reason, automated=True)
    form_sender = mail.sender in {s.lower() for s in config.form.senders}
    automated = _automated(base, mail, raw, config, lookup, form_sender=form_sender, today=today)
    if automated is not None:
        return automated
    if form_sender:
        return _form(base, mail, config)
    return _reply(base, mail, config, lookup, table, today=today, tokens=(known, candidates))


def _automated(
    base: Classification,
    mail: ParsedMail,
    raw: bytes,
    config: ProgrammeConfig,
    lookup: Lookup,
    *,
    form_sender: bool,
    today: date,
) -> Classification | None:
    """Mail no person wrote to us: too large to read, a bounce, an automatic reply."""
    notice = _notice(mail, raw)  # ARF, challenge-response: automated, nobody failed
    bounce_reason = None if notice else _bounce_reason(mail)
    # Form relays are machines by nature: their headers do not make them auto-replies.
    auto_reason = None if form_sender else notice or _auto_reason(mail)
    if mail.too_large:
        return replace(
            base,
            kind=Kind.TOO_LARGE,
            reason=f"the message is {mail.size:,} bytes, over the limit of"
            f" {config.limits.max_message_bytes:,}: only its headers were read",
            automated=bool(bounce_reason or auto_reason),
        )
    if bounce_reason:
        report = read_report(mail, raw, {config.programme.mailbox})
        return replace(
            base,
            kind=Kind.BOUNCE,
            reason=bounce_reason + _REPORT_DETAIL[report.kind],
            automated=True,
            bounce=_bounce(mail, raw, config, lookup, report),
        )
    if auto_reason is None and not form_sender and _auto_subject(mail.subject):
        auto_reason = "its subject says it is an automatic reply"
    if not auto_reason:
        return None
    body = new_text(mail.text) or mail.text
    ooo = not notice and (_auto_subject(mail.subject) or bool(_OOO_WORDS.search(body[:3000])))
    tz = ZoneInfo(config.programme.timezone)
    reference = mail.date.astimezone(tz).date() if mail.date and mail.date.tzinfo else today
    return replace(
        base,
        kind=Kind.AUTO_REPLY,
        reason=auto_reason,
        automated=True,
        new_text=body[:2000],
        # Lotus Notes puts the date in the subject only: "(returning 20/03/2026)".
        auto_reply=AutoReply(
            ooo, _return_date(f"{mail.subject}\n{body}", reference) if ooo else None
        ),
    )


def _form(base: Classification, mail: ParsedMail, config: ProgrammeConfig) -> Classification:
    """Mail from a configured form relay."""
    form = parse_form_email(mail, config)
    if form.ok or len(form.problems) < len(question_index(config)):
        return replace(
            base,
            kind=Kind.FORM,
            reason=f"a form submission relayed by {mail.sender}",
            automated=True,
            form=form,
        )
    return replace(
        base,
        reason=f"mail from the form tool ({mail.sender}) that holds no answers",
        automated=True,
    )


def _written_day(mail: ParsedMail, today: date, tz: ZoneInfo) -> date:
    """Relative dates ("yesterday") count from when the person wrote, unless that is absurd."""
    if mail.date is not None and mail.date.tzinfo is not None:
        sent_day = mail.date.astimezone(tz).date()
        if today - timedelta(days=60) <= sent_day <= today:
            return sent_day
    return today


def _reply(
    base: Classification,
    mail: ParsedMail,
    config: ProgrammeConfig,
    lookup: Lookup,
    table: CommandTable,
    *,
    today: date,
    tokens: tuple[list[str], list[str]],
) -> Classification:
    """Mail a person wrote: a command (by token or a reply to us), a coordinator's, or
    from someone we cannot place. `tokens`: the known ones, and every candidate."""
    known, candidates = tokens
    fresh = new_text(mail.text)
    base = replace(base, new_text=fresh)
    if _forged(mail, fresh, config):
        return replace(
            base,
            kind=Kind.FORGED_FORM,
            reason="looks like a form submission but its sender is not a configured form"
            " sender: possible forgery",
        )
    written = _written_day(mail, today, ZoneInfo(config.programme.timezone))
    coordinator = mail.sender in {a.lower() for a in config.coordinators.addresses}
    if known or (base.our_references and not coordinator):
        reading = read_commands(fresh, mail.subject, today=written, commands=table)
        how = f"token {known[0][:4]}…" if known else "a reply to a message we sent"
        if len(known) > 1:
            how += " (several tokens: the first, from the address, is used)"
        return replace(base, kind=Kind.COMMAND, reason=f"{how}: {reading.reason}", commands=reading)
    if coordinator:
        reading = read_commands(
            fresh, mail.subject, today=written, commands=table, coordinator=True
        )
        return replace(
            base,
            kind=Kind.COORDINATOR,
            reason=f"from a coordinator address: {reading.reason}",
            commands=reading,
            token=None,
        )
    unknown_token = " (it carries a token we do not recognise)" if candidates else ""
    participant = bool(mail.sender) and lookup.is_participant(mail.sender)
    who = "a known participant" if participant else "an unknown sender"
    # A participant's fresh email (a question, usually) is read too, so that words of their
    # own get the kind answer; a command in it still needs their token.
    own = read_commands(fresh, mail.subject, today=written, commands=table) if participant else None
    return replace(
        base,
        token=None,
        reason=f"from {who}, with no token we issued and not from a form tool or a coordinator"
        + unknown_token,
        known_participant=participant,
        commands=own,
    )
