"""`mentoring demo`: a whole programme year on the embedded defaults, in under a minute."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option(
    "--home",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the demo's mailbox and database (default: $MENTORING_HOME,"
    " else ./mentoring-data).",
)
@click.option(
    "--people",
    "people_count",
    type=click.IntRange(8, 2000),
    default=40,
    show_default=True,
    help="How many synthetic participants register.",
)
@click.option("--seed", type=int, default=2026, show_default=True, help="Same seed, same year.")
@click.pass_context
def demo(ctx: click.Context, home: Path | None, people_count: int, seed: int) -> None:
    """Simulate a whole programme year: registrations, matching, a year of emails.

    Synthetic people write real emails into a local Maildir; the service answers them
    on a simulated clock. Everything is left behind to explore.
    """
    from rich.console import Console

    from jobs.daily import DAILY
    from service.demo.run import choose_home, play, print_summary, print_timeline
    from service.settings import load_settings

    default_home = load_settings().home
    folder, note = choose_home(home or default_home)
    console = Console()
    if note:
        console.print(note, soft_wrap=True)
    console.print(
        f"Running a simulated programme year with {people_count} synthetic people"
        f" (seed {seed}) in {folder}",
        soft_wrap=True,
    )
    config_path = ctx.find_root().params.get("config")
    outcome = play(folder, people_count, seed, config_path, console, daily=DAILY)
    print_timeline(console, outcome.lines)
    print_summary(console, outcome, default_home)
    from service.health.write import write_demo_report

    page = write_demo_report(outcome.home, outcome.end, ctx.find_root().params.get("config"))
    console.print(f"Programme health report (open it in a browser): {page}", soft_wrap=True)
