"""Coordinator actions on rounds: create, list, close. (Matching lives in service.matching.)"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from service.domain import rules
from service.domain.model import RegistrationStatus, Round, RoundStatus
from service.errors import DomainError, NotFound

if TYPE_CHECKING:
    from service.store.unit_of_work import ReadsRounds, UnitOfWork

ROUND_NAME_CHARS = 200  # the width of rounds.name: PostgreSQL refuses a longer one


def create_round(
    uow: UnitOfWork, name: str, opens_at: datetime, closes_at: datetime, now: datetime
) -> Round:
    name = " ".join(name.split())
    if not name:
        raise DomainError("A round needs a name, for example '2026'.")
    if len(name) > ROUND_NAME_CHARS:
        raise DomainError(f"A round's name can be at most {ROUND_NAME_CHARS} characters.")
    if closes_at <= opens_at:
        raise DomainError("The registration window must close after it opens.")
    if uow.repo.round_by_name(name) is not None:
        raise DomainError(f"There is already a round called {name!r}.")
    for other in uow.repo.rounds():
        if opens_at < other.closes_at and other.opens_at < closes_at:
            raise DomainError(
                f"Its registration window overlaps round {other.name!r}; a registration"
                " would not know which round it is for."
            )
    status = RoundStatus.OPEN if opens_at <= now < closes_at else RoundStatus.DRAFT
    if now >= closes_at:
        status = RoundStatus.CLOSED
    round_ = Round(name=name, opens_at=opens_at, closes_at=closes_at, created_at=now, status=status)
    uow.add(round_)
    uow.flush()
    uow.audit("round.created", f"round:{round_.id}", {"status": status.value}, actor="coordinator")
    return round_


def get_round(uow: ReadsRounds, name: str) -> Round:
    round_ = uow.repo.round_by_name(name)
    if round_ is None:
        known = ", ".join(r.name for r in uow.repo.rounds()) or "none yet"
        raise NotFound(f"There is no round called {name!r} (rounds: {known}).")
    return round_


def close_round(uow: UnitOfWork, name: str, now: datetime) -> Round:
    """End the registration window now (or confirm it has ended)."""
    round_ = get_round(uow, name)
    if round_.status in (RoundStatus.MATCHED, RoundStatus.SENT):
        raise DomainError(f"Round {round_.name!r} is already matched.")
    if now < round_.opens_at:
        # Closing it now would shrink its window to nothing before anyone could register.
        raise DomainError(
            f"Round {round_.name!r} has not opened for registrations yet (it opens on"
            f" {rules.day(round_.opens_at)}), so there is nothing to close."
        )
    if now < round_.closes_at:
        round_.closes_at = max(now, round_.opens_at)
    round_.status = RoundStatus.CLOSED
    uow.audit("round.closed", f"round:{round_.id}", actor="coordinator")
    return round_


def round_counts(uow: UnitOfWork, round_: Round) -> dict[str, int]:
    assert round_.id is not None
    regs = uow.repo.registrations(round_.id)
    counts = {s.value: 0 for s in RegistrationStatus}
    for r in regs:
        counts[r.status.value] += 1
    counts["introductions"] = len(uow.repo.introductions(round_.id))
    return counts
