"""What the time rules' emails share: how a partner is shown, the speed mentors listed,
hours met, one email to both sides of a pairing, and the purposes replies are bound to."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from service.config import ProgrammeConfig
from service.domain import rules, timeline
from service.domain.card import participant_card
from service.domain.mail_budget import RecentMail, reminder_gives_way
from service.domain.model import Introduction, Pairing, Person
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.purpose import Purpose, PurposeKind, of
from service.store.unit_of_work import UnitOfWork

# --- the purposes a reply token is bound to (built here only) ------------------------------


def registration_purpose(registration_id: int | None) -> Purpose:
    return of(PurposeKind.REGISTRATION, registration_id)


def approach_purpose(approach_id: int) -> Purpose:
    return of(PurposeKind.APPROACH, approach_id)


def pairing_purpose(pairing_id: int | None) -> Purpose:
    return of(PurposeKind.PAIRING, pairing_id)


def continue_purpose(pairing_id: int | None) -> Purpose:
    return of(PurposeKind.CONTINUE, pairing_id)


# --- template context -------------------------------------------------------------------------


def partner_card(
    uow: UnitOfWork, person: Person, round_id: int, config: ProgrammeConfig
) -> dict[str, Any]:
    """`person` as the other side sees them, from their registration in that round."""
    assert person.id is not None
    return participant_card(person, uow.repo.registration(round_id, person.id), config)


def mentor_list(
    uow: UnitOfWork, intros: list[Introduction], config: ProgrammeConfig
) -> list[dict[str, Any]]:
    """A mentee's speed mentors, numbered as in their match email (erased ones left out)."""
    found = uow.repo.people([i.mentor_id for i in intros])
    out = []
    for i in sorted(intros, key=lambda i: i.number):
        mentor = found.get(i.mentor_id)
        if mentor is None or mentor.erased:
            continue
        card_ = partner_card(uow, mentor, i.round_id, config)
        out.append({**card_, "number": i.number, "why": i.why})
    return out


def emailed_lately(
    uow: UnitOfWork, person: Person, due_at: datetime, config: ProgrammeConfig
) -> bool:
    """Whether a reminder that fell due at `due_at` gives way to the email the person had
    from us before it (`mail_budget.reminder_gives_way`: any that week, answers included,
    or the month's budget of emails).

    Counted from the due moment, not from now, so the answer never changes from one day
    to the next: a reminder that gave way is skipped, not sent a few days late on top of
    the next email (how a busy month stays at a handful of emails)."""
    t = config.timings
    if t.reminder_quiet_days == 0 and t.reminder_budget_emails == 0:
        return False

    def since(n: int) -> int:
        return uow.repo.emails_to_since(person.email, due_at - timeline.days(n)) if n else 0

    recent = RecentMail(
        in_quiet_days=since(t.reminder_quiet_days),
        in_budget_days=since(t.reminder_budget_days) if t.reminder_budget_emails else 0,
    )
    return reminder_gives_way(recent, budget_emails=t.reminder_budget_emails)


def hours_met(uow: UnitOfWork, pairing: Pairing) -> float:
    assert pairing.id is not None
    return rules.cpd_points(uow.repo.minutes_met(pairing.id))


def to_both(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    template: str,
    key: str,
    cfg: ProgrammeConfig,
    commands: CommandTable,
    *,
    extra: Callable[[Person], dict[str, Any]] | None = None,
    purpose: Purpose | None = None,
) -> list[Email]:
    """The same email to both sides, each with the other as `partner`."""
    p = facts.pairing
    # Bind replies to this pairing: someone in two pairings answering MET to a check-in
    # means this one.
    purpose = purpose or pairing_purpose(p.id)
    emails = []
    for me, other in ((facts.mentor, facts.mentee), (facts.mentee, facts.mentor)):
        if me.erased or uow.repo.queued_keys([f"{key}:{me.id}"]):
            continue  # queued on an earlier day: the outbox would drop it anyway
        context = {
            "role": p.role_of(me.id or 0),
            "partner": partner_card(uow, other, p.round_id, cfg),
            **(extra(me) if extra else {}),
        }
        emails.append(
            email_to(
                me, template, f"{key}:{me.id}", uow, commands, context=context, purpose=purpose
            )
        )
    return emails
