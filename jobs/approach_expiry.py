"""A long-term request the mentor has not answered: a reminder after a few days, then
it expires and both are told, the mentee with the speed mentors they may still ask
(`timeline.approach_step`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from jobs.candidates import DueReport, apply
from jobs.context import approach_purpose, partner_card
from service.app import App
from service.config import ProgrammeConfig
from service.domain import rules, timeline
from service.domain.model import Approach, Person
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def run(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    with app.uow() as uow:
        due = [
            a.id
            for a in uow.repo.all_pending_approaches()
            if a.id is not None and timeline.approach_step(a, now, config) is not None
        ]
    for approach_id in due:
        step = partial(_step, approach_id=approach_id, now=now, cfg=config, commands=app.commands)
        apply(app, report, "approach", step)


def _step(
    uow: UnitOfWork,
    *,
    approach_id: int,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    approach = uow.repo.approach(approach_id)
    if approach is None:
        return []
    step = timeline.approach_step(approach, now, cfg)
    mentor = uow.repo.person(approach.mentor_id)
    mentee = uow.repo.person(approach.mentee_id)
    if step is None or mentor is None or mentee is None:
        return []
    if step is timeline.ApproachStep.REMINDER:
        return _remind(uow, approach, mentor, mentee, now, cfg, commands)
    return _expire(uow, approach, mentor, mentee, now, cfg, commands)


def _remind(
    uow: UnitOfWork,
    approach: Approach,
    mentor: Person,
    mentee: Person,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    if mentor.erased or timeline.away(mentor, now, cfg):
        return []
    assert approach.id is not None
    reg = uow.repo.registration(approach.round_id, approach.mentor_id)
    context = {
        "mentee": partner_card(uow, mentee, approach.round_id, cfg),
        "reply_by": rules.approach_deadline(approach, cfg),
        "long_term_places": reg.long_term_capacity if reg else 1,
    }
    key = f"approach-reminder:{approach.id}"
    purpose = approach_purpose(approach.id)
    return [
        email_to(mentor, "approach_reminder", key, uow, commands, context=context, purpose=purpose)
    ]


def _expire(
    uow: UnitOfWork,
    approach: Approach,
    mentor: Person,
    mentee: Person,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    rules.expire_approach(approach, now)
    uow.audit("approach.expired", f"approach:{approach.id}", {"status": "expired"})
    emails = []
    if not mentee.erased:
        context = {
            "mentor": partner_card(uow, mentor, approach.round_id, cfg),
            "other_mentors": _others_to_ask(uow, approach),
        }
        key = f"approach-expired:{approach.id}:mentee"
        emails.append(
            email_to(mentee, "approach_expired_mentee", key, uow, commands, context=context)
        )
    if not mentor.erased:
        context = {"mentee": partner_card(uow, mentee, approach.round_id, cfg)}
        key = f"approach-expired:{approach.id}:mentor"
        emails.append(
            email_to(mentor, "approach_expired_mentor", key, uow, commands, context=context)
        )
    return emails


def _others_to_ask(uow: UnitOfWork, approach: Approach) -> list[dict[str, Any]]:
    """The mentee's other live speed mentors they have not asked yet."""
    asked = {a.mentor_id for a in uow.repo.approaches_of_mentee(approach.mentee_id)}
    return [
        {"number": i.number, "name": m.name}
        for i in uow.repo.introductions_of(approach.mentee_id, approach.round_id)
        if i.mentee_id == approach.mentee_id
        and i.mentor_id not in asked
        and i.status in timeline.LIVE_INTRODUCTIONS
        and (m := uow.repo.person(i.mentor_id)) is not None
        and not m.erased
    ]
