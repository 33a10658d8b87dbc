"""Import a round that started in a spreadsheet: a form tool's CSV export (Microsoft
Forms, Google Forms, or any file headed with our questions), or mentor-match's two files.

Each row goes through the same question mapping and checks as an emailed form
(`service.inbound.forms.read_answers`) and the same registration mechanism
(`service.registration`). Every message is written to the coordinator ("Row 12, column
'Your grade': …"); all problems are reported together, and nothing is imported unless
every row is good.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

from service.config import ProgrammeConfig
from service.domain import timeline
from service.domain.model import Person, Registration, RegistrationStatus, Round
from service.email_command import CommandTable
from service.emails import email_to
from service.errors import MentoringError
from service.inbound import mentor_match
from service.inbound.columns import plan_columns
from service.inbound.forms import REQUIRED, Problem, read_answers
from service.inbound.forms import Registration as FormData
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
    report: tuple[str, ...] = ()  # for the coordinator: columns used and ignored, warnings
    rows: tuple[str, ...] = ()  # who is imported, one line each (no characteristic)


def _rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """The file's headers and rows (cells stripped); comma, semicolon or tab separated."""
    if Path(path).suffix.lower() in {".xlsx", ".xls", ".ods"}:
        raise MentoringError(
            f'{path}: a workbook, not a CSV file; save it as "CSV UTF-8" and import that'
        )
    try:
        with open(path, encoding="utf-8-sig", newline="") as fh:
            sample = fh.read(4096)
            fh.seek(0)
            try:
                dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
            except csv.Error:
                dialect = csv.excel
            reader = csv.DictReader(fh, dialect=dialect)
            rows = [
                {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
                for row in reader
            ]
            return [h.strip() for h in reader.fieldnames or ()], rows
    except UnicodeDecodeError:
        raise MentoringError(f"{path}: not UTF-8 text; export the CSV as UTF-8") from None
    except OSError as exc:
        raise MentoringError(f"{path}: cannot be read ({exc.strerror})") from None


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
    """One file: a form tool's export, or one of mentor-match's two files."""
    return import_files(
        uow, round_name, [path], config, now, commands=commands, confirmed=confirmed
    )


def import_files(
    uow: UnitOfWork,
    round_name: str,
    paths: Sequence[str | Path],
    config: ProgrammeConfig,
    now: datetime,
    *,
    commands: CommandTable,
    confirmed: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Every row of every file, or nothing (one report of every problem). The caller
    commits; a dry run does not (and renders no email it would only throw away)."""
    round_ = get_round(uow, round_name)
    assert round_.id is not None
    read = read_files(paths, config)
    created = updated = 0
    emails: list[Email] = []
    for entry in read.entries:
        person, reg, was_there = upsert_registration(uow, round_.id, entry.form, config, now)
        updated += was_there
        created += not was_there
        if confirmed:
            reg.status = RegistrationStatus.CONFIRMED
            reg.confirmed_at = reg.confirmed_at or now
        elif reg.status is RegistrationStatus.PENDING_CONFIRMATION and not dry_run:
            emails.append(_confirm_address(uow, person, reg, round_, config, commands))
    outbox.queue_all(uow, emails, config)
    uow.audit(
        "round.imported",
        f"round:{round_.id}",
        {"created": created, "updated": updated, "confirmed": confirmed},
        actor="coordinator",
    )
    return ImportResult(
        created=created,
        updated=updated,
        report=(*read.columns, *read.warnings),
        rows=tuple(_row_line(e, config) for e in read.entries),
    )


def _row_line(entry: Entry, config: ProgrammeConfig) -> str:
    """Who one entry is, for the dry run: never a characteristic."""
    f = entry.form
    roles = " and ".join(sorted(r.value for r in f.roles))
    interest = f.profession_of_interest
    wants = f", would like a mentor in {interest}" if interest else ""
    return (
        f"{entry.where}: {f.first_name} {f.last_name} <{f.email}>, {roles},"
        f" {config.vocabulary.grade_names.get(f.grade, f.grade)}, {f.department},"
        f" {f.profession}{wants}"
    )


@dataclass(frozen=True)
class Entry:
    """One person to import, and where in the files they came from."""

    form: FormData
    where: str  # "Row 4", or "mentees.csv row 4 and mentors.csv row 2"


@dataclass(frozen=True)
class _Candidate:
    answers: Mapping[str, str]
    where: str
    column: Callable[[str], str | None]  # the header a field was read from


@dataclass
class Reading:
    """The files read: what each one's columns were, the people, and the warnings."""

    columns: list[str] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def read_files(paths: Sequence[str | Path], config: ProgrammeConfig) -> Reading:
    """Every row of every file read as a form; all the problems in one error, or none."""
    read = Reading()
    several = len(paths) > 1
    candidates: list[_Candidate] = []
    matcher_rows: list[mentor_match.Person] = []
    for path in paths:
        headers, rows = _rows(path)
        name = Path(path).name
        if not rows:
            read.problems.append(f"{name}: no rows to import")
            continue
        side = mentor_match.side_of(headers)
        if side is not None:
            read.columns.append(f"{name}: mentor-match's {side.value} file; every column used.")
            matcher_rows += [
                mentor_match.person(row, side, f"{name} row {n}")
                for n, row in enumerate(rows, start=2)
            ]
            continue
        candidates += _form_rows(headers, rows, config, read, name if several else "")
    candidates += _matcher_candidates(matcher_rows, read)
    _read_candidates(candidates, config, read)
    if read.problems:
        raise MentoringError(_refusal(paths, read))
    return read


def _form_rows(
    headers: list[str],
    rows: list[dict[str, str]],
    config: ProgrammeConfig,
    read: Reading,
    name: str,
) -> list[_Candidate]:
    """A form tool's export, or any file headed with our questions."""
    plan = plan_columns(headers, config)
    read.columns.append((f"{name}: " if name else "") + plan.summary())
    for question in plan.missing:
        read.problems.append(
            (f"{name}: " if name else "")
            + f"no column for the required question '{question}' (nor any other wording of it)"
        )
    email_question = next(q.text for q in config.form.questions if q.field == "email")
    where = f"{name} row" if name else "Row"
    return [
        _Candidate(plan.answers(row, email_question), f"{where} {n}", plan.column_of)
        for n, row in enumerate(rows, start=2)  # row 1 is the header
    ]


def _matcher_candidates(rows: list[mentor_match.Person], read: Reading) -> list[_Candidate]:
    """mentor-match's rows; someone in both files once, with both roles."""
    by_email: dict[str, mentor_match.Person] = {}
    for row in rows:
        key = row.answers["email"].strip().lower()
        earlier = by_email.get(key)
        if earlier is None or not key:
            by_email[key or row.where] = row
        elif earlier.side is row.side:
            read.problems.append(f"{row.where}: {key} is also on {earlier.where}")
        else:
            by_email[key] = mentor_match.merged(earlier, row)
    return [
        _Candidate(p.answers, p.where, partial(mentor_match.column_of, side=p.side))
        for p in by_email.values()
    ]


def _read_candidates(candidates: list[_Candidate], config: ProgrammeConfig, read: Reading) -> None:
    seen: dict[str, str] = {}
    for c in candidates:
        result = read_answers(c.answers, config)
        read.warnings += [_message(c, w) for w in result.warnings]
        if result.registration is None:
            read.problems += [
                _message(c, issue)
                for issue in result.issues
                # A missing column is said once, above, not on every row.
                if not (issue.coordinator == REQUIRED and issue.field and not c.column(issue.field))
            ]
            continue
        email = result.registration.email.lower()
        if email in seen:
            read.problems.append(f"{c.where}: {email} is also on {seen[email].lower()}")
            continue
        seen[email] = c.where
        read.entries.append(Entry(result.registration, c.where))


def _message(c: _Candidate, problem: Problem) -> str:
    """ "Row 12, column 'Your grade': “G8” is not a grade we know; …" """
    header = c.column(problem.field) if problem.field else None
    return (
        f"{c.where}, column '{header}': {problem.coordinator}"
        if header
        else (f"{c.where}: {problem.coordinator}")
    )


def _refusal(paths: Sequence[str | Path], read: Reading) -> str:
    shown = read.problems[:MAX_PROBLEMS_SHOWN]
    more = len(read.problems) - len(shown)
    files = ", ".join(str(p) for p in paths)
    return (
        f"Nothing was imported: {len(read.problems)} problem(s) in {files}.\n"
        + "\n".join([*read.columns, *shown])
        + (f"\n… and {more} more." if more else "")
    )


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
        "round": timeline.round_context(round_, config),
    }
    key = f"confirm-address:{reg.id}"
    return email_to(person, "confirm_address", key, uow, commands, context=context, purpose=asks)
