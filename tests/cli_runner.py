"""Running the `mentoring` CLI in tests, the way a coordinator would see it."""

from __future__ import annotations

from click.testing import CliRunner

import service.cli.commands  # noqa: F401  (registers the commands)
from service.cli.main import cli


def run(*args: str) -> tuple[int, str]:
    """(exit code, output). Fails the test if a traceback would have reached the user."""
    result = CliRunner().invoke(cli, list(args))
    # CliRunner catches an escaping exception rather than printing its traceback: any
    # exception other than click's own exit is what the user would have seen as one.
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def init_with_round(name: str = "2026") -> str:
    """A migrated database with one round (window 17 May – 17 June 2026), created on 1 May."""
    assert run("init")[0] == 0
    code, out = run(
        "--now", "2026-05-01T09:00", "round", "create", name,
        "--opens", "2026-05-17", "--closes", "2026-06-17",
    )  # fmt: skip
    assert code == 0, out
    return out
