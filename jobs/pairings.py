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


# Whether a rule has something to do for a pairing. The guidance emails and the
# end-of-programme notice stay "due" for weeks and are sent once by their dedupe keys: for
# those the keys are returned, and the rule is due only while one of them is not in the
# outbox yet.
PairingDue = Callable[[timeline.PairingFacts, datetime, ProgrammeConfig], bool | list[str]]


def _end_due(facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig) -> bool | list[str]:
    return programme_end.closes(facts, now, cfg) or programme_end.keys(facts, now, cfg)


DUE: dict[str, PairingDue] = {
    "programme-end": _end_due,
    "stale": stale_closure.due,
    "ladder": unresponsive_ladder.due,
    "check-in": check_ins.due,
    "guidance": guidance.keys,
}


def run(app: App, now: datetime, report: DueReport) -> None:
    """Every active pairing is read in a few queries; only the rules due for a pairing
    open a transaction, so a quiet day costs those queries and nothing more."""
    with app.uow() as uow:
        due = _due_pairings(uow, now, app.config)
    for facts, queued in due:
        _run_pairing(app, report, facts, queued, now)


def _run_pairing(
    app: App,
    report: DueReport,
    facts: timeline.PairingFacts | None,
    queued: set[str],
    now: datetime,
) -> None:
    """The rules due for one pairing, in order, each in its own transaction. A rule that
    changed the pairing may make a later one due (or not): each is asked of the facts as
    the one before left them."""
    cfg = app.config
    for rule, fn in RULES:
        if facts is None:
            return
        if not _is_due(rule, facts, now, cfg, queued):
            continue
        assert facts.pairing.id is not None
        after: list[timeline.PairingFacts | None] = []
        step = partial(
            _step,
            pairing_id=facts.pairing.id,
            fn=fn,
            now=now,
            cfg=cfg,
            seen=after,
            commands=app.commands,
        )
        committed = apply(app, report, rule, step)
        facts = after[0] if committed and after else _reload(app, facts.pairing.id)


def _is_due(
    rule: str, facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig, queued: set[str]
) -> bool:
    answer = DUE[rule](facts, now, cfg)
    if isinstance(answer, bool):
        return answer
    return not queued.issuperset(_side_keys(facts, answer))


def _side_keys(facts: timeline.PairingFacts, keys: list[str]) -> list[str]:
    """The keys `to_both` gives each side's email."""
    p = facts.pairing
    return [f"{key}:{side}" for key in keys for side in (p.mentor_id, p.mentee_id)]


def _due_pairings(
    uow: UnitOfWork, now: datetime, cfg: ProgrammeConfig
) -> list[tuple[timeline.PairingFacts, set[str]]]:
    """The active pairings with a rule due, with their facts and which of their waiting
    emails' keys the outbox already holds."""
    # Read-only copies in three queries: most days nothing is due for most pairings, and
    # each due step reloads its pairing in its own unit of work anyway.
    active, found, last_met = uow.repo.active_pairings_at_a_glance()
    candidates: list[tuple[timeline.PairingFacts, bool, list[str]]] = []
    for p in active:
        mentor, mentee = found.get(p.mentor_id), found.get(p.mentee_id)
        if mentor is None or mentee is None:
            continue
        assert p.id is not None
        facts = timeline.PairingFacts(p, mentor, mentee, last_met.get(p.id))
        answers = [DUE[rule](facts, now, cfg) for rule, _ in RULES]
        keys = [k for a in answers if isinstance(a, list) for k in _side_keys(facts, a)]
        if any(answers):
            candidates.append((facts, any(a is True for a in answers), keys))
    queued = uow.repo.queued_keys([key for _, _, keys in candidates for key in keys])
    due = [(f, queued) for f, urgent, keys in candidates if urgent or not queued.issuperset(keys)]
    return sorted(due, key=lambda d: d[0].pairing.id or 0)


def _facts(uow: UnitOfWork, pairing_id: int) -> timeline.PairingFacts | None:
    found = uow.repo.pairing_and_people(pairing_id)  # one read: each step begins with it
    if found is None or not found[0].active:
        return None
    pairing, mentor, mentee, last_met = found
    return timeline.PairingFacts(pairing, mentor, mentee, last_met)


def _reload(app: App, pairing_id: int) -> timeline.PairingFacts | None:
    with app.uow() as uow:
        return _facts(uow, pairing_id)


def _step(
    uow: UnitOfWork,
    *,
    pairing_id: int,
    fn: PairingStep,
    now: datetime,
    cfg: ProgrammeConfig,
    seen: list[timeline.PairingFacts | None],
    commands: CommandTable,
) -> list[Email]:
    """Reload the pairing inside the transaction (another worker may have acted), then
    ask the rule again; `seen` gets the facts as the step leaves them."""
    facts = _facts(uow, pairing_id)
    seen.append(facts)
    return fn(uow, facts, now, cfg, commands) if facts is not None else []
