"""Deciding about a long-term mentor: at the end of the speed window "time to decide",
then one reminder, until the mentee asks someone, says NONE or is paired
(`timeline.decide_step`). A mentee who met every speed mentor before the window ended
was asked in the answer to that MET (`handlers.met`), so the decide email is not sent
again. The reminder is skipped for a mentee we emailed in the days before it
(`context.emailed_lately`), and so is the decide email itself for a mentee who logged a
speed session: the answer to their MET already said how to choose (KEEP or NONE), so
the day-28 email only repeats it, and gives way like any reminder (issue 16: a busy
month stays at 6 emails or fewer)."""

from __future__ import annotations

from datetime import datetime

from jobs.context import emailed_lately, mentor_list
from jobs.speed_round import RoundFacts
from service.config import ProgrammeConfig
from service.domain import timeline
from service.domain.model import IntroductionStatus, Person, Registration
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.standing import asking_to_decide
from service.store.unit_of_work import UnitOfWork


def due(
    mentee: Person, reg: Registration | None, facts: RoundFacts, now: datetime, cfg: ProgrammeConfig
) -> bool:
    assert mentee.id is not None
    return timeline.decide_step(mentee, reg, **facts.about(mentee.id, now, cfg)) is not None


def _decision(
    uow: UnitOfWork,
    mentee: Person,
    reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
) -> timeline.DecideStep | None:
    """The decide email or its reminder due now, unless it gives way (`_gives_way`)."""
    assert mentee.id is not None
    decide = timeline.decide_step(mentee, reg, **facts.about(mentee.id, now, cfg))
    if decide is not None and _gives_way(uow, mentee, decide, facts, cfg):
        return None
    return decide


def wanted(
    uow: UnitOfWork,
    mentee: Person,
    reg: Registration | None,
    facts: RoundFacts,
    now: datetime,
    cfg: ProgrammeConfig,
) -> str | None:
    """The key of the email `step` would send now, or None (reads only)."""
    decide = _decision(uow, mentee, reg, facts, now, cfg)
    return None if decide is None else timeline.decide_key(decide, facts.round.id, mentee.id)


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
    decide = _decision(uow, mentee, reg, facts, now, cfg)
    if decide is None:
        return []
    key = timeline.decide_key(decide, facts.round.id, mentee.id)
    if uow.repo.outbound_by_key(key) is not None:
        return []  # asked already (the decide email, or the answer to their last MET)
    template = "decide_long_term" if decide is timeline.DecideStep.DECIDE else "decide_reminder"
    asking_to_decide(uow, mentee)
    context = {"mentors": mentor_list(uow, facts.live_introductions(mentee.id), cfg)}
    return [email_to(mentee, template, key, uow, commands, context=context)]


def _gives_way(
    uow: UnitOfWork,
    mentee: Person,
    decide: timeline.DecideStep,
    facts: RoundFacts,
    cfg: ProgrammeConfig,
) -> bool:
    """Whether this decide email repeats what the mentee was told (the reminder always;
    the decide email once a MET answer showed KEEP and NONE) to someone we emailed
    lately at its due moment."""
    assert mentee.id is not None
    live = facts.live_introductions(mentee.id)
    if decide is timeline.DecideStep.REMINDER:
        return emailed_lately(uow, mentee, timeline.decide_reminder_at(live, cfg), cfg)
    if not any(i.status is IntroductionStatus.MET for i in live):
        return False  # the decide email is the first to tell them how to choose
    sent = timeline.matches_sent_at(live)
    assert sent is not None
    return emailed_lately(uow, mentee, sent + timeline.days(cfg.timings.speed_window), cfg)
