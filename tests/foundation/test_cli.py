"""The CLI: a person's mistake is one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

from click.testing import CliRunner

import service.cli.commands  # noqa: F401  (registers the commands)
from service.cli.main import cli


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def test_help_lists_commands(home):
    code, out = run("--help")
    assert code == 0
    assert "init" in out and "--now" in out


def test_init_twice(home):
    code, out = run("init")
    assert code == 0 and "migrated to revision" in out
    assert (home / "mail" / "inbox" / "new").is_dir()
    code, out = run("init")
    assert code == 0 and "already up to date" in out


def test_bad_now_is_one_line(home):
    code, out = run("--now", "next tuesday", "init")
    assert code == 2
    assert "'next tuesday' is not a date and time; write it as ISO 8601" in out


def test_bad_config_is_one_line(home, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[timings]\nspeed_window = -1\n")
    code, out = run("--config", str(bad), "config", "check")
    assert code == 1
    assert out.strip().splitlines()[-1].startswith(f"Error: {bad}: timings.speed_window")


def test_bad_environment_is_one_line(home, monkeypatch):
    monkeypatch.setenv("MAIL_BACKEND", "carrier-pigeon")
    code, out = run("init")
    assert code == 1
    assert "MAIL_BACKEND='carrier-pigeon' is not one of maildir, graph, imap" in out


def test_unknown_command(home):
    code, out = run("frobnicate")
    assert code == 2 and "No such command" in out
