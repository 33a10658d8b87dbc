"""Every command, given paths it cannot use, a round in the past or a --now before the
round, answers in one line with a non-zero exit: never a traceback, nothing half done."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from service.cli.commands import load_all
from service.cli.main import cli
from tests.cli_runner import init_with_round, run


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found: list[tuple[str, ...]] = []
    for name, command in load_all(group).items():
        if isinstance(command, click.Group):
            found += _commands(command, (*prefix, name))
        else:
            found.append((*prefix, name))
    return found


def _path_options(words: tuple[str, ...]) -> list[click.Parameter]:
    command: click.Command = cli
    for word in words:
        assert isinstance(command, click.Group)
        command = load_all(command)[word]
    return [p for p in command.params if isinstance(p.type, click.Path)]


# The arguments each command needs besides its path, to get as far as using it.
NEEDS = {
    ("round", "match"): ["2026"],
    ("round", "import"): ["2026"],
    ("round", "announce"): ["2026"],
    ("report",): [],
    ("demo",): ["--people", "8"],
}
WITH_PATHS = sorted(w for w in _commands(cli) if _path_options(w))


def test_every_command_with_a_path_is_listed_here() -> None:
    # A new command with a path option must join NEEDS, so the test below covers it.
    assert set(WITH_PATHS) == set(NEEDS)


def _bad_paths(tmp_path: Path, param: click.Parameter | None = None) -> list[Path]:
    a_file = tmp_path / "a-file.txt"
    a_file.write_text("not a folder", encoding="utf-8")
    wants_folder = isinstance(param, click.Parameter) and not getattr(param.type, "file_okay", 1)
    # Unusable even for root: a path through a file, and a folder where a file should be
    # (a file where a folder should be).
    return [a_file / "inside" / "out.html", a_file if wants_folder else tmp_path]


@pytest.mark.parametrize("words", WITH_PATHS, ids=" ".join)
def test_every_path_option_given_a_bad_path_is_one_line(
    home: Path, tmp_path: Path, words: tuple[str, ...]
) -> None:
    init_with_round()
    for param in _path_options(words):
        for bad in _bad_paths(tmp_path, param):
            given = [str(bad)] if param.param_type_name == "argument" else [param.opts[0], str(bad)]
            args = ["--now", "2026-07-01T09:00", *words, *NEEDS[words], *given]
            if words == ("report",) and param.name != "html":
                args += ["--html", str(tmp_path / "fine.html")]
            code, out = run(*args)
            assert code != 0, (args, out)
            lines = [line for line in out.splitlines() if line.strip()]
            error = [line for line in lines if line.startswith("Error:")]
            assert len(error) == 1, (args, out)


def test_the_global_config_option_given_bad_paths(home: Path, tmp_path: Path) -> None:
    for bad in _bad_paths(tmp_path):
        code, out = run("--config", str(bad), "round", "list")
        assert code != 0 and out.count("Error:") == 1, out


def test_closing_a_round_before_it_opens_is_refused_and_changes_nothing(home: Path) -> None:
    init_with_round()  # window 17 May – 17 June 2026
    code, out = run("--now", "2026-05-02T09:00", "round", "close", "2026")
    assert code == 1
    assert out.strip() == (
        "Error: Round '2026' has not opened for registrations yet (it opens on 17 May 2026),"
        " so there is nothing to close."
    )
    code, out = run("--now", "2026-05-02T09:00", "round", "list")
    assert "2026-05-17" in out and "2026-06-17" in out  # the window is as it was


def test_matching_before_the_round_opens_says_so(home: Path) -> None:
    init_with_round()
    code, out = run("--now", "2026-05-02T09:00", "round", "match", "2026")
    assert code == 1
    assert "has not opened for registrations yet" in out and out.count("\n") == 1


def test_a_round_in_the_past_is_refused_unless_asked_for(home: Path) -> None:
    run("init")
    args = ["--now", "2026-05-01T09:00", "round", "create", "2025"]
    window = ["--opens", "2025-03-01", "--closes", "2025-03-31"]
    code, out = run(*args, *window)
    assert code == 1 and out.count("\n") == 1 and "--past" in out
    assert "2025" not in run("round", "list")[1]
    code, out = run(*args, *window, "--past")
    assert code == 0 and "already closed" in out
