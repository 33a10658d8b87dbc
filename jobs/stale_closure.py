"""Closing a pairing that went quiet: after the stale warning, an answer from either side
revives it; none by the deadline closes it without blame (`timeline.stale_step`)."""

from __future__ import annotations

from datetime import datetime

from jobs.context import hours_met, to_both
from service.config import ProgrammeConfig
from service.domain import liveness, rules, timeline
from service.domain.model import EndReason
from service.email_command import CommandTable
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def due(facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig) -> bool:
    return timeline.stale_step(facts, now, cfg) is not None


def step(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    stale = timeline.stale_step(facts, now, cfg)
    if stale is None:
        return []
    subject = f"pairing:{p.id}"
    if stale is timeline.StaleStep.REVIVED:
        liveness.revived(p)
        uow.audit("pairing.revived", subject)
        return []
    hours = hours_met(uow, p)
    rules.end_pairing(p, EndReason.STALE, now)
    uow.audit("pairing.ended", subject, {"reason": EndReason.STALE.value})
    return to_both(
        uow,
        facts,
        "stale_closed",
        f"stale-closed:{p.id}",
        cfg,
        commands,
        extra=lambda _me: {"hours_logged": hours},
    )
