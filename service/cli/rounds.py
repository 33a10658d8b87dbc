"""`mentoring round …`: the coordinators' round workflow."""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table

from service import clock
from service.app import App
from service.cli.main import cli, now_option, with_app
from service.domain.rules import round_phase
from service.rounds import close_round, create_round, round_counts


def _moment(_ctx: click.Context, _param: click.Parameter, value: str) -> object:
    try:
        return clock.parse_moment(value)
    except Exception as exc:
        raise click.BadParameter(str(exc)) from None


@cli.group("round")
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
@now_option
@with_app
def round_create(app: App, name: str, opens: object, closes: object) -> None:
    """Create a round with its registration window."""
    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        r = create_round(uow, name, opens, closes, clock.now())  # type: ignore[arg-type]
        uow.commit()
        phase = {"draft": "not open yet", "open": "open now", "closed": "already closed"}
        click.echo(f"Round {r.name!r} created: registrations {phase[r.status.value]}.")


@round_group.command("list")
@now_option
@with_app
def round_list(app: App) -> None:
    """List rounds with their windows and numbers."""
    app.db.ensure_ready()
    table = Table(
        "round", "opens", "closes", "status", "confirmed", "pending", "withdrawn", "introductions"
    )
    tz = app.config.programme.timezone
    from zoneinfo import ZoneInfo

    with app.uow() as uow:
        for r in uow.repo.rounds():
            c = round_counts(uow, r)
            table.add_row(
                r.name,
                f"{r.opens_at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}",
                f"{r.closes_at.astimezone(ZoneInfo(tz)):%Y-%m-%d %H:%M}",
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
    app.db.ensure_ready()
    with app.uow(actor="coordinator") as uow:
        r = close_round(uow, name, clock.now())
        uow.commit()
        click.echo(f"Round {r.name!r} is closed for registrations.")
