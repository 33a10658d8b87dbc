"""The CLI: a person's mistake is one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import service.cli.commands  # noqa: F401  (registers the commands)
from tests.cli_runner import init_with_round, run


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


def test_mailbox_check_lists_folders_and_sends_nothing(home):
    run("init")
    code, out = run("mailbox", "check")
    assert code == 0
    assert "inbox, sent, processed, needs-attention, ignored" in out
    assert not list((home / "mail" / "sent" / "new").iterdir())


def test_mailbox_check_without_graph_settings_is_one_line(home, monkeypatch):
    monkeypatch.setenv("MAIL_BACKEND", "graph")
    code, out = run("mailbox", "check")
    assert code == 1
    assert "Could not reach the graph mailbox: Graph needs GRAPH_TENANT_ID" in out


def test_round_create_list_close(home):
    assert "not open yet" in init_with_round()
    code, out = run("round", "create", "2026", "--opens", "2026-05-17", "--closes", "2026-06-17")
    assert code == 1 and "already a round called '2026'" in out
    code, out = run("round", "create", "2027", "--opens", "2026-06-01", "--closes", "2026-07-01")
    assert code == 1 and "overlaps round '2026'" in out
    code, out = run("--now", "2026-05-20T09:00", "round", "list")
    assert code == 0 and "open" in out
    code, out = run("--now", "2026-05-20T09:00", "round", "close", "2026")
    assert code == 0 and "closed for registrations" in out
    code, out = run("round", "close", "nope")
    assert code == 1 and "There is no round called 'nope' (rounds: 2026)" in out


def test_commands_need_init_first(home):
    code, out = run("round", "list")
    assert code == 1 and "run `mentoring init` first" in out


def test_a_graph_mailbox_without_settings_is_one_line_for_every_command(home, monkeypatch):
    run("init")
    monkeypatch.setenv("MAIL_BACKEND", "graph")
    code, out = run("process")
    assert code == 1
    assert out.strip().startswith("Error: The mailbox could not be used: Graph needs")


def test_an_unreadable_database_url_is_one_line(home, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "not a url")
    code, out = run("process")
    assert code == 1 and "DATABASE_URL is not a database address" in out


def test_an_unreachable_database_is_one_line_without_the_password(home, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u:s3cret@127.0.0.1:1/mentoring")
    code, out = run("process")
    assert code == 1 and "The database could not be used" in out
    assert "s3cret" not in out and len(out.strip().splitlines()) == 1
