"""Messages to many: the induction invitation and a coordinator's one-off announcement,
to a round's confirmed participants.

Each email's key names the round, the message and the person, so running a command
again (after a crash, or by mistake) writes to nobody twice. Plain reads and queued
emails; the CLI sends them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from service.config import InductionSession, ProgrammeConfig
from service.domain.model import Person, Registration, RegistrationStatus, Role, Round
from service.email_command import CommandTable
from service.emails import email_to
from service.errors import MentoringError
from service.messages import Email
from service.rounds import get_round
from service.store.unit_of_work import UnitOfWork

_SUBJECT_CHARS = 150
_BODY_CHARS = 20_000


@dataclass(frozen=True)
class Session:
    """An induction session as the email shows it (UTC; the template says it locally)."""

    starts_at: datetime
    minutes: int
    how: str
    link: str
    role: str = "both"

    def context(self) -> dict[str, object]:
        return {
            "starts_at": self.starts_at,
            "minutes": self.minutes,
            "how": self.how,
            "link": self.link,
        }


def configured_sessions(config: ProgrammeConfig) -> list[Session]:
    zone = ZoneInfo(config.programme.timezone)
    return [_session(s, zone) for s in config.induction.sessions]


def _session(s: InductionSession, zone: ZoneInfo) -> Session:
    starts = s.starts_at if s.starts_at.tzinfo else s.starts_at.replace(tzinfo=zone)
    return Session(starts, s.minutes, s.how, s.link, s.role)


def _confirmed(uow: UnitOfWork, round_: Round) -> list[tuple[Person, Registration]]:
    assert round_.id is not None
    regs = list(uow.repo.registrations(round_.id, RegistrationStatus.CONFIRMED))
    people = uow.repo.people([r.person_id for r in regs])
    return [(people[r.person_id], r) for r in regs if not people[r.person_id].erased]


def _role(reg: Registration) -> str:
    # Someone who is both goes to the mentors' session: it covers what mentees hear too.
    return "mentor" if reg.has_role(Role.MENTOR) else "mentee"


def invitations(
    uow: UnitOfWork,
    round_name: str,
    sessions: list[Session],
    now: datetime,
    commands: CommandTable,
) -> list[Email]:
    """The induction invitation to each confirmed participant, with the sessions for their
    role that are still to come. Refused (nothing queued) when a role has none."""
    round_ = get_round(uow, round_name)
    coming = [s for s in sessions if s.starts_at > now]
    if not coming:
        raise MentoringError(
            "No induction session is still to come: give one with --at (and --how, --link)"
            " or add [induction] sessions to the configuration."
        )
    emails = []
    for person, reg in _confirmed(uow, round_):
        role = _role(reg)
        theirs = [s.context() for s in coming if s.role in (role, "both")]
        if not theirs:
            raise MentoringError(f"No induction session to come is for {role}s.")
        key = f"induction:{round_.id}:{person.id}"
        emails.append(
            email_to(
                person,
                "induction_invitation",
                key,
                uow,
                commands,
                context={"role": role, "sessions": theirs},
            )
        )
    return emails


def read_announcement(text: str) -> tuple[str, str]:
    """(subject, body) from a coordinator's plain-text file: a first line "Subject: …",
    then the message."""
    first, _, rest = text.replace("\r\n", "\n").partition("\n")
    if not first.lower().startswith("subject:"):
        raise MentoringError('The message file must start with a line "Subject: …".')
    subject, body = first.split(":", 1)[1].strip(), rest.strip()
    if not subject or not body:
        raise MentoringError("The message file needs a subject and some text below it.")
    if len(subject) > _SUBJECT_CHARS or len(body) > _BODY_CHARS:
        raise MentoringError(
            f"The subject may be {_SUBJECT_CHARS} characters and the text {_BODY_CHARS:,}."
        )
    return subject, body


def announcements(
    uow: UnitOfWork, round_name: str, subject: str, body: str, commands: CommandTable
) -> list[Email]:
    """A coordinator's message to each confirmed participant of a round. The key holds a
    hash of the message, so the same message goes to each person once."""
    round_ = get_round(uow, round_name)
    digest = hashlib.sha256(f"{subject}\n{body}".encode()).hexdigest()[:16]
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
    return [
        email_to(
            person,
            "coordinator_announcement",
            f"announce:{round_.id}:{digest}:{person.id}",
            uow,
            commands,
            context={"subject": subject, "paragraphs": paragraphs},
        )
        for person, _reg in _confirmed(uow, round_)
    ]
