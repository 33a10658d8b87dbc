"""Reading delivery reports: is it one, what kind, and whose address failed.

Pure functions over a parsed message. A delivery report is a permanent failure, a delay
(the mail may still arrive: nobody is marked bouncing) or a success notice ("delivered",
"relayed"). Feedback reports (ARF: someone marked our mail as spam) and challenge-response
notices (a spam filter asking the sender to verify themselves) are told apart from them.

The failed addresses come, in order of trust, from the machine-readable DSN fields
(Original-/Final-Recipient with Action and Status), X-Failed-Recipients, Amazon SES
notifications, flufl.bounce's detectors, the report's own wording ("<a@b>: host …",
"a@b... User unknown") and finally the To of the returned message.
Every scan is bounded (`_SCAN_CHARS`), so a huge report costs no more than a small one.
"""

from __future__ import annotations

import email
import json
import logging
import re
from dataclasses import dataclass
from email.message import Message
from enum import StrEnum
from typing import Any

from service.inbound.mime import ParsedMail, decode_bytes

# flufl.bounce logs a traceback whenever one of its heuristics trips over odd mail; we
# handle its failures ourselves (the message is still a bounce), so keep its noise down.
logging.getLogger("flufl.bounce").setLevel(logging.CRITICAL)

_SCAN_CHARS = 200_000
_TEXT_CHARS = 20_000
_NOTICE_CHARS = 5_000
_TO_ASCII = bytes(range(128)) + b"?" * 128
_ADDRESS = r"[\w.!#$%&'*+/=?^`{|}~-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"
_ADDRESS_RE = re.compile(_ADDRESS)

_MACHINE_LOCAL = re.compile(
    r"^(?:mailer[-_]?daemon|postmaster|post_master|mdaemon|mail[-_]?daemon|mailadmin"
    r"|microsoftexchange[0-9a-f]*|mail[-_]?delivery[-_]?(?:system|subsystem)?)$",
    re.IGNORECASE,
)
_MACHINE_FROM = re.compile(
    r"mailer[-_]?daemon|postmaster|post_master|mail delivery (?:system|subsystem)"
    r"|^\s*<>\s*$|^\s*$",
    re.IGNORECASE,
)
_PREFIX = r"^\s*(?:(?:re|fwd?|aw|wg|tr|sv|vs)\s*:\s*)*"
_SUBJECT = re.compile(
    _PREFIX + r"(?:undeliver|undelivered|returned mail|returned to sender|delivery status"
    r"|delivery (?:has )?fail|delivery notification|delivery report|delivery problem"
    r"|mail delivery (?:failed|failure|warning|subsystem|system)|failure notice"
    r"|permanent delivery failure|message not delivered|mail could not be delivered"
    r"|could not (?:be )?deliver|non[- ]?delivery|nondeliverable|delayed mail"
    r"|warning: could not send|there was an error sending your mail|mail system error"
    r"|message delivery failure|non remis|non distribuable|unzustellbar|nicht zustellbar"
    r"|onbestelbaar|no se puede entregar|no entregado|notificación de estado de entrega"
    r"|メールエラー|配信エラー|配信不能|未配達)",
    re.IGNORECASE,
)
_SUBJECT_END = re.compile(
    r"\b(?:non remis|unzustellbar|undeliverable)\s*$|\bnon remis\b|\(delivery failed\)",
    re.IGNORECASE,
)
_DELAY_SUBJECT = re.compile(
    _PREFIX + r".{0,60}(?:\bdelay|\bdelayed\b|mail delivery warning|still being retried"
    r"|not (?:yet )?been delivered|will (?:continue to )?(?:re)?try|warning: could not send"
    r"|\(delay\))",
    re.IGNORECASE,
)
# Wording of a failure, for automated mail that has nothing more formal to go on.
_FAILURE_WORDS = re.compile(
    r"not a valid user|user unknown|unknown user|no such (?:user|mailbox|address|recipient)"
    r"|mailbox (?:unavailable|not found|is full|full)|could not be delivered"
    r"|undeliverable|delivery (?:has )?failed|address rejected|does not exist"
    r"|recipient (?:address )?rejected|permanent(?:ly)? (?:error|failure|failed)"
    r"|message was not delivered|couldn't be delivered|unable to deliver",
    re.IGNORECASE,
)
_CHALLENGE = re.compile(
    r"requires confirmation|sender not pre-approved|not (?:yet )?(?:on|in) (?:my|the) "
    r"(?:approved|allowed) (?:senders? )?list|added to the recipient's (?:allowed|approved)"
    r"|protected by (?:bluebottle|boxbe|spamarrest|mailblocks)|challenge[- ]response"
    r"|verify (?:that )?you are (?:a )?(?:human|real person)|to have your (?:address|email)"
    r" added",
)  # searched in lower-cased text: IGNORECASE made it a millisecond for 3 KB of text
# Words one of _CHALLENGE's wordings must contain: text with none of them is not searched
# (the search tries every alternative at every position, a tenth of a reply's reading).
_CHALLENGE_WORDS = (
    "requires confirmation",
    "approved",
    "allowed",
    "protected by",
    "challenge",
    "verify",
    "to have your",
)
_FIELD = re.compile(
    r"^(original-recipient|final-recipient|action|status|x-actual-recipient)\s*:\s*(.{0,400})$",
    re.IGNORECASE | re.MULTILINE,
)
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# Where the returned message starts in a report written as plain text.
_RETURNED = re.compile(
    r"^(?:-+ ?(?:original message|this is a copy|below this line|the original message"
    r"|undelivered message|returned message)|original message follows|message headers follow"
    r"|------ ?this is a copy|return-path:|received: from )",
    re.IGNORECASE | re.MULTILINE,
)
_TEXT_PATTERNS = [
    re.compile(rf"^\s*<({_ADDRESS})>\s*:", re.MULTILINE),  # qmail, Postfix: "<a@b>: host …"
    # Exim, Gmail, Mimecast: the address alone on its line (perhaps after "-- ")
    re.compile(rf"^\s*(?:--\s*)?<?({_ADDRESS})>?\s*$", re.MULTILINE),
    re.compile(rf"<?({_ADDRESS})>?\.\.\.\s", re.MULTILINE),  # sendmail: "a@b... User unknown"
    re.compile(rf"rcpt to:\s*<({_ADDRESS})>", re.IGNORECASE),
    re.compile(
        rf"\b(?:to|for|recipient|address|user|mailbox)\b[^\n<>@]{{0,40}}?<?({_ADDRESS})",
        re.IGNORECASE,
    ),
    re.compile(rf"^\s*({_ADDRESS})\s*(?:[:(]|on\b|\s-\s|\[)", re.MULTILINE),
]


