"""`mentoring round …`: the coordinators' round workflow."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from service import clock
from service.cli.options import now_option, with_app
from service.errors import MentoringError

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime

    from service.app import App
    from service.domain.model import Approach, Introduction, Pairing
    from service.messages import Email
    from service.round_matching import Proposal
    from service.store.unit_of_work import UnitOfWork


def _moment(_ctx: click.Context, _param: click.Parameter, value: str) -> object:
    try:
        return clock.parse_moment(value)
    except Exception as exc:
        raise click.BadParameter(str(exc)) from None


@click.group("round")
def round_group() -> None:
    """Create, close, match and send a round."""


@round_group.command("create")
@click.argument("name")
@click.option(
    "--opens", required=True, callback=_moment, metavar="DATE", help="Window opens (ISO 8601)."
)
@click.option(
    "--closes", required=True, callback=_moment, metavar="DATE", help="Window closes (ISO 8601)."
)
@click.option(
    "--past",
    is_flag=True,
    help="Allow a window that has already closed (an earlier round's records).",
)
@now_option
@with_app
def round_create(app: App, name: str, opens: datetime, closes: datetime, past: bool) -> None:
    """Create a round with its registration window. Writes to nobody.

    A window that has already closed is refused (a mistyped year, most likely) unless
    --past says it is meant: an earlier round whose people are then imported.
    """
    from service.domain import rules
    from service.rounds import create_round

    if not past and closes <= clock.now():
        raise MentoringError(
            f"Round {name.strip()!r} would be in the past: its window closes on"
            f" {rules.day(closes, app.config.programme.timezone)}, before now. Check the"
            " dates, or add --past for an earlier round's records."
        )
    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        r = create_round(uow, name, opens, closes, clock.now())
        uow.commit()
        phase = {"draft": "not open yet", "open": "open now", "closed": "already closed"}
        click.echo(f"Round {r.name!r} created: registrations {phase[r.status.value]}.")


@round_group.command("list")
@now_option
@with_app
def round_list(app: App) -> None:
    """List rounds with their windows and numbers."""
    from zoneinfo import ZoneInfo

    from rich.console import Console
    from rich.table import Table

    from service.domain.rules import round_phase
    from service.rounds import round_counts

    app.db.ensure_ready()
    table = Table("round")
    for heading in ("opens", "closes"):
        table.add_column(heading, min_width=10, no_wrap=True)
    for heading in ("status", "confirmed", "pending", "left", "intros"):
        table.add_column(heading)
    tz = app.config.programme.timezone
    with app.uow() as uow:
        for r in uow.repo.rounds():
            c = round_counts(uow, r)
            table.add_row(
                r.name,
                f"{r.opens_at.astimezone(ZoneInfo(tz)):%Y-%m-%d}",
                f"{r.closes_at.astimezone(ZoneInfo(tz)):%Y-%m-%d}",
                round_phase(r, clock.now()).value,
                str(c["confirmed"]),
                str(c["pending_confirmation"]),
                str(c["withdrawn"]),
                str(c["introductions"]),
            )
    Console().print(table)


@round_group.command("close")
@click.argument("name")
@now_option
@with_app
def round_close(app: App, name: str) -> None:
    """Close a round's registration window now."""
    from service.rounds import close_round

    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        r = close_round(uow, name, clock.now())
        uow.commit()
        click.echo(f"Round {r.name!r} is closed for registrations.")


def _check_can_write(*paths: str | None) -> None:
    """Refuse before matching, not after it, when an output's folder is missing."""
    for given in paths:
        if given is not None and not Path(given).parent.is_dir():
            raise MentoringError(
                f"Could not write {given}: {Path(given).parent} is not an existing folder."
            )


def _write(path: Path, text: str) -> None:
    """Write a file the coordinator asked for; a path that cannot be written is one line."""
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise MentoringError(f"Could not write {path}: {exc.strerror or exc}.") from None


