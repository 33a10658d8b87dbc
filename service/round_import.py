"""Import a round that started in a spreadsheet: a form tool's CSV export.

Each row goes through the same question mapping and checks as an emailed form
(`service.inbound.forms.read_answers`) and the same registration mechanism
(`service.registration`). All problems are reported together, and nothing is imported
unless every row is good.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from service.config import ProgrammeConfig
from service.domain.model import Person, Registration, RegistrationStatus, Round
from service.email_command import CommandTable
from service.emails import email_to
from service.errors import MentoringError
from service.inbound.forms import Registration as FormData
from service.inbound.forms import read_answers
from service.mail import outbox
from service.messages import Email
from service.purpose import PurposeKind, of
from service.registration import registration_context, upsert_registration
from service.rounds import get_round
from service.store.unit_of_work import UnitOfWork

MAX_PROBLEMS_SHOWN = 50


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int


def _rows(path: str | Path) -> list[dict[str, str]]:
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            try:
                dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
            except csv.Error:
                dialect = csv.excel
            return [
                {k.strip(): (v or "").strip() for k, v in row.items() if k}
                for row in csv.DictReader(fh, dialect=dialect)
            ]
    except UnicodeDecodeError:
        raise MentoringError(f"{path}: not UTF-8 text; export the CSV as UTF-8") from None


def import_csv(
    uow: UnitOfWork,
    round_name: str,
    path: str | Path,
    config: ProgrammeConfig,
    now: datetime,
    *,
    commands: CommandTable,
    confirmed: bool = False,
) -> ImportResult:
    round_ = get_round(uow, round_name)
    assert round_.id is not None
    forms = _read_forms(path, config)
    created = updated = 0
    emails: list[Email] = []
    for data in forms:
        person, reg, was_there = upsert_registration(uow, round_.id, data, config, now)
        updated += was_there
        created += not was_there
        if confirmed:
            reg.status = RegistrationStatus.CONFIRMED
            reg.confirmed_at = reg.confirmed_at or now
        elif reg.status is RegistrationStatus.PENDING_CONFIRMATION:
            emails.append(_confirm_address(uow, person, reg, round_, config, commands))
    outbox.queue_all(uow, emails, config)
    uow.audit(
        "round.imported",
        f"round:{round_.id}",
        {"created": created, "updated": updated, "confirmed": confirmed},
        actor="coordinator",
    )
    return ImportResult(created=created, updated=updated)


def _read_forms(path: str | Path, config: ProgrammeConfig) -> list[FormData]:
    """Every row read as a form; all the problems in one error, or none at all."""
    rows = _rows(path)
    if not rows:
        raise MentoringError(f"{path}: no rows to import")
    problems: list[str] = []
    forms = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        result = read_answers(row, config)
        if result.registration is None:
            problems += [f"Row {number}: {p}" for p in result.problems]
            continue
        email = result.registration.email.lower()
        if email in seen:
            problems.append(f"Row {number}: {email} is also on row {seen[email]}")
            continue
        seen[email] = number
        forms.append(result.registration)
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = len(problems) - len(shown)
        raise MentoringError(
            f"Nothing was imported: {len(problems)} problem(s) in {path}.\n"
            + "\n".join(shown)
            + (f"\n… and {more} more." if more else "")
        )
    return forms


def _confirm_address(
    uow: UnitOfWork,
    person: Person,
    reg: Registration,
    round_: Round,
    config: ProgrammeConfig,
    commands: CommandTable,
) -> Email:
    """The double opt-in email for someone imported without --confirmed."""
    asks = of(PurposeKind.REGISTRATION, reg.id)  # "please confirm"
    context = {
        "registration": registration_context(reg, config),
        "round": {"name": round_.name, "closes_on": round_.closes_at},
    }
    key = f"confirm-address:{reg.id}"
    return email_to(person, "confirm_address", key, uow, commands, context=context, purpose=asks)
