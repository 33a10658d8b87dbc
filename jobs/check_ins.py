"""Check-ins every few weeks ("have you met?"), each looking back at the last one: one
side silent starts the unresponsiveness ladder, nobody answering too often brings the
stale warning instead (`timeline.check_in_due`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from jobs.context import pairing_purpose, to_both
from service.config import ProgrammeConfig
from service.domain import liveness, rules, timeline
from service.domain.mail_budget import asked_at_check_in
from service.email_command import CommandTable
from service.messages import Email
from service.purpose import asking_feedback
from service.store.unit_of_work import UnitOfWork


def due(facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig) -> bool:
    return timeline.check_in_due(facts, now, cfg) is not None


def step(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    check_in = timeline.check_in_due(facts, now, cfg)
    if check_in is None:
        return []
    liveness.checked_in(p, now, check_in.unanswered)
    subject = f"pairing:{p.id}"
    if check_in.silent_id is not None:
        liveness.went_quiet(p, check_in.silent_id, now)
        audit = {"silent": check_in.silent_id, "by": "check-in"}
        uow.audit("pairing.ladder_started", subject, audit)
    if check_in.stale:
        return _warn_stale(uow, facts, check_in, now, cfg, commands)
    uow.audit(
        "pairing.check_in", subject, {"number": check_in.number, "unanswered": check_in.unanswered}
    )
    return _ask(uow, facts, check_in, now, cfg, commands)


def _warn_stale(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    check_in: timeline.CheckIn,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    liveness.warned_stale(p, now)
    uow.audit("pairing.stale_warned", f"pairing:{p.id}", {"unanswered": check_in.unanswered})
    closes_on = timeline.stale_closes_at(p, cfg)
    return to_both(
        uow,
        facts,
        "stale_warning",
        f"stale-warning:{p.id}:{check_in.number}",
        cfg,
        commands,
        extra=lambda _me: {"closes_on": closes_on},
    )


def _ask(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    check_in: timeline.CheckIn,
    now: datetime,
    cfg: ProgrammeConfig,
    commands: CommandTable,
) -> list[Email]:
    p = facts.pairing
    assert p.id is not None
    met = uow.repo.distinct_meetings(p.id)
    totals = {
        "meetings_logged": len(met),
        "hours_logged": rules.cpd_points(sum(m.minutes for m in met)),  # = hours_met, no re-read
        "last_met": met[-1].met_on if met else None,
    }
    emails = []
    purpose = pairing_purpose(p.id)
    if cfg.feedback.by_email:
        # The check-in also asks for a score; a reply's number answers this check-in.
        purpose = asking_feedback(purpose, f"check-in {check_in.number}")
    totals["ask_score"] = cfg.feedback.by_email
    for email in to_both(
        uow,
        facts,
        "check_in",
        f"check-in:{p.id}:{check_in.number}",
        cfg,
        commands,
        purpose=purpose,
    ):
        person = facts.person(email.to.person_id or 0)
        # Paused, not lost: someone away gets no check-in this time; the next one comes.
        # The side found silent gets the ladder's nudge instead.
        if not timeline.away(person, now, cfg) and asked_at_check_in(
            email.to.person_id or 0,
            check_in.silent_id,
            ladder_nudges=cfg.timings.unresponsive_nudges,
        ):
            emails.append(replace(email, context={**email.context, **totals}))
    return emails