@round_group.command("match")
@click.argument("name")
@click.option(
    "--dry-run", "dry_run", is_flag=True, help="Show the proposal; store nothing (default)."
)
@click.option("--commit", "commit_", is_flag=True, help="Store the proposal as introductions.")
@click.option(
    "--late",
    is_flag=True,
    help="Match into spare capacity after the commit: people confirmed since, and mentees"
    " left behind (their long-term mentor withdrew, went silent or unpaired, or every speed"
    " mentor is full); people who left are ignored.",
)
@click.option(
    "--report", "report_path", type=click.Path(dir_okay=False), help="Write the HTML report here."
)
@click.option(
    "--csv",
    "csv_path",
    type=click.Path(dir_okay=False),
    help="Write one row per proposed introduction here, and the totals beside it"
    " (NAME-totals.csv).",
)
@click.option("--overrides", type=click.Path(dir_okay=False), help="TOML file of pin/forbid pairs.")
@click.option(
    "--write-overrides",
    "write_overrides",
    type=click.Path(dir_okay=False),
    help="Write a TOML file pinning every proposed pair, to edit and pass to --overrides.",
)
@now_option
@with_app
def round_match(
    app: App,
    name: str,
    dry_run: bool,
    commit_: bool,
    late: bool,
    report_path: str | None,
    csv_path: str | None,
    overrides: str | None,
    write_overrides: str | None,
) -> None:
    """Match a closed round: the best possible introductions, explained.

    Without --commit nothing is stored and nobody is written to: read the report (every
    proposed introduction, with its reason), pin or forbid pairs in an overrides file
    (--write-overrides writes one pinning every proposed pair), and run it again.
    """
    from service.round_matching import commit, propose, read_overrides

    if dry_run and commit_:
        raise click.UsageError("Choose --dry-run or --commit, not both.")
    _check_can_write(report_path, csv_path, write_overrides)
    pins = read_overrides(overrides)
    if not commit_:
        # Reads only: on a SQLite file, without loading SQLAlchemy (see `App.reads`). The
        # late path reads people's partnerships and requests too: a unit of work, uncommitted.
        if late:
            app.db.ensure_ready()
        with app.uow(actor="coordinator") if late else app.reads() as reads:
            proposal = propose(reads, name, app.config, clock.now(), overrides=pins, late=late)
        _echo_proposal(proposal)
        _write_outputs(proposal, report_path, csv_path, write_overrides)
        click.echo("Nothing stored (dry run). Add --commit to store these introductions.")
        return
    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        proposal = propose(uow, name, app.config, clock.now(), overrides=pins, late=late)
        _echo_proposal(proposal)
        # Written before the commit: a path that cannot be written stores nothing.
        _write_outputs(proposal, report_path, csv_path, write_overrides)
        stored = commit(uow, proposal, app.config, clock.now())
        uow.commit()
        click.echo(f"Committed {stored} introductions. Next: mentoring round send-matches {name}")


def _echo_proposal(proposal: Proposal) -> None:
    """The totals, then the first 20 introductions, unmatched people and refused pins."""
    from service.matching.report import proposed

    o = proposal.result.objective
    rep = proposal.report
    name = {pid: p.name for pid, p in proposal.people.items()}
    click.echo(
        f"{o.mentees_matched} of {rep.mentees} mentees and {o.mentors_matched} of {rep.mentors}"
        f" mentors matched; {o.introductions} introductions; score {o.score}"
        f" ({'exact optimum' if proposal.result.exact else 'pruned'},"
        f" {proposal.result.seconds:.2f} s)."
    )
    new = proposed(rep)
    for row in new[:20]:
        pin = " (pinned)" if row.pinned else ""
        click.echo(
            f"  introduce: {name[row.mentee_id]} to {name[row.mentor_id]}{pin}: {row.reason}"
        )
    if len(new) > 20:
        click.echo(f"  … and {len(new) - 20} more introductions (see --report or --csv)")
    for u in rep.unmatched[:20]:
        click.echo(f"  not matched: {name[u.id]} ({u.role}): {u.reason}")
    if len(rep.unmatched) > 20:
        click.echo(f"  … and {len(rep.unmatched) - 20} more (see the report)")
    for p in rep.pin_problems:
        click.echo(f"  pin not honoured: {name[p.mentor_id]} with {name[p.mentee_id]}: {p.reason}")
    _echo_second_chances(proposal, name)


