"""Contact nudges: days 7 and 14 after the matches, "have you contacted your speed
mentors?" to a mentee who has shown no sign of it (`timeline.contact_nudge_day`), unless
we emailed them in the days before (`context.emailed_lately`)."""

from __future__ import annotations

from datetime import datetime

from jobs.context import emailed_lately, mentor_list
from jobs.speed_round import RoundFacts
from service.config import ProgrammeConfig
from service.domain import timeline
from service.domain.model import Person, Registration
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def nudge_key(round_id: int | None, mentee_id: int | None, day: int) -> str:
    return f"contact-nudge:{round_id}:{mentee_id}:{day}"


def nudged(uow: UnitOfWork, person: Person, round_id: int | None, cfg: ProgrammeConfig) -> bool:
    """Whether `person` had a contact nudge as a mentee in this round."""
    return any(
        uow.repo.outbound_by_key(nudge_key(round_id, person.id, day)) is not None
        for day in cfg.timings.contact_nudges_after
    )


def reminded_as_mentee(
    uow: UnitOfWork, person: Person, facts: RoundFacts, cfg: ProgrammeConfig
) -> bool:
    """Whether `person`'s one speed-stage reminder as a mentee this round is spent: the
    contact nudge went, or it gave way at its due moment to the mail they had then
    (`emailed_lately`: that week's, or a month's budget). Someone with both roles is not
    then asked as a mentor a week later: the same full month would be one email fuller."""
    if nudged(uow, person, facts.round.id, cfg):
        return True
    assert person.id is not None
    sent = timeline.matches_sent_at(facts.live_introductions(person.id))
    if sent is None or not cfg.timings.contact_nudges_after:
        return False
    first = min(cfg.timings.contact_nudges_after)
    return emailed_lately(uow, person, sent + timeline.days(first), cfg)


def due(
    mentee: Person, reg: Registration | None, facts: RoundFacts, now: datetime, cfg: ProgrammeConfig
) -> bool:
    assert mentee.id is not None
    return timeline.contact_nudge_day(mentee, reg, **facts.about(mentee.id, now, cfg)) is not None


def _nudge(
    uow: UnitOfWork,
    mentee: Person,
    reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
) -> tuple[int, datetime] | None:
    """The day of the nudge due now and when the matches went, unless none is due or it
    gives way to the mail they had at its due moment."""
    assert mentee.id is not None
    day = timeline.contact_nudge_day(mentee, reg, **facts.about(mentee.id, now, cfg))
    if day is None:
        return None
    sent = timeline.matches_sent_at(facts.live_introductions(mentee.id))
    assert sent is not None
    if emailed_lately(uow, mentee, sent + timeline.days(day), cfg):
        return None
    return day, sent


def wanted(
    uow: UnitOfWork,
    mentee: Person,
    reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
) -> str | None:
    """The key of the nudge `step` would send now, or None (reads only)."""
    found = _nudge(uow, mentee, reg, facts, now, cfg)
    return None if found is None else nudge_key(facts.round.id, mentee.id, found[0])


def step(
    uow: UnitOfWork,
    mentee: Person,
    reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    assert mentee.id is not None
    found = _nudge(uow, mentee, reg, facts, now, cfg)
    if found is None:
        return []
    day, sent = found
    context = {
        "day": day,
        "contact_by": sent + timeline.days(cfg.timings.speed_window),
        "mentors": mentor_list(uow, facts.live_introductions(mentee.id), cfg),
    }
    key = nudge_key(facts.round.id, mentee.id, day)
    return [email_to(mentee, "contact_nudge", key, uow, commands, context=context)]
