"""Data retention: someone whose last round ended longer ago than the retention period,
and who is in no live relationship, is erased without notice (`timeline.retention_due`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from jobs.candidates import DueReport, apply
from service import privacy
from service.app import App
from service.config import ProgrammeConfig
from service.domain import timeline
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def run(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    wait = timeline.days(config.timings.data_retention_after_round)
    with app.uow() as uow:
        # Someone is due only after each of their rounds has ended and the wait passed:
        # while no round has got that far, nobody is (one query instead of one a person).
        if not any(now >= timeline.round_ends_at(r, config) + wait for r in uow.repo.rounds()):
            return
        ids = uow.repo.registered_people_ids()
        candidates = [pid for pid in ids if _due(uow, pid, now, config)]
    for person_id in candidates:
        apply(app, report, "retention", partial(_erase, person_id=person_id, now=now, cfg=config))


def _erase(uow: UnitOfWork, *, person_id: int, now: datetime, cfg: ProgrammeConfig) -> list[Email]:
    # Asked again inside the transaction: the person may have acted meanwhile.
    if not _due(uow, person_id, now, cfg):
        return []
    person = uow.repo.person(person_id)
    assert person is not None
    # No notice to anyone: nobody is in a live relationship with them any more.
    privacy.erase_person(uow, person, now, by="retention")
    return []


def _due(uow: UnitOfWork, person_id: int, now: datetime, cfg: ProgrammeConfig) -> bool:
    person = uow.repo.person(person_id)
    if person is None:
        return False
    round_ids = {r.round_id for r in uow.repo.registrations_of(person_id)}
    rounds = [r for r in (uow.repo.round(i) for i in round_ids) if r is not None]
    return timeline.retention_due(person, rounds, uow.repo.pairings_of(person_id), now, cfg)