def _echo_second_chances(proposal: Proposal, name: dict[int, str]) -> None:
    """Late matching: the mentees left behind, and whether a new mentor was found."""
    from service.matching import Origin

    offered = {
        i.mentee_id for i in proposal.result.introductions if i.origin is not Origin.EXISTING
    }
    for mentee_id, why in sorted(proposal.second_chance.items(), key=lambda kv: name[kv[0]]):
        found = "a new introduction" if mentee_id in offered else "no mentor free yet"
        click.echo(f"  second chance: {name[mentee_id]} ({why}): {found}")


def _write_outputs(
    proposal: Proposal, report_path: str | None, csv_path: str | None, overrides: str | None
) -> None:
    """The HTML report, the CSVs and the overrides file the coordinator asked for."""
    if report_path:
        _write(Path(report_path), proposal.html())
        click.echo(f"Report: {report_path}")
    if csv_path:
        path = Path(csv_path)
        totals = path.with_name(f"{path.stem}-totals{path.suffix or '.csv'}")
        _write(path, proposal.csv())
        _write(totals, proposal.totals_csv())
        click.echo(f"CSV: {csv_path} (one row per introduction); totals: {totals}")
    if overrides:
        _write(Path(overrides), proposal.overrides())
        click.echo(f"Overrides: {overrides} (edit it, then run again with --overrides)")


@round_group.command("send-matches")
@click.argument("name")
@click.option(
    "--queue-only", is_flag=True, help="Queue the emails for the worker; do not send now."
)
@now_option
@with_app
def round_send_matches(app: App, name: str, queue_only: bool) -> None:
    """Queue (and send) the match emails. Running it again sends nothing new."""
    from service.round_matching import send_matches

    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        queued = send_matches(uow, name, app.config, clock.now(), app.commands)
        uow.commit()
    _send_queued(app, queued, queue_only)


def _send_queued(app: App, queued: int, queue_only: bool) -> None:
    """Say what was queued and, unless --queue-only, send everything waiting now."""
    from rich.progress import Progress

    from service.mail import outbox
    from service.mail.ratelimit import eta

    waiting = outbox.queued_count(app.db)
    click.echo(f"Queued {queued} new emails; {waiting} waiting to be sent.")
    limited = app.settings.mail_backend != "maildir" or app.config.sending.limit_local
    if limited and waiting:
        click.echo(str(eta(waiting, app.config.sending)))
    if queue_only or not waiting:
        return
    with Progress(transient=True) as progress:
        task = progress.add_task("Sending", total=waiting)
        report = outbox.drain(app.db, app.transport, progress=lambda n: progress.advance(task, n))
    click.echo(f"Sent {report.sent}; failed {report.failed}; still queued {report.deferred}.")


_QUEUE_ONLY = click.option(
    "--queue-only", is_flag=True, help="Queue the emails for the worker; do not send now."
)
_DRY_RUN = click.option(
    "--dry-run", is_flag=True, help="Say who would be written to; queue nothing."
)


def _queue(app: App, build: Callable[[UnitOfWork], list[Email]], dry_run: bool) -> int | None:
    """Build the emails in one transaction and queue them (None on a dry run)."""
    from service.mail import outbox

    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        emails = build(uow)
        if dry_run:
            click.echo(f"Would write to {len(emails)} people. Nothing queued (dry run).")
            return None
        queued = outbox.queue_all(uow, emails, app.config)
        uow.commit()
    if len(queued) < len(emails):
        click.echo(f"{len(emails) - len(queued)} had it already (or cannot be reached).")
    return len(queued)


