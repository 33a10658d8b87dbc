"""`mentoring`: the coordinators' command-line tool.

Every command takes ``--now`` (or MENTORING_NOW) to run at any moment of a programme
year, and ``--config`` (or MENTORING_CONFIG) for a deployment's own configuration.
A person's mistake (bad input, bad configuration) prints one clear line and exits
non-zero; it never shows a traceback.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import Any

import click

from service.cli.commands import LazyGroup
from service.cli.options import now_option
from service.errors import MentoringError


class MentoringGroup(LazyGroup):
    """Turns our own errors, and a mailbox or database that cannot be used (a setting
    wrong in the environment), into one line on stderr and exit status 1. Each command's
    module is imported only when it runs (`service.cli.commands`)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MentoringError as exc:
            raise click.ClickException(str(exc)) from None
        except Exception as exc:
            problem = _setting_problem(exc)
            if problem is None:
                raise
            raise click.ClickException(problem) from None


def _setting_problem(exc: Exception) -> str | None:
    """The line to show for a mailbox, database or path that cannot be used, else None.

    Imported only once a command has failed: the mail transports and SQLAlchemy, which a
    dry run on a SQLite file never loads otherwise."""
    from service.mail.transport import TransportError

    if isinstance(exc, TransportError):
        # Transport messages are written to be safe to show (no addresses).
        return f"The mailbox could not be used: {exc}"
    if isinstance(exc, OSError) and exc.filename is not None:
        # A path the coordinator gave that cannot be used (a folder that is a file, no
        # permission, a full disk): which one and why, never a traceback.
        return f"Could not use {exc.filename}: {exc.strerror or type(exc).__name__}."
    from service.store.errors import database_problem

    return database_problem(exc)


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
    # A command is mostly a burst of long-lived allocations (the modules it imports, the rows
    # it reads) with few reference cycles among them. At CPython's default threshold (700)
    # the collector ran ~100 times during `round match` (5% of its CPU), at 10,000 still 7
    # times (3%); at 100,000 a 1,000-person dry run never collects, and a long-running
    # worker still frees its cycles every 100,000 allocations (a few MB at most).
    gc.set_threshold(100_000, 10, 10)
    # We use no pydantic plugins: without this, the first model class scans every
    # installed package's entry points for them (~15 ms of every command that loads
    # the configuration). Set explicitly, the environment's own choice stands.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    # NumPy (the matcher's arrays) starts one OpenBLAS thread per core when it is imported;
    # we do no linear algebra, and on this 2-core machine starting and parking them cost
    # ~45 ms of CPU and ~0.1 s of wall time of every `round match` when the cores are busy.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        cli.main(prog_name="mentoring")
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        sys.exit(130)
