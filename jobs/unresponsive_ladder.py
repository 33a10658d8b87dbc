"""The unresponsiveness ladder: nudges a week apart to the partner who went quiet; when
they are used up, the pairing ends without blame, both are told kindly and the
coordinators plainly (`timeline.ladder_step`).

A human can step in: with the second nudge (or the only one) the coordinators are told,
and their email offers HOLD, bound to this pairing by its reply token (`handlers/hold.py`).
The partner left behind is given a route on: a new choice among their speed mentors
when they have one to ask, else the next round."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from jobs.context import hours_met, partner_card, to_both
from service.config import ProgrammeConfig
from service.domain import liveness, rules, timeline
from service.domain.model import EndReason, Pairing, Person
from service.email_command import CommandTable
from service.emails import email_to, to_coordinators
from service.messages import Email
from service.new_choice import new_choice
from service.purpose import PurposeKind, of
from service.store.unit_of_work import UnitOfWork


def due(facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig) -> bool:
    return timeline.ladder_step(facts, now, cfg) is not None


def step(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    rung = timeline.ladder_step(facts, now, cfg)
    if rung is None or p.silent_id is None:
        return []
    if rung is timeline.LadderStep.CLEAR:
        liveness.clear_ladder(p)
        uow.audit("pairing.ladder_cleared", f"pairing:{p.id}")
        return []
    if rung is timeline.LadderStep.NUDGE:
        return _nudge(uow, facts, now, cfg, commands)
    return _unpair(uow, facts, now, cfg, commands)


def _nudge(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    assert p.silent_id is not None
    started = p.ladder_started_at or now
    liveness.nudged(p, now)
    uow.audit("pairing.nudged", f"pairing:{p.id}", {"silent": p.silent_id, "nudge": p.nudges_sent})
    silent = facts.person(p.silent_id)
    if silent.erased:
        return []
    context = {
        "partner": partner_card(uow, facts.person(p.partner_of(p.silent_id)), p.round_id, cfg),
        "nudge_number": p.nudges_sent,
        "nudges_total": cfg.timings.unresponsive_nudges,
        # The wording differs: their partner told us (NOT RESPONDING), or we noticed
        # that only one side answered the check-ins. Neither blames anyone.
        "reported_by_partner": _reported_by_partner(uow, p),
    }
    key = f"unresponsive-nudge:{p.id}:{started:%Y%m%dT%H%M}:{p.nudges_sent}"
    nudge = email_to(silent, "unresponsive_nudge", key, uow, commands, context=context)
    if p.nudges_sent != min(2, cfg.timings.unresponsive_nudges):
        return [nudge]
    return [nudge, *_may_hold(facts, silent, f"{key}:coordinators", cfg, commands)]


def _may_hold(
    facts: timeline.PairingFacts,
    silent: Person,
    key: str,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    """Tell the coordinators before anything ends, with a one-word way to stop it."""
    p = facts.pairing
    # The remaining nudges, then the unpairing, each one spacing after the last.
    ends_on = p.last_nudge_at or p.ladder_started_at or p.started_at
    for _ in range(cfg.timings.unresponsive_nudges - p.nudges_sent + 1):
        ends_on = timeline.to_act(ends_on, cfg.timings.unresponsive_nudge_spacing, cfg)
    context = {
        "kind": "last_nudge",
        "subject_detail": f"{silent.name} has not answered their partner",
        "summary": (
            f"{silent.name} has not answered {p.nudges_sent} reminders about their mentoring"
            " partnership. If they stay quiet, we will end the partnership without blame"
            f" on or after {rules.day(ends_on, cfg.programme.timezone)}. Reply HOLD to stop"
            " the reminders and keep the partnership open."
        ),
        "details": [
            ("Mentor", f"{facts.mentor.name} <{facts.mentor.email}>"),
            ("Mentee", f"{facts.mentee.name} <{facts.mentee.email}>"),
            ("Reminders sent", str(p.nudges_sent)),
        ],
        "actions": [],
    }
    # The notice offers HOLD only: its reply token binds it to this pairing.
    hold_line = commands.answers(PurposeKind.HOLD)
    return [
        replace(
            email,
            context={**email.context, "commands": hold_line},
            purpose=of(PurposeKind.HOLD, p.id),
            token_for=silent.id,
        )
        for email in to_coordinators(key, "coordinator_escalation", cfg, context)
    ]


def _reported_by_partner(uow: UnitOfWork, pairing: Pairing) -> bool:
    """Did the partner start this ladder with NOT RESPONDING (not the check-ins)?"""
    started = uow.repo.latest_audit("pairing.ladder_started", f"pairing:{pairing.id}")
    return started is not None and "reported_by" in started.detail


def _unpair(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    """Nudges used up: unpair without blame, tell both kindly and the coordinators plainly."""
    p = facts.pairing
    assert p.silent_id is not None
    started = p.ladder_started_at or now
    hours = hours_met(uow, p)
    silent_role = p.role_of(p.silent_id)
    rules.end_pairing(p, EndReason.UNRESPONSIVE, now)
    uow.audit("pairing.ended", f"pairing:{p.id}", {"reason": EndReason.UNRESPONSIVE.value})
    # The mentee left behind chooses again among their speed mentors (or waits for the
    # next round); a mentor left behind has their long-term place free again.
    rechoice = p.silent_id == p.mentor_id and not facts.mentee.erased
    emails = to_both(
        uow,
        facts,
        "unpaired_notice",
        f"unpaired-notice:{p.id}",
        cfg,
        commands,
        extra=lambda me: {
            "hours_logged": hours,
            "new_choice_follows": rechoice and me.id == p.mentee_id,
        },
    )
    if rechoice:
        emails.append(new_choice(uow, p, facts.mentee, facts.mentor, cfg, commands))
    return emails + to_coordinators(
        f"escalation:unresponsive:{p.id}",
        "coordinator_escalation",
        cfg,
        _escalation(facts, silent_role, started, cfg),
    )


def _escalation(
    facts: timeline.PairingFacts, silent_role: str, started: datetime, cfg: ProgrammeConfig
) -> dict[str, Any]:
    p = facts.pairing
    return {
        "kind": "unresponsive",
        "subject_detail": f"{facts.mentor.name} and {facts.mentee.name}",
        "summary": (
            f"The {silent_role} did not answer {p.nudges_sent} reminders, so the"
            " partnership has been ended without blame and both have been told."
        ),
        "details": [
            ("Mentor", f"{facts.mentor.name} <{facts.mentor.email}>"),
            ("Mentee", f"{facts.mentee.name} <{facts.mentee.email}>"),
            ("Quiet since", rules.day(started, cfg.programme.timezone)),
            ("Reminders sent", str(p.nudges_sent)),
        ],
        "actions": [],
    }
