"""What every command shares: `--now` and the loaded `App`.

Apart from `service.cli.main` so that the command modules import it and the group
imports them, with no cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar

import click

from service import clock
from service.errors import MentoringError

F = TypeVar("F", bound=Callable[..., Any])


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
