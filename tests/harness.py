"""A programme you can talk to by email, for scenario tests.

`Programme` runs the real pipeline on the real Maildir transport and a real SQLite
database: `deliver()` drops a message into the inbox, `process()` does one pass (handle
every message, then send what the outbox holds), and `inbox_of(address)` reads back what
the service sent that person. `reply()` answers one of those emails the way a mail
client would: to its Reply-To, quoting it, with In-Reply-To and References.
"""

from __future__ import annotations

import email
import email.utils
import itertools
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory, StepTickTimeFactory

from service import clock
from service.app import App
from service.domain import working_time
from service.domain.model import Round
from service.mail import outbox
from service.pipeline import PassReport, process_mailbox
from service.rounds import create_round

FORM_SENDER = "noreply@forms.office.com"
_seq = itertools.count(1)


@dataclass
class Sent:
    """One email the service sent, parsed."""

    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    @property
    def text(self) -> str:
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""

    @property
    def html(self) -> str:
        part = self.message.get_body(preferencelist=("html",))
        return part.get_content() if part is not None else ""

    @property
    def reply_to(self) -> str:
        return str(self.message.get("Reply-To") or self.message["From"])

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])


class Programme:
    def __init__(self, app: App) -> None:
        self.app = app
        self.inbox = app.settings.mail_dir / "inbox" / "new"
        self.inbox.mkdir(parents=True, exist_ok=True)

    # --- set-up -------------------------------------------------------------------
    def open_round(self, name: str, opens: datetime, closes: datetime) -> Round:
        with self.app.uow(actor="coordinator") as uow:
            r = create_round(uow, name, opens, closes, clock.now())
            uow.commit()
            return r

    # --- mail in ------------------------------------------------------------------
    def deliver(self, raw: bytes | EmailMessage) -> Path:
        data = raw.as_bytes() if isinstance(raw, EmailMessage) else raw
        path = self.inbox / f"{next(_seq):06d}.test.eml"
        path.write_bytes(data)
        return path

    def process(self) -> PassReport:
        """One pass, as `mentoring process` does: handle every message, then send."""
        report = process_mailbox(self.app)
        outbox.drain(self.app.db, self.app.transport)
        return report

    def send(self, raw: bytes | EmailMessage) -> PassReport:
        self.deliver(raw)
        return self.process()

    def send_held(self, frozen: FrozenDateTimeFactory) -> None:
        """Move the clock on to the next working time and send what waited for it (news
        to a participant other than the one who wrote, the time rules' mail)."""
        config = self.app.config
        frozen.move_to(
            working_time.next_working_time(
                clock.now(), config.working_hours, config.programme.timezone
            )
        )
        outbox.drain(self.app.db, self.app.transport)

    # --- mail out -----------------------------------------------------------------
    def sent(self) -> list[Sent]:
        folder = self.app.settings.mail_dir / "sent"
        found = []
        for sub in ("new", "cur"):
            for path in sorted((folder / sub).glob("*")):
                msg = email.message_from_bytes(path.read_bytes(), policy=default)
                found.append((path.stat().st_mtime_ns, path.name, Sent(msg)))
        return [s for _, _, s in sorted(found, key=lambda t: (t[0], t[1]))]

    def inbox_of(self, address: str) -> list[Sent]:
        return [s for s in self.sent() if address.lower() in s.to.lower()]

    def last_to(self, address: str) -> Sent:
        mails = self.inbox_of(address)
        assert mails, f"nothing was sent to {address}"
        return mails[-1]

    def folder(self, name: str) -> list[Path]:
        base = self.app.settings.mail_dir / name
        return [p for sub in ("new", "cur") for p in sorted((base / sub).glob("*"))]

    # --- building messages ------------------------------------------------------
    def authenticated(self, msg: EmailMessage, result: str = "pass") -> EmailMessage:
        """Add what the configured receiving host adds: its Authentication-Results, here a
        DMARC `result` for the From domain (`verified` senders need "pass")."""
        domain = email.utils.parseaddr(str(msg["From"]))[1].rpartition("@")[2]
        authserv = self.app.config.security.authserv_id or "mx.unconfigured.test"
        msg["Authentication-Results"] = (
            f"{authserv}; spf={result} smtp.mailfrom={domain};"
            f" dkim={result} header.d={domain}; dmarc={result} header.from={domain}"
        )
        return msg

    def form(
        self, answers: dict[str, str], *, sender: str = FORM_SENDER, verified: bool = True
    ) -> EmailMessage:
        """A registration form response as Microsoft Forms relays it (plain text), with the
        receiving host's evidence that the relay sent it unless `verified` is False."""
        questions = {q.field: q.text for q in self.app.config.form.questions}
        body = "\n".join(f"{questions.get(k, k)}: {v}" for k, v in answers.items())
        msg = EmailMessage()
        msg["From"] = f"Microsoft Forms <{sender}>"
        msg["To"] = self.app.config.programme.mailbox
        msg["Subject"] = "New response: LGBT+ mentoring registration"
        msg["Message-ID"] = make_msgid(domain="forms.example")
        msg["Date"] = format_datetime(clock.now())
        msg.set_content(body)
        return self.authenticated(msg) if verified else msg

    def reply(self, to: Sent, body: str, *, sender: str | None = None) -> EmailMessage:
        """Answer one of our emails as a person would, quoting it."""
        msg = EmailMessage()
        # Their mail client writes their own name, not the one we used (which could hold
        # anything a form said): the bare address.
        msg["From"] = sender or email.utils.parseaddr(to.to)[1]
        msg["To"] = to.reply_to
        msg["Subject"] = "RE: " + to.subject
        msg["Message-ID"] = make_msgid(domain="dept.example")
        msg["In-Reply-To"] = to.message_id
        msg["References"] = to.message_id
        msg["Date"] = format_datetime(clock.now())
        quoted = "\n".join("> " + line for line in to.text.splitlines())
        msg.set_content(f"{body}\n\nOn {to.message['Date']}, the programme wrote:\n{quoted}\n")
        return msg

    def plain(
        self, sender: str, subject: str, body: str, *, verified: bool = True, **headers: str
    ) -> EmailMessage:
        """A message that answers nothing of ours; verified by the receiving host unless
        `verified` is False (a coordinator's mail needs it to act at once)."""
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = self.app.config.programme.mailbox
        msg["Subject"] = subject
        msg["Message-ID"] = make_msgid(domain="dept.example")
        msg["Date"] = format_datetime(clock.now())
        for name, value in headers.items():
            msg[name.replace("_", "-")] = value
        msg.set_content(body)
        return self.authenticated(msg) if verified else msg


def person_answers(
    email_address: str,
    first: str,
    last: str,
    *,
    roles: str = "Mentee",
    grade: str = "EO",
    department: str = "HMRC",
    profession: str = "Policy",
    **extra: Any,
) -> dict[str, str]:
    """A complete, valid set of form answers; override any field by keyword."""
    answers = {
        "email": email_address,
        "first_name": first,
        "last_name": last,
        "roles": roles,
        "job_title": "Policy adviser",
        "department": department,
        "grade": grade,
        "profession": profession,
        "profession_of_interest": "Policy",
        "wants_shared_characteristic": "No",
        "bio": f"{first} works on interesting things.",
        "long_term_capacity": "1",
        "eligible": "Yes",
        "consent": "Yes",
    }
    answers.update({k: str(v) for k, v in extra.items()})
    return answers


Clock = FrozenDateTimeFactory | StepTickTimeFactory
