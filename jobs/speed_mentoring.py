"""The speed-mentoring stage's rules, found in one pass over each live round: a mentee's
contact nudges and decide reminders, then each mentor's contact check."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Protocol

from jobs import contact_nudges, decide_reminders, mentor_contact_checks
from jobs.candidates import DueReport, apply
from jobs.speed_round import (
    RoundFacts,
    live_rounds,
    per_person,
    person_round_facts,
    round_facts,
)
from service.app import App
from service.config import ProgrammeConfig
from service.domain.model import Person, Registration
from service.email_command import CommandTable
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


class Rule(Protocol):
    """A speed-mentoring rule module: whether it is due for a person (from the facts
    alone), the key of the email its step would send now (reading the mail they had:
    a reminder may give way), and its step."""

    def due(
        self,
        person: Person,
        reg: Registration | None,
        facts: RoundFacts,
        now: datetime,
        cfg: ProgrammeConfig,
    ) -> bool: ...

    def wanted(
        self,
        uow: UnitOfWork,
        person: Person,
        reg: Registration | None,
        facts: RoundFacts,
        now: datetime,
        cfg: ProgrammeConfig,
    ) -> str | None: ...

    def step(
        self,
        uow: UnitOfWork,
        person: Person,
        reg: Registration | None,
        facts: RoundFacts,
        now: datetime,
        cfg: ProgrammeConfig,
        commands: CommandTable,
    ) -> list[Email]: ...


# By the names the run's report counts them under, mentees' rules first.
MENTEE_RULES: tuple[tuple[str, Rule], ...] = (
    ("contact", contact_nudges),
    ("decide", decide_reminders),
)
MENTOR_RULES: tuple[tuple[str, Rule], ...] = (("mentor-check", mentor_contact_checks),)
RULES = dict(MENTEE_RULES + MENTOR_RULES)


def _round_work(
    uow: UnitOfWork, facts: RoundFacts, now: datetime, config: ProgrammeConfig
) -> list[tuple[str, int]]:
    """(rule, person) for everything due in one round whose email is not yet queued.

    A reminder stays due for days after it gave way (or was sent), and each day's step
    would open a transaction to send nothing: asking here, in this one read, what each
    step would send leaves only the candidates with an email to queue. (What gave way
    stays given way: the mail counted since its due moment only grows.)"""
    round_id = facts.round.id
    assert round_id is not None
    regs = {reg.person_id: reg for reg in uow.repo.registrations(round_id)}
    cut = per_person(facts)
    wanted: list[tuple[str, int, str]] = []
    mentees = sorted({i.mentee_id for i in facts.introductions})
    mentors = sorted({i.mentor_id for i in facts.introductions})
    for rules, ids in ((MENTEE_RULES, mentees), (MENTOR_RULES, mentors)):
        found = uow.repo.people(ids)
        for person in found.values():
            assert person.id is not None
            reg, mine = regs.get(person.id), cut[person.id]
            for name, rule in rules:
                if rule.due(person, reg, mine, now, config):
                    key = rule.wanted(uow, person, reg, mine, now, config)
                    if key is not None:
                        wanted.append((name, person.id, key))
    queued = uow.repo.queued_keys([key for _, _, key in wanted])
    return [(name, pid) for name, pid, key in wanted if key not in queued]


def run(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    work: list[tuple[str, int, int]] = []
    with app.uow() as uow:
        for r in live_rounds(uow, now, config):
            assert r.id is not None
            facts = round_facts(uow, r)
            work += [(name, r.id, pid) for name, pid in _round_work(uow, facts, now, config)]
    for name, round_id, person_id in work:
        step = partial(
            _step,
            rule=RULES[name],
            round_id=round_id,
            person_id=person_id,
            now=now,
            cfg=config,
            commands=app.commands,
        )
        apply(app, report, name, step)


def _step(
    uow: UnitOfWork,
    *,
    rule: Rule,
    round_id: int,
    person_id: int,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    """Reload the round and the person, then ask the rule again inside the transaction
    (of the person's own part of the round: the rules look at nothing else)."""
    round_ = uow.repo.round(round_id)
    person = uow.repo.person(person_id)
    if round_ is None or person is None or person.erased:
        return []
    reg = uow.repo.registration(round_id, person_id)
    return rule.step(
        uow, person, reg, person_round_facts(uow, round_, person_id), now, cfg, commands
    )