class ReportKind(StrEnum):
    FAILURE = "failure"
    DELAY = "delay"
    SUCCESS = "success"


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    failed: tuple[str, ...]  # permanent failures (for DELAY: the delayed addresses)
    source: str  # where the addresses came from, for the reason


def _parts(msg: Message) -> list[Message]:
    try:
        return [p for _, p in zip(range(200), msg.walk(), strict=False)]
    except Exception:  # a broken tree: the top is all we have
        return [msg]


def _has_part(msg: Message, ctype: str) -> bool:
    return any(p.get_content_type() == ctype for p in _parts(msg))


def _report_type(mail: ParsedMail) -> str:
    try:
        return str(mail.message.get_param("report-type", "") or "").lower()
    except Exception:
        return ""


def is_machine_sender(mail: ParsedMail) -> bool:
    """Sent by a mail system (MAILER-DAEMON, postmaster, an empty sender)."""
    local = mail.sender.partition("@")[0]
    if local and _MACHINE_LOCAL.match(local):
        return True
    raw_from = mail.header("from")
    return mail.has_header("from") and bool(_MACHINE_FROM.search(raw_from[:300]))


def feedback_report(mail: ParsedMail) -> bool:
    """An abuse/spam feedback report (ARF, RFC 5965) or a provider's complaint notice."""
    if mail.content_type == "multipart/report" and _report_type(mail) == "feedback-report":
        return True
    if _has_part(mail.message, "message/feedback-report"):
        return True
    ses = _ses(mail)
    if ses is not None and ses[0] == "complaint":
        return True
    subject = mail.subject.lower()
    return "complaint about message from" in subject or subject.startswith("abuse report")


def _challenge_wording(text: str) -> bool:
    return any(w in text for w in _CHALLENGE_WORDS) and bool(_CHALLENGE.search(text))


def challenge(mail: ParsedMail, raw: bytes) -> bool:
    """A challenge-response notice: a spam filter asking the sender to prove themselves."""
    if _challenge_wording(mail.text[:_NOTICE_CHARS].lower()):  # such notices are short
        return True
    # A report's machine part (not in the text) may carry it: "550 … requires confirmation".
    report = mail.content_type == "multipart/report" or mail.has_header("x-boxbe-notice")
    return report and _challenge_wording(raw[:_SCAN_CHARS].decode("latin-1").lower())


