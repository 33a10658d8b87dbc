"""Data retention: someone whose last round ended longer ago than the retention period,
and who is in no live relationship, is erased without notice (`timeline.retention_due`);
so is someone who never confirmed, on the date their confirmation emails gave
(`timeline.unconfirmed_deletion_due`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from jobs.candidates import DueReport, apply
from service import privacy
from service.app import App
from service.config import ProgrammeConfig
from service.domain import timeline
from service.domain.model import RegistrationStatus
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def run(app: App, now: datetime, report: DueReport) -> None:
    _unconfirmed(app, now, report)
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


def _unconfirmed(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    with app.uow() as uow:
        rounds = {r.id: r for r in uow.repo.rounds() if r.id is not None}
        past = [i for i, r in rounds.items() if now >= timeline.unconfirmed_deleted_at(r, config)]
        pending = {
            reg.person_id
            for i in past
            for reg in uow.repo.registrations(i, RegistrationStatus.PENDING_CONFIRMATION)
        }
    for person_id in sorted(pending):
        step = partial(_erase_unconfirmed, person_id=person_id, now=now, cfg=config)
        apply(app, report, "unconfirmed", step)


def _erase_unconfirmed(
    uow: UnitOfWork, *, person_id: int, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    person = uow.repo.person(person_id)
    if person is None:
        return []
    rounds = {r.id: r for r in uow.repo.rounds() if r.id is not None}
    registrations = uow.repo.registrations_of(person_id)
    if not timeline.unconfirmed_deletion_due(person, registrations, rounds, now, cfg):
        return []
    # No notice: they never confirmed, so nobody knows of them.
    privacy.erase_person(uow, person, now, by="unconfirmed")
    return []


def _due(uow: UnitOfWork, person_id: int, now: datetime, cfg: ProgrammeConfig) -> bool:
    person = uow.repo.person(person_id)
    if person is None:
        return False
    round_ids = {r.round_id for r in uow.repo.registrations_of(person_id)}
    rounds = [r for r in (uow.repo.round(i) for i in round_ids) if r is not None]
    return timeline.retention_due(person, rounds, uow.repo.pairings_of(person_id), now, cfg)
