"""Registration reminders: one reminder to confirm, or, in the window's last days, the
"registration closes soon" email instead (`timeline.confirm_reminder_due`,
`timeline.closing_soon_due`)."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from jobs.candidates import DueReport, apply
from jobs.context import registration_purpose
from service.app import App
from service.config import ProgrammeConfig
from service.domain import timeline
from service.domain.model import Registration, RegistrationStatus, Round
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def _due(reg: Registration, round_: Round, now: datetime, config: ProgrammeConfig) -> bool:
    return timeline.confirm_reminder_due(reg, round_, now, config) or timeline.closing_soon_due(
        reg, round_, now, config
    )


def run(app: App, now: datetime, report: DueReport) -> None:
    with app.uow() as uow:
        round_ = uow.repo.round_open_at(now)
        if round_ is None or round_.id is None:
            return
        pending = uow.repo.registrations(round_.id, RegistrationStatus.PENDING_CONFIRMATION)
        due = [r.id for r in pending if r.id is not None and _due(r, round_, now, app.config)]
    for reg_id in due:
        remind = partial(_remind, reg_id=reg_id, now=now, cfg=app.config, commands=app.commands)
        apply(app, report, "registration", remind)


def _remind(
    uow: UnitOfWork, *, reg_id: int, now: datetime, cfg: ProgrammeConfig, commands: CommandTable
) -> list[Email]:
    reg = uow.repo.registration_by_id(reg_id)
    round_ = uow.repo.round(reg.round_id) if reg else None
    person = uow.repo.person(reg.person_id) if reg else None
    if reg is None or round_ is None or person is None or person.erased:
        return []
    if timeline.away(person, now, cfg):
        return []
    context = {"round": {"name": round_.name, "closes_on": round_.closes_at}}
    if timeline.closing_soon_due(reg, round_, now, cfg):
        template, key = "registration_closing_soon", f"closing-soon:{reg.id}"
    elif timeline.confirm_reminder_due(reg, round_, now, cfg):
        template, key = "confirm_reminder", f"confirm-reminder:{reg.id}"
    else:
        return []
    purpose = registration_purpose(reg.id)
    return [email_to(person, template, key, uow, commands, context=context, purpose=purpose)]