@round_group.command("invite")
@click.argument("name")
@click.option("--at", "at", metavar="DATETIME", help="A session's start (programme-local time).")
@click.option("--minutes", type=click.IntRange(5, 480), default=45, show_default=True)
@click.option("--how", default="on Microsoft Teams", show_default=True, help="Where it is held.")
@click.option("--link", default="", help="The joining link.")
@_DRY_RUN
@_QUEUE_ONLY
@now_option
@with_app
def round_invite(
    app: App,
    name: str,
    at: str | None,
    minutes: int,
    how: str,
    link: str,
    dry_run: bool,
    queue_only: bool,
) -> None:
    """Invite the round's confirmed participants to an induction session.

    Writes once to each confirmed participant (mentors and those who are both get the
    mentors' session, mentees the mentees'), with the sessions still to come: the one
    given by --at, else [induction] sessions in the configuration. Running it again writes
    to nobody twice. Changes nothing else.
    """
    from service.round_mail import Session, configured_sessions, invitations

    sessions = configured_sessions(app.config)
    if at:
        sessions = [
            Session(clock.parse_moment(at, app.config.programme.timezone), minutes, how, link)
        ]
    now = clock.now()
    queued = _queue(app, lambda uow: invitations(uow, name, sessions, now, app.commands), dry_run)
    if queued is not None:
        _send_queued(app, queued, queue_only)


@round_group.command("announce")
@click.argument("name")
@click.option(
    "--template",
    "template",
    required=True,
    type=click.Path(dir_okay=False),
    help='A plain-text file: a first line "Subject: …", then the message.',
)
@_DRY_RUN
@_QUEUE_ONLY
@now_option
@with_app
def round_announce(app: App, name: str, template: str, dry_run: bool, queue_only: bool) -> None:
    """Send a coordinators' one-off message to the round's confirmed participants.

    Each confirmed participant is written to once with this message (the same file again
    writes to nobody twice), with the usual footer of what they can reply. Changes nothing
    else.
    """
    from service.round_mail import announcements, read_announcement

    try:
        text = Path(template).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise MentoringError(f"Could not read {template}: {_why(exc)}.") from None
    subject, body = read_announcement(text)
    queued = _queue(app, lambda uow: announcements(uow, name, subject, body, app.commands), dry_run)
    if queued is not None:
        _send_queued(app, queued, queue_only)


