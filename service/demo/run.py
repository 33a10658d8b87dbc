"""Run the demo: prepare its folder, play the year with a progress bar, print the story.

The demo always runs on the embedded defaults (local Maildir, SQLite under the demo's
folder): whatever DATABASE_URL, MAIL_BACKEND or REDIS_URL say is ignored, so it can
never touch a real mailbox or database.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from datetime import time as dt_time
from pathlib import Path
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from service import bootstrap, clock
from service.app import App
from service.config import load_config
from service.demo.narrate import Line, Narrator
from service.demo.people import population
from service.demo.script import START, Year
from service.demo.summary import MONTHLY_CEILING, Summary, summarise
from service.demo.world import DailyJobs, World
from service.errors import MentoringError
from service.mail.render import plural
from service.settings import load_settings

MARKER = "DEMO.txt"
# Settings that would point the service somewhere real; the demo never uses them.
REAL = ("DATABASE_URL", "MAIL_BACKEND", "REDIS_URL", "MENTORING_NOW")
ENDINGS = {
    "completed": "completed the year",
    "unpaired_by_mentee": "unpaired by the mentee",
    "unpaired_by_mentor": "unpaired by the mentor",
    "unpaired_by_coordinator": "unpaired by a coordinator",
    "unresponsive": "partner unresponsive",
    "stale": "went stale",
    "withdrawn": "a partner withdrew",
    "data_erased": "data erased",
}


@dataclass
class Outcome:
    home: Path
    end: datetime
    summary: Summary
    lines: list[Line]
    seconds: float
    days: int
    example: str  # one participant's address, for the suggested commands


def choose_home(requested: Path) -> tuple[Path, str | None]:
    """An empty folder for this run, and a note when it is not the one asked for.

    A folder holding an earlier demo gets a fresh sub-folder; a folder holding anything
    else (perhaps a real programme's data) is left alone.
    """
    requested = requested.expanduser().resolve()
    if not requested.exists() or not any(requested.iterdir()):
        return requested, None
    if (requested / MARKER).exists():
        n = 2
        while (requested / f"demo-{n}").exists():
            n += 1
        fresh = requested / f"demo-{n}"
        return fresh, f"{requested} already holds a demo; starting a fresh one in {fresh}"
    raise MentoringError(
        f"{requested} is not empty and holds no demo; choose an empty folder with --home DIR."
    )


DEMO_AUTHSERV_ID = "mx.demo.local"


def build_app(home: Path, config_path: str | None) -> App:
    env = {k: v for k, v in os.environ.items() if k not in REAL}
    env["MENTORING_HOME"] = str(home)
    # A simulated year in a throwaway folder: no need to flush each sent email to disk.
    settings = replace(load_settings(env), maildir_fsync=False)
    config = load_config(config_path or settings.config_path)
    if not config.security.verification_on:
        # The demo plays the receiving mail host too: it stamps the form relay's mail with
        # Authentication-Results under this id (service.demo.letters), as Exchange would.
        security = replace(config.security, authserv_id=DEMO_AUTHSERV_ID)
        config = replace(config, security=security)
    # Unconfirmed registrations stay for the demo's year: the end-state check compares the
    # sent folder with the outbox, and does not yet count the copies an erasure deletes.
    # (The deletion itself is tested in tests/workflow/test_unconfirmed_deletion.py.)
    timings = replace(config.timings, unconfirmed_deleted_after_close=3650)
    config = replace(config, timings=timings)
    return bootstrap.build(settings, config)


def play(
    home: Path,
    people_count: int,
    seed: int,
    config_path: str | None,
    console: Console,
    *,
    daily: DailyJobs,
) -> Outcome:
    home.mkdir(parents=True, exist_ok=True)
    (home / MARKER).write_text(
        "This folder was made by `mentoring demo`: synthetic people, simulated time.\n"
        "Delete it whenever you like.\n",
        encoding="utf-8",
    )
    app = build_app(home, config_path)
    started = time.perf_counter()
    try:
        app.db.migrate()
        people = population(people_count, seed, app.config)
        world = World(app, _start_moment(app), daily)
        narrator = Narrator(app)
        # The narrator reads what happened once a simulated day (lines are dated by
        # their events): reading after every pass cost a few queries per message.
        world.day_listeners.append(lambda _day: narrator.catch_up())
        year = Year(world, people, seed)
        # About 15 months from the round opening to the last partnership's end.
        expected = 460
        with Progress(
            TextColumn("[bold]Simulating[/] {task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} days"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(f"{START:%-d %b %Y}", total=expected)

            def advanced(day: date) -> None:
                progress.update(
                    task,
                    completed=min((day - START).days + 1, expected),
                    description=f"{day:%-d %b %Y}",
                )

            world.day_listeners.append(advanced)
            end = year.play()
            progress.update(task, completed=expected)
        narrator.catch_up()
        summary = summarise(app, end)
        days = (world.local(end).date() - START).days
    finally:
        app.close()
        clock.set_now(None)
    seconds = time.perf_counter() - started
    return Outcome(home, end, summary, narrator.lines, seconds, days, people[0].email)


def _start_moment(app: App) -> datetime:
    """08:00 local on the day the round opens."""
    tz = ZoneInfo(app.config.programme.timezone)
    return datetime.combine(START, dt_time(8, 0), tzinfo=tz).astimezone(UTC)


# --- printing --------------------------------------------------------------------------------


def print_timeline(console: Console, lines: list[Line]) -> None:
    """Dated lines, the text wrapping under itself so the dates stay readable."""
    console.rule("The programme year")
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="cyan")
    table.add_column()
    year = None
    for line in sorted(lines, key=lambda line: line.day):  # stable: same-day order kept
        if line.day.year != year:
            year = line.day.year
            table.add_row(Text(str(year), style="bold"), "")
        table.add_row(f"{line.day:%-d %b}", Text(line.render()))
    console.print(table)


def _counts(counter: dict[str, int], names: dict[str, str] | None = None) -> str:
    names = names or {}
    parts = [f"{names.get(k, k.replace('_', ' '))} {n}" for k, n in sorted(counter.items()) if n]
    return ", ".join(parts) or "none"


def _columns(pairs: list[tuple[str, int]], across: int = 3) -> Table:
    """Name-and-count pairs in a few columns, read down then across."""
    grid = Table.grid(padding=(0, 1))
    for _ in range(across):
        grid.add_column(no_wrap=True, min_width=26)
        grid.add_column(justify="right", style="bold", min_width=4)
    rows = -(-len(pairs) // across)
    for r in range(rows):
        cells: list[str] = []
        for c in range(across):
            i = c * rows + r
            cells += [pairs[i][0], str(pairs[i][1])] if i < len(pairs) else ["", ""]
        grid.add_row(*cells)
    return grid


def _program() -> str:
    """How to call `mentoring` from here: by name when it is on the PATH, else by the
    path it was started from (a fresh clone's `.venv/bin/mentoring`)."""
    found = shutil.which("mentoring")
    started = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if found or started is None or started.name != "mentoring":
        return "mentoring"
    try:
        return str(started.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(started)


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest} min" if hours else f"{rest} min"


def mailbox_load(s: Summary) -> list[tuple[str, str]]:
    """The peaks a coordinator plans the shared mailbox with, against its limits."""
    rows = []
    if s.busiest_day and s.busiest_hour:
        day, day_count = s.busiest_day
        hour, hour_count = s.busiest_hour
        rows.append(
            (
                "Busiest day",
                f"{day_count:,} emails on {day:%-d %b %Y}"
                f" (the mailbox may send to {s.per_day_limit:,} recipients a day)",
            )
        )
        rows.append(
            (
                "Busiest hour",
                f"{hour_count:,} emails at {hour:%H:00 on %-d %b}"
                f" (at {s.per_minute_limit} a minute an hour sends {s.per_minute_limit * 60:,})",
            )
        )
    if s.match_emails:
        rows.append(
            (
                "Match emails",
                f"{s.match_emails:,} take {_duration(s.match_minutes)} to go out"
                f" at {s.per_minute_limit} a minute",
            )
        )
    if s.unprompted_sent:
        rows.append(
            (
                "Outside working hours",
                f"{s.unprompted_outside_hours:,} of {s.unprompted_sent:,} emails nobody was"
                " waiting for (reminders, nudges, digests, news of another's reply) went out on"
                " a day off or outside"
                " working hours",
            )
        )
    if s.per_person_month_max:
        rows.append(
            (
                "Emails a person gets",
                f"{s.per_person_month_median:g} a month (median), at most"
                f" {s.per_person_month_max} in one month counting answers to their own"
                f" emails, of which at most {s.unasked_per_person_month_max} not answering"
                f" their own email; {s.person_months_over:,} of {s.person_months:,}"
                f" person-months above {MONTHLY_CEILING}",
            )
        )
    if s.attention_peak:
        day, count = s.attention_peak
        peak = f"at most {plural(count, 'message')} in one day ({day:%-d %b %Y})"
        rows.append(("Needs attention", peak))
    return rows


def print_summary(console: Console, outcome: Outcome, default_home: Path) -> None:
    s = outcome.summary
    console.rule("Summary")
    console.print(_summary_table(s))
    console.print(Text("Emails sent, by template", style="bold"))
    across = max(1, min(4, console.width // 34))
    console.print(_columns(s.emails.most_common(), across))
    console.print(
        f"Simulated {outcome.days} days in {outcome.seconds:.0f} seconds"
        f" (the simulation ended on {outcome.end:%-d %b %Y})."
    )
    _where_to_look(console, outcome, default_home)


def _summary_table(s: Summary) -> Table:
    """The year in figures, one row a subject."""
    regs = s.registrations
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("Registrations", f"{sum(regs.values())} ({_counts(regs)})")
    table.add_row(
        "Matched",
        f"{s.matched_mentees} mentees with {s.matched_mentors} mentors;"
        f" introductions: {_counts(s.introductions)}",
    )
    table.add_row("Long-term requests", _counts(s.approaches))
    table.add_row(
        "Partnerships",
        f"{s.pairings_started} started; {s.pairings_active} still active"
        f" ({s.pairings_continued} continuing for another period);"
        f" ended: {_counts(s.pairings_ended, ENDINGS)}",
    )
    table.add_row("Meetings", f"{s.meetings} logged, {s.hours} hours (= {s.hours} CPD points)")
    table.add_row("Emails sent", f"{s.emails_sent} (by template below)")
    if s.bounced:
        table.add_row("Bounced", f"{s.bounced} (the address was marked as bouncing)")
    table.add_row("Messages received", f"{sum(s.inbound.values())} ({_counts(s.inbound)})")
    for label, text in mailbox_load(s):
        table.add_row(label, text)
    state = (
        "; ".join(s.loose_ends) if s.loose_ends else "every relationship in a sensible end state"
    )
    table.add_row("End state", state)
    return table


def _where_to_look(console: Console, outcome: Outcome, default_home: Path) -> None:
    """Where the year's mail and database are, and commands to explore them."""
    s = outcome.summary
    console.rule("Where to look")
    mail = outcome.home / "mail"
    console.print(
        Text(
            f"Mailbox (Maildir, one .eml file per message): {mail}\n"
            f"  sent/             what the service sent ({s.sent_files} emails)\n"
            "  processed/        what it understood and acted on\n"
            "  needs-attention/  what a coordinator should read\n"
            "  ignored/          out-of-office and other automatic mail\n"
            f"Database (SQLite): {outcome.home / 'mentoring.db'}"
        ),
        soft_wrap=True,  # paths are copied, so never broken across lines
    )
    env = "" if outcome.home == default_home else f"MENTORING_HOME={outcome.home} "
    env += _program()
    when = outcome.end.strftime("%Y-%m-%dT%H:%M")
    console.print("Try:")
    for command in (
        f"{env} --now {when} round list",
        f"{env} export --json",
        f"{env} --now {when} person show {outcome.example}",
    ):
        console.print(Text("  " + command, style="green"), soft_wrap=True)
