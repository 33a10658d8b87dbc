"""The unresponsiveness ladder: nudges a week apart to the partner who went quiet; when
they are used up, the pairing ends without blame, both are told kindly and the
coordinators plainly (`timeline.ladder_step`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jobs.context import hours_met, partner_card, to_both
from service.config import ProgrammeConfig
from service.domain import liveness, rules, timeline
from service.domain.model import EndReason, Pairing
from service.email_command import CommandTable
from service.emails import email_to, to_coordinators
from service.messages import Email
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
    return [email_to(silent, "unresponsive_nudge", key, uow, commands, context=context)]


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
    emails = to_both(
        uow,
        facts,
        "unpaired_notice",
        f"unpaired-notice:{p.id}",
        cfg,
        commands,
        extra=lambda _me: {"hours_logged": hours, "new_choice_follows": False},
    )
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