def bounce_reason(mail: ParsedMail) -> str | None:
    """Why this is a delivery report, or None when it is not one."""
    if mail.content_type == "multipart/report" and _report_type(mail) in {"delivery-status", ""}:
        return "a delivery status report (multipart/report)"
    if _has_part(mail.message, "message/delivery-status"):
        return "a delivery status report (message/delivery-status)"
    if mail.has_header("x-failed-recipients"):
        return "has an X-Failed-Recipients header"
    if is_machine_sender(mail):
        who = mail.sender.split("@")[0] or mail.header("from").strip() or "empty"
        return f"sent by the mail system ({who[:40]})"
    if _SUBJECT.match(mail.subject) or _SUBJECT_END.search(mail.subject[-200:]):
        return "its subject says delivery failed"
    if _ses(mail) is not None:
        return "an Amazon SES delivery notification"
    return None


def failure_wording(mail: ParsedMail) -> bool:
    """Automated mail that reads like a failure notice ("not a valid user here")."""
    return bool(_FAILURE_WORDS.search(mail.text[:3000]))


def _clean(value: str) -> str:
    value = value.strip().strip(";").strip()
    if ";" in value:
        value = value.split(";", 1)[1]
    found = _ADDRESS_RE.search(value)
    return found.group(0).lower().strip(".") if found else ""


def _dsn(text: str) -> tuple[set[str], set[str], set[str]]:
    """(failed, delayed, delivered) addresses from DSN per-recipient fields."""
    failed: set[str] = set()
    delayed: set[str] = set()
    delivered: set[str] = set()
    for block in _PARAGRAPH.split(text):
        if "recipient" not in block.lower():
            continue
        fields: dict[str, str] = {}
        for name, value in _FIELD.findall(block):
            fields.setdefault(name.lower(), value.strip())
        address = _clean(fields.get("original-recipient", "")) or _clean(
            fields.get("final-recipient", "")
        )
        if not address:
            continue
        action = fields.get("action", "").lower().split()[0] if fields.get("action") else ""
        status = fields.get("status", "").strip()[:1]
        if action in {"delivered", "relayed", "expanded", "deliverable"} or (
            not action and status == "2"
        ):
            delivered.add(address)
        elif action == "delayed" or (not action and status == "4"):
            delayed.add(address)
        elif action == "failed" or status in {"5", ""} or action:
            failed.add(address)
    return failed, delayed, delivered


def _ses(mail: ParsedMail) -> tuple[str, tuple[str, ...]] | None:
    """Amazon SES notifications sent through SNS: (type, addresses)."""
    if "amazonaws.com" not in mail.sender and "amazonses" not in mail.header("return-path"):
        return None
    text = mail.text[:_SCAN_CHARS]
    start = text.find("{")
    if start == -1 or ("notificationType" not in text and "eventType" not in text):
        return None
    try:
        data = json.loads(text[start : text.rfind("}") + 1], strict=False)
        if isinstance(data.get("Message"), str):  # the SNS envelope around it
            data = json.loads(data["Message"], strict=False)
    except (ValueError, AttributeError):
        return None
    if not isinstance(data, dict):
        return None
    kind = str(data.get("notificationType") or data.get("eventType") or "").lower()
    found = data.get(kind)
    section: dict[str, Any] = found if isinstance(found, dict) else {}
    people = (
        section.get("bouncedRecipients")
        or section.get("complainedRecipients")
        or [{"emailAddress": r} for r in section.get("recipients", []) if isinstance(r, str)]
    )
    addresses = tuple(_clean(str(p.get("emailAddress", ""))) for p in people if isinstance(p, dict))
    if kind == "bounce" and str(section.get("bounceType", "")).lower() == "transient":
        kind = "delay"
    return kind, tuple(a for a in addresses if a)


