"""The long-term pairings' rules, found in one pass over every active pairing and applied
pairing by pairing, each rule in its own transaction, in this order: an ending comes
before a nudge."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial

from jobs import check_ins, guidance, programme_end, stale_closure, unresponsive_ladder
from jobs.candidates import DueReport, apply
from service.app import App
from service.config import ProgrammeConfig
from service.domain import timeline
from service.email_command import CommandTable
from service.messages import Email
from service.store.unit_of_work import UnitOfWork

PairingStep = Callable[
    [UnitOfWork, timeline.PairingFacts, datetime, ProgrammeConfig, CommandTable], list[Email]
]

# By the names the run's report counts them under.
RULES: tuple[tuple[str, PairingStep], ...] = (
    ("programme-end", programme_end.step),
    ("stale", stale_closure.step),
    ("ladder", unresponsive_ladder.step),
    ("check-in", check_ins.step),
    ("guidance", guidance.step),
)


def run(app: App, now: datetime, report: DueReport) -> None:
    with app.uow() as uow:
        ids = _due_pairings(uow, now, app.config)
    for pairing_id in ids:
        for rule, fn in RULES:
            step = partial(
                _step, pairing_id=pairing_id, fn=fn, now=now, cfg=app.config, commands=app.commands
            )
            apply(app, report, rule, step)


def _rule_due(
    facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig
) -> bool | list[str]:
    """Whether any pairing rule has something to do: asked of every active pairing each
    day, so that a quiet day costs a few queries instead of five transactions a pairing.
    When none is due nothing changes, so no rule can become due through another.

    The guidance emails and the end-of-programme notice stay "due" for weeks and are
    sent once by their dedupe keys: for those the keys are returned, and the pairing is
    due only while one of them is not in the outbox yet."""
    if (
        programme_end.closes(facts, now, cfg)
        or stale_closure.due(facts, now, cfg)
        or unresponsive_ladder.due(facts, now, cfg)
        or check_ins.due(facts, now, cfg)
    ):
        return True
    p = facts.pairing
    keys = programme_end.keys(facts, now, cfg) + guidance.keys(facts, now, cfg)
    # The same keys `to_both` gives each side's email.
    return [f"{key}:{side}" for key in keys for side in (p.mentor_id, p.mentee_id)]


def _due_pairings(uow: UnitOfWork, now: datetime, cfg: ProgrammeConfig) -> list[int]:
    active = [p for p in uow.repo.all_active_pairings() if p.id is not None]
    found = uow.repo.people(sorted({p.mentor_id for p in active} | {p.mentee_id for p in active}))
    last_met = uow.repo.last_meeting_logged_at([p.id for p in active if p.id is not None])
    due: list[int] = []
    waiting: dict[int, list[str]] = {}
    for p in active:
        mentor, mentee = found.get(p.mentor_id), found.get(p.mentee_id)
        if mentor is None or mentee is None:
            continue
        assert p.id is not None
        answer = _rule_due(timeline.PairingFacts(p, mentor, mentee, last_met.get(p.id)), now, cfg)
        if answer is True:
            due.append(p.id)
        elif answer:
            waiting[p.id] = answer
    queued = uow.repo.queued_keys([key for keys in waiting.values() for key in keys])
    due += [pid for pid, keys in waiting.items() if not queued.issuperset(keys)]
    return sorted(due)


def _facts(uow: UnitOfWork, pairing_id: int) -> timeline.PairingFacts | None:
    pairing = uow.repo.pairing(pairing_id)
    if pairing is None or not pairing.active:
        return None
    mentor = uow.repo.person(pairing.mentor_id)
    mentee = uow.repo.person(pairing.mentee_id)
    if mentor is None or mentee is None:
        return None
    last_met = uow.repo.last_meeting_logged_at([pairing_id]).get(pairing_id)
    return timeline.PairingFacts(pairing, mentor, mentee, last_met)


def _step(
    uow: UnitOfWork,
    *,
    pairing_id: int,
    fn: PairingStep,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    facts = _facts(uow, pairing_id)
    return fn(uow, facts, now, cfg, commands) if facts is not None else []
