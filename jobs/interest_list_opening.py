"""When a round's registration window is open, everyone on the interest list hears so,
once for that round (`service.interest_list.opened_emails`). Run with the other time rules;
an email already queued for an entry is not queued again."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from jobs.candidates import DueReport, apply
from service import interest_list
from service.app import App
from service.config import ProgrammeConfig
from service.email_command import CommandTable
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def run(app: App, now: datetime, report: DueReport) -> None:
    with app.uow() as uow:
        round_ = uow.repo.round_open_at(now)
        if round_ is None or round_.id is None or not uow.repo.interest_entries():
            return
        round_id = round_.id
    step = partial(_tell, round_id=round_id, cfg=app.config, commands=app.commands)
    apply(app, report, "interest_list", step)


def _tell(
    uow: UnitOfWork, *, round_id: int, cfg: ProgrammeConfig, commands: CommandTable
) -> list[Email]:
    round_ = uow.repo.round(round_id)
    if round_ is None:
        return []
    return interest_list.opened_emails(uow, round_, cfg, commands)
