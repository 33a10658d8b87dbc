"""Read one round's facts for the health report through the repository (the I/O edge)."""

from __future__ import annotations

from datetime import datetime

from service.domain.model import Round
from service.health.figures import Facts, InFact, OutFact
from service.store.unit_of_work import UnitOfWork


def load_facts(uow: UnitOfWork, rounds: list[Round], now: datetime) -> list[Facts]:
    """Facts for each round, oldest first; mail is shared out by when it was sent."""
    repo = uow.repo
    outbound = [OutFact(*row) for row in repo.outbound_facts()]
    inbound = [InFact(*row) for row in repo.inbound_facts()]
    out: list[Facts] = []
    for i, r in enumerate(rounds):
        assert r.id is not None
        regs = repo.registrations(r.id)
        pairings = repo.pairings_in(r.id)
        pairing_ids = [p.id for p in pairings if p.id is not None]
        out.append(
            Facts(
                now=now,
                round=r,
                registrations=regs,
                introductions=repo.introductions(r.id),
                approaches=repo.approaches_in(r.id),
                pairings=pairings,
                meetings=repo.meetings_of(pairing_ids),
                feedback=repo.feedback_of(pairing_ids),
                people=repo.people([x.person_id for x in regs]),
                outbound=outbound,
                inbound=inbound,
                until=rounds[i + 1].opens_at if i + 1 < len(rounds) else None,
            )
        )
    return out