def _flufl(raw: bytes) -> tuple[set[str], set[str]]:
    try:
        from flufl.bounce import all_failures

        # Its detectors expect headers to be plain strings; 8-bit bytes would make the
        # parser hand them Header objects, so they see an ASCII-only copy. Some walk every
        # line several times, so only the start: the report is there, the returned mail after.
        ascii_only = email.message_from_bytes(raw[:_SCAN_CHARS].translate(_TO_ASCII))
        temp_raw, perm_raw = all_failures(ascii_only)
    except Exception:  # the detectors are heuristics over arbitrary input
        return set(), set()
    temporary = {decode_bytes(a, "utf-8").lower() for a in temp_raw}
    permanent = {decode_bytes(a, "utf-8").lower() for a in perm_raw}
    return {_clean(a) for a in temporary} - {""}, {_clean(a) for a in permanent} - {""}


def _returned_headers(mail: ParsedMail) -> list[str]:
    """To/Cc addresses of the returned message: who the bounced mail was sent to."""
    found: list[str] = []
    for part in _parts(mail.message):
        ctype = part.get_content_type()
        inner: Message | None = None
        if ctype == "message/rfc822":
            payload = part.get_payload()
            first = payload[0] if isinstance(payload, list) and payload else None
            inner = first if isinstance(first, Message) else None
        elif ctype == "text/rfc822-headers":
            body = part.get_payload(decode=True)
            if isinstance(body, bytes):
                inner = email.message_from_bytes(body[:_SCAN_CHARS])
        if isinstance(inner, Message):
            for name in ("to", "cc"):
                found += [a.lower() for a in _ADDRESS_RE.findall(str(inner.get(name, ""))[:2000])]
    if not found:
        text = mail.text[:_SCAN_CHARS]
        marker = _RETURNED.search(text)
        if marker:
            for line in text[marker.start() : marker.start() + 20_000].split("\n"):
                if line.lower().startswith(("to:", "cc:")):
                    found += [a.lower() for a in _ADDRESS_RE.findall(line[:2000])]
    return found


def _from_wording(mail: ParsedMail) -> list[str]:
    text = mail.text[:_TEXT_CHARS]
    marker = _RETURNED.search(text)
    if marker:
        text = text[: marker.start()]
    found: list[str] = []
    for pattern in _TEXT_PATTERNS:
        found += [a.lower().strip(".") for a in pattern.findall(text)]
    return found


def read_report(mail: ParsedMail, raw: bytes, ours: set[str]) -> Report:
    """What a delivery report says; `ours` are addresses never to count as failed
    (our mailbox, the report's own sender and recipients)."""
    # The report's own To is whoever sent the returned mail; its X-Original-To is not
    # always ours (some agents copy the failed address there), so only To and Cc count.
    values = mail.headers.get("to", ()) + mail.headers.get("cc", ())
    own = [a.lower() for v in values for a in _ADDRESS_RE.findall(v[:2000])]
    ignore = {a.lower() for a in ours} | {mail.sender} | set(own)

    def people(addresses: set[str] | list[str]) -> tuple[str, ...]:
        keep = [a for a in dict.fromkeys(addresses) if a and a not in ignore]
        return tuple(sorted(keep))

    ses = _ses(mail)
    if ses is not None and ses[0] in {"bounce", "delay", "delivery"}:
        kind = {"bounce": ReportKind.FAILURE, "delay": ReportKind.DELAY}.get(
            ses[0], ReportKind.SUCCESS
        )
        return Report(kind, people(list(ses[1])), "Amazon SES notification")

    scan = raw[:_SCAN_CHARS].decode("latin-1").replace("\r\n", "\n")
    failed, delayed, delivered = _dsn(scan)
    failed, delayed = set(people(failed)), set(people(delayed))
    if failed:
        return Report(ReportKind.FAILURE, tuple(sorted(failed)), "DSN fields")
    if delayed:
        return Report(ReportKind.DELAY, tuple(sorted(delayed)), "DSN fields")
    if delivered:
        return Report(ReportKind.SUCCESS, (), "DSN fields")

    header: set[str] = set()
    for value in mail.headers.get("x-failed-recipients", ()):
        header.update(_clean(a) for a in value.split(","))
    temporary, permanent = _flufl(raw)
    delay = bool(_DELAY_SUBJECT.match(mail.subject)) or (bool(temporary) and not permanent)
    kind = ReportKind.DELAY if delay and not header else ReportKind.FAILURE
    for source, addresses in (
        ("X-Failed-Recipients", header),
        ("flufl.bounce", permanent | temporary),
        ("the report's wording", _from_wording(mail)),
        ("the returned message's To", _returned_headers(mail)),
    ):
        found = people(addresses)
        if found:
            return Report(kind, found, source)
    return Report(kind, (), "nothing")
