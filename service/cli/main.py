"""`mentoring`: the coordinators' command-line tool.

Every command takes ``--now`` (or MENTORING_NOW) to run at any moment of a programme
year, and ``--config`` (or MENTORING_CONFIG) for a deployment's own configuration.
A person's mistake (bad input, bad configuration) prints one clear line and exits
non-zero; it never shows a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar

import click

from service import clock
from service.errors import MentoringError

F = TypeVar("F", bound=Callable[..., Any])


class MentoringGroup(click.Group):
    """Turns our own errors, and a mailbox or database that cannot be used (a setting
    wrong in the environment), into one line on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from service.mail.transport import TransportError
        from service.store.errors import database_problem

        try:
            return super().invoke(ctx)
        except MentoringError as exc:
            raise click.ClickException(str(exc)) from None
        except TransportError as exc:
            # Transport messages are written to be safe to show (no addresses).
            raise click.ClickException(f"The mailbox could not be used: {exc}") from None
        except Exception as exc:
            problem = database_problem(exc)
            if problem is None:
                raise
            raise click.ClickException(problem) from None


def _set_now(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        try:
            clock.set_now(clock.parse_moment(value))
        except MentoringError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


now_option = click.option(
    "--now",
    metavar="DATETIME",
    envvar="MENTORING_NOW",
    callback=_set_now,
    expose_value=False,
    is_eager=True,
    help="Act as if it were this moment (ISO 8601, e.g. 2026-06-01T09:00). Also MENTORING_NOW.",
)


def with_app(fn: F) -> F:
    """Give a command the loaded `App` as its first argument, and close it afterwards."""

    @click.pass_context
    def wrapper(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        app = ctx.ensure_object(dict).get("app")
        if app is None:
            # Imported here: `--help` and usage errors never load the database layer.
            from service import bootstrap

            app = bootstrap.load(ctx.find_root().params.get("config"))
            ctx.obj["app"] = app
            ctx.call_on_close(app.close)
        return ctx.invoke(fn, app, *args, **kwargs)

    return update_wrapper(wrapper, fn)  # type: ignore[return-value]


@click.group(cls=MentoringGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    envvar="MENTORING_CONFIG",
    help="A deployment's configuration file (overrides config/mentoring.toml).",
)
@now_option
@click.version_option(package_name="mentoring")
def cli(config: str | None) -> None:
    """Run a workplace mentoring programme by email.

    Local state lives under $MENTORING_HOME (default ./mentoring-data).
    """


def main() -> None:
    from service.cli import commands  # noqa: F401  (registers the commands)

    try:
        cli.main(prog_name="mentoring")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
