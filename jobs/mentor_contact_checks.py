"""The mentor's contact check: on day 14, "have your speed mentees been in touch?",
listing those who have not (`timeline.mentor_unreported_mentees`); skipped for a mentor
we emailed in the days before (`context.emailed_lately`), and for one who is also a
mentee and had their own contact nudge this round, or whose nudge gave way to the mail
they had then (`contact_nudges.reminded_as_mentee`): someone with both roles gets at most
one reminder about the speed-mentoring stage, as someone with one role does."""

from __future__ import annotations

from datetime import datetime

from jobs.contact_nudges import reminded_as_mentee
from jobs.context import emailed_lately
from jobs.speed_round import RoundFacts
from service.config import ProgrammeConfig
from service.domain import timeline
from service.domain.model import Introduction, Person, Registration
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def due(
    mentor: Person,
    _reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
) -> bool:
    return bool(
        timeline.mentor_unreported_mentees(mentor, facts.introductions, facts.approaches, now, cfg)
    )


def _unreported(
    uow: UnitOfWork, mentor: Person, facts: RoundFacts, now: datetime, cfg: ProgrammeConfig
) -> list[Introduction]:
    """The mentees to ask about now; none when the check is not due or gives way."""
    unreported = timeline.mentor_unreported_mentees(
        mentor, facts.introductions, facts.approaches, now, cfg
    )
    if not unreported:
        return []
    sent = timeline.matches_sent_at([i for i in facts.introductions if i.mentor_id == mentor.id])
    assert sent is not None
    due_at = sent + timeline.days(cfg.timings.mentor_contact_check_after)
    if emailed_lately(uow, mentor, due_at, cfg) or reminded_as_mentee(uow, mentor, facts, cfg):
        return []
    return unreported


def _key(facts: RoundFacts, mentor: Person) -> str:
    return f"mentor-contact-check:{facts.round.id}:{mentor.id}"


def wanted(
    uow: UnitOfWork,
    mentor: Person,
    _reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
) -> str | None:
    """The key of the check `step` would send now, or None (reads only)."""
    return _key(facts, mentor) if _unreported(uow, mentor, facts, now, cfg) else None


def step(
    uow: UnitOfWork,
    mentor: Person,
    _reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    unreported = _unreported(uow, mentor, facts, now, cfg)
    if not unreported:
        return []
    found = uow.repo.people([i.mentee_id for i in unreported])
    mentees = [
        {"number": n, "name": found[i.mentee_id].name, "email": found[i.mentee_id].email}
        for n, i in enumerate(sorted(unreported, key=lambda i: i.id or 0), start=1)
        if i.mentee_id in found
    ]
    context = {"mentees": mentees}
    return [
        email_to(
            mentor, "mentor_contact_check", _key(facts, mentor), uow, commands, context=context
        )
    ]
