"""Guidance emails during a pairing's first months: first meeting, learning contract,
ground rules, GROW, feedback (`timeline.guidance_step`)."""

from __future__ import annotations

from datetime import datetime

from jobs.context import to_both
from service.config import ProgrammeConfig
from service.domain import timeline
from service.email_command import CommandTable
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def keys(facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig) -> list[str]:
    """The email's key while one is due: it stays due for weeks and is sent once."""
    index = timeline.guidance_step(facts.pairing, now, cfg)
    return [] if index is None else [f"guidance:{facts.pairing.id}:{index}"]


def step(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    index = timeline.guidance_step(p, now, cfg)
    if index is None:
        return []
    template = timeline.guidance_template(index)
    return to_both(uow, facts, template, f"guidance:{p.id}:{index}", cfg, commands)