def _why(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "it is not UTF-8 text"
    return str(getattr(exc, "strerror", None) or exc)


@round_group.command("import")
@click.argument("name")
@click.argument("csv_file", required=False, type=click.Path(dir_okay=False))
@click.option("--mentees", type=click.Path(dir_okay=False), help="mentor-match's mentees.csv.")
@click.option("--mentors", type=click.Path(dir_okay=False), help="mentor-match's mentors.csv.")
@click.option("--confirmed", is_flag=True, help="Mark everyone confirmed (they agreed elsewhere).")
@click.option("--dry-run", is_flag=True, help="Show what would be imported; store nothing.")
@now_option
@with_app
def round_import(
    app: App,
    name: str,
    csv_file: str | None,
    mentees: str | None,
    mentors: str | None,
    confirmed: bool,
    dry_run: bool,
) -> None:
    """Bring in a round that started in a spreadsheet: a form tool's CSV export
    (Microsoft Forms, Google Forms) or mentor-match's mentees.csv and mentors.csv.

    Every row is read with the form's questions and checks; one report lists all the
    problems, and nothing is imported unless every row is good.
    """
    from service.round_import import import_files

    paths = [p for p in (csv_file, mentees, mentors) if p]
    if not paths:
        raise MentoringError("give a CSV file, or --mentees and --mentors (mentor-match's files)")
    for path in paths:
        if not Path(path).is_file():
            raise MentoringError(f"{path}: no such file")
    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        result = import_files(
            uow,
            name,
            paths,
            app.config,
            clock.now(),
            commands=app.commands,
            confirmed=confirmed,
            dry_run=dry_run,
        )
        if dry_run:
            uow.rollback()  # everything it did is undone: nothing stored, no email queued
        else:
            uow.commit()
    for line in result.report:
        click.echo(line)
    how = "confirmed" if confirmed else "each asked to confirm by email"
    if dry_run:
        click.echo(
            f"Dry run: would import {result.created} new and {result.updated} updated"
            f" registrations into {name!r} ({how}). Nothing was stored and nobody was emailed."
        )
        for line in result.rows:
            click.echo(line)
        return
    click.echo(
        f"Imported {result.created} new and {result.updated} updated registrations into"
        f" {name!r} ({how})."
    )


@round_group.command("show")
@click.argument("name")
@now_option
@with_app
def round_show(app: App, name: str) -> None:
    """A round's introductions, approaches and pairings, for the coordinator.

    It only reads: it changes nothing and tells nobody. Never shows a characteristic.
    """
    from zoneinfo import ZoneInfo

    from rich.console import Console

    from service.rounds import get_round

    tz = ZoneInfo(app.config.programme.timezone)

    def day(moment: datetime | None) -> str:
        return "" if moment is None else f"{moment.astimezone(tz):%Y-%m-%d}"

    app.db.ensure_ready()
    with app.uow() as uow:
        r = get_round(uow, name)
        assert r.id is not None
        intros = uow.repo.introductions(r.id)
        approaches = uow.repo.approaches_in(r.id)
        pairings = uow.repo.pairings_in(r.id)
        ids = {i.mentee_id for i in intros} | {i.mentor_id for i in intros}
        ids |= {a.mentee_id for a in approaches} | {a.mentor_id for a in approaches}
        ids |= {p.mentee_id for p in pairings} | {p.mentor_id for p in pairings}
        people = uow.repo.people(sorted(ids))

    def who(pid: int) -> str:
        p = people.get(pid)
        return f"participant {pid} (erased)" if p is None or p.erased else p.name

    console = Console()
    console.print(
        f"Round {r.name!r}: {len(intros)} introductions, {len(approaches)} approaches,"
        f" {len(pairings)} pairings."
    )
    console.print(_introductions_table(intros, who))
    console.print(_approaches_table(approaches, who, day))
    console.print(_pairings_table(pairings, who, day))


def _introductions_table(intros: Sequence[Introduction], who: Callable[[int], str]) -> object:
    from rich.table import Table

    if not intros:
        return "No introductions yet: the round has not been matched and committed."
    table = Table("mentee", "mentor", "state", title="Introductions")
    for i in intros:
        table.add_row(who(i.mentee_id), who(i.mentor_id), i.status.value.replace("_", " "))
    return table


def _approaches_table(
    approaches: Sequence[Approach], who: Callable[[int], str], day: Callable[[datetime | None], str]
) -> object:
    from rich.table import Table

    if not approaches:
        return "No approaches yet: no mentee has asked a mentor to continue."
    table = Table("mentee → mentor", "state", "asked", "answered", title="Approaches")
    for a in approaches:
        table.add_row(
            f"{who(a.mentee_id)} → {who(a.mentor_id)}",
            a.status.value,
            day(a.created_at),
            day(a.answered_at),
        )
    return table


def _pairings_table(
    pairings: Sequence[Pairing], who: Callable[[int], str], day: Callable[[datetime | None], str]
) -> object:
    from rich.table import Table

    from service.health.figures import ENDINGS

    if not pairings:
        return "No pairings yet."
    table = Table("mentee", "mentor", "state", title="Pairings")
    for heading in ("started", "ended"):
        table.add_column(heading, min_width=10, no_wrap=True)
    table.add_column("how it ended")
    for p in pairings:
        table.add_row(
            who(p.mentee_id),
            who(p.mentor_id),
            p.status.value,
            day(p.started_at),
            day(p.ended_at),
            ENDINGS.get(p.end_reason, "") if p.end_reason else "",
        )
    return table
