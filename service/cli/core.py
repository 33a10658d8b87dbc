"""Set-up commands: init, config check."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from service.cli.options import now_option, with_app
from service.errors import MentoringError

if TYPE_CHECKING:
    from service.app import App


@click.command()
@now_option
@with_app
def init(app: App) -> None:
    """Create or upgrade the database and the local mailbox folders. Safe to run twice."""
    before = app.db.current_revision()
    app.db.migrate()
    after = app.db.current_revision()
    if app.settings.mail_backend == "maildir":
        from service.mail.transport import Folder

        for name in ("inbox", "sent", *(f.value for f in Folder)):
            for sub in ("new", "cur", "tmp"):
                (app.settings.mail_dir / name / sub).mkdir(parents=True, exist_ok=True)
    state = "already up to date" if before == after else f"migrated to revision {after}"
    click.echo(f"Database {state}: {app.settings.database_url.split('@')[-1]}")
    if app.settings.mail_backend == "maildir":
        click.echo(f"Local mailbox: {app.settings.mail_dir}")


@click.group()
def config() -> None:
    """Look at the programme configuration."""


@config.command("check")
@with_app
def config_check(app: App) -> None:
    """Validate the configuration and summarise it."""
    cfg = app.config
    click.echo(f"Programme: {cfg.programme.name}")
    click.echo("Grades: " + " < ".join(g.code for g in cfg.grades))
    click.echo(f"Mentors from: {cfg.eligibility.minimum_mentor_grade}")
    click.echo(f"Departments: {len(cfg.departments)}; professions: {len(cfg.form.professions)}")
    t = cfg.timings
    click.echo(
        f"Speed window {t.speed_window} days; check-in every {t.check_in_every} days;"
        f" programme {t.programme_length} days"
    )
    click.echo("Configuration is valid.")


@click.group()
def mailbox() -> None:
    """The shared mailbox."""


@mailbox.command("check")
@with_app
def mailbox_check(app: App) -> None:
    """Connect to the mailbox, list its folders and count the inbox. Sends nothing."""
    from service.mail.factory import check_mailbox
    from service.mail.transport import TransportError

    try:
        report = check_mailbox(app.settings, app.config)
    except TransportError as exc:
        raise MentoringError(
            f"Could not reach the {app.settings.mail_backend} mailbox: {exc}"
        ) from None
    click.echo(f"Mailbox: {report.address} ({report.backend})")
    click.echo("Folders: " + ", ".join(report.folders))
    if report.inbox_count is not None:
        click.echo(f"Waiting in the inbox: {report.inbox_count}")
    for note in report.notes:
        click.echo(f"Note: {note}")
    click.echo("Connection works. Nothing was sent.")
