"""`mentoring report`: the programme-health page (and CSVs) for coordinators or sponsors."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from service import clock
from service.cli.options import now_option, with_app

if TYPE_CHECKING:  # the store and configuration load when the command runs
    from service.app import App


@click.command()
@click.option(
    "--round", "round_name", metavar="NAME", help="Round to report on (default: the latest)."
)
@click.option(
    "--html",
    "html",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the page here (one self-contained HTML file).",
)
@click.option(
    "--csv",
    "csv_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write CSVs (introductions, pairings, meetings with CPD per person) here.",
)
@click.option(
    "--for-sponsors",
    is_flag=True,
    help="Counts only: no names, numbers with fewer than 5 people behind them suppressed.",
)
@now_option
@with_app
def report(
    app: App, round_name: str | None, html: Path, csv_dir: Path | None, for_sponsors: bool
) -> None:
    """Programme health: funnel, participants, pairings, meetings, email, who may be stuck."""
    from service.health.write import write_report

    app.db.ensure_ready()
    done = write_report(
        app, clock.now(), html, round_name=round_name, csv_dir=csv_dir, for_sponsors=for_sponsors
    )
    click.echo(f"Programme health report for round {done.round_name!r}: {done.html}")
    for path in done.csvs:
        click.echo(f"CSV: {path}")
