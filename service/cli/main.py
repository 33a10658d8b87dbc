"""`mentoring`: the coordinators' command-line tool.

Every command takes ``--now`` (or MENTORING_NOW) to run at any moment of a programme
year, and ``--config`` (or MENTORING_CONFIG) for a deployment's own configuration.
A person's mistake (bad input, bad configuration) prints one clear line and exits
non-zero; it never shows a traceback.
"""

from __future__ import annotations

import gc
import sys
from typing import Any

import click

from service.cli.commands import register
from service.cli.options import now_option
from service.errors import MentoringError


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
        except OSError as exc:
            # A path the coordinator gave that cannot be used (a folder that is a file, no
            # permission, a full disk): which one and why, never a traceback.
            if exc.filename is None:
                raise
            why = exc.strerror or type(exc).__name__
            raise click.ClickException(f"Could not use {exc.filename}: {why}.") from None
        except Exception as exc:
            problem = database_problem(exc)
            if problem is None:
                raise
            raise click.ClickException(problem) from None


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


register(cli)


def main() -> None:
    # A command is mostly a burst of long-lived allocations (the modules it imports, the rows
    # it reads) with few reference cycles among them. At CPython's default threshold (700)
    # the collector ran ~250 times during `round match` and took ~12% of its CPU; every
    # 10,000 allocations still frees cycles promptly in a long-running worker.
    gc.set_threshold(10_000, 10, 10)
    try:
        cli.main(prog_name="mentoring")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
