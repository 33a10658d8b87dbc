"""A command that an email tells coordinators to run must exist in the CLI."""

from __future__ import annotations

import html
import re
from pathlib import Path

import click

from service.cli.commands import load_all
from service.cli.main import cli

TEMPLATES = Path(__file__).resolve().parents[2] / "mail_templates"
# Commands are quoted as code: `mentoring person show <email>` or <code>mentoring …</code>.
QUOTED = re.compile(r"`mentoring ([^`]+)`|<code>mentoring (.+?)</code>")


def named_commands() -> list[tuple[str, list[str]]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*")):
        if path.is_file():
            for match in QUOTED.finditer(path.read_text(encoding="utf-8")):
                quoted = html.unescape(match.group(1) or match.group(2))
                words = [w for w in quoted.split() if re.fullmatch(r"[a-z][a-z-]*", w)]
                found.append((str(path.relative_to(TEMPLATES)), words))
    return found


def resolves(words: list[str]) -> bool:
    command: click.Command = cli
    for word in words:
        if not isinstance(command, click.Group):
            return True  # the rest are arguments
        sub = load_all(command).get(word)
        if sub is None:
            return False
        command = sub
    return not isinstance(command, click.Group)


def test_templates_name_only_commands_that_exist() -> None:
    named = named_commands()
    assert named, "the coordinators' emails quote at least one command"
    missing = [(where, " ".join(words)) for where, words in named if not resolves(words)]
    assert missing == []


def test_a_command_that_does_not_exist_is_caught() -> None:
    assert not resolves(["status"])
    assert resolves(["person", "show"])
