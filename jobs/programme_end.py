"""The end of the agreed period: thank both and offer CONTINUE; not continued in time,
the pairing closes with thanks (`timeline.end_step`)."""

from __future__ import annotations

from datetime import datetime

from jobs.context import continue_purpose, hours_met, to_both
from service.config import ProgrammeConfig
from service.domain import rules, timeline
from service.domain.model import EndReason
from service.email_command import CommandTable
from service.messages import Email
from service.purpose import asking_feedback
from service.store.unit_of_work import UnitOfWork


def closes(facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig) -> bool:
    return timeline.end_step(facts.pairing, now, cfg) is timeline.EndStep.COMPLETE


def keys(facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig) -> list[str]:
    """The notice's key while it is due: it stays due until CONTINUE or the close."""
    p = facts.pairing
    if timeline.end_step(p, now, cfg) is timeline.EndStep.NOTIFY:
        return [f"programme-end:{p.id}:{p.period}"]
    return []


def step(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    end = timeline.end_step(p, now, cfg)
    if end is None:
        return []
    if end is timeline.EndStep.COMPLETE:
        rules.end_pairing(p, EndReason.COMPLETED, now)
        uow.audit("pairing.ended", f"pairing:{p.id}", {"reason": EndReason.COMPLETED.value})
        return []
    assert p.id is not None
    totals = {
        "started_on": p.started_at,
        "total_meetings": len(uow.repo.distinct_meetings(p.id)),
        "total_hours": hours_met(uow, p),
        "ask_score": cfg.feedback.by_email,
        "feedback_link": cfg.feedback.link_in_end_email and bool(cfg.programme.feedback_url),
    }
    purpose = continue_purpose(p.id)
    if cfg.feedback.by_email:
        purpose = asking_feedback(purpose, f"end {p.period}")
    return to_both(
        uow,
        facts,
        "programme_end",
        f"programme-end:{p.id}:{p.period}",
        cfg,
        commands,
        extra=lambda _me: totals,
        purpose=purpose,
    )
