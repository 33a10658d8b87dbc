"""Every command of `mentoring`, named in this one place with the module defining it.

A command's module is imported only when that command runs (or when `--help` lists
them all): `round match` used to import every command module and what they import
(JSON, the corrections' and people's helpers, …), about 40 M instructions of a dry run
that needs only `service.cli.rounds`.
"""

from __future__ import annotations

from importlib import import_module

import click

# name on the command line: (module, the click command in it)
COMMANDS: dict[str, tuple[str, str]] = {
    "attention": ("service.cli.attention", "attention_group"),
    "init": ("service.cli.core", "init"),
    "config": ("service.cli.core", "config"),
    "mailbox": ("service.cli.core", "mailbox"),
    "demo": ("service.cli.demo", "demo"),
    "process": ("service.cli.jobs", "process"),
    "tick": ("service.cli.jobs", "tick"),
    "worker": ("service.cli.jobs", "worker"),
    "jobs": ("service.cli.jobs", "jobs_status"),
    "person": ("service.cli.people", "person_group"),
    "pairing": ("service.cli.corrections", "pairing_group"),
    "meeting": ("service.cli.corrections", "meeting_group"),
    "export": ("service.cli.people", "export"),
    "report": ("service.cli.report", "report"),
    "round": ("service.cli.rounds", "round_group"),
}


class LazyGroup(click.Group):
    """A group whose commands are imported the first time they are asked for, by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name]
            command = getattr(import_module(module), attribute)
            assert isinstance(command, click.Command)
            self.add_command(command, cmd_name)
        return self.commands.get(cmd_name)


def load_all(group: click.Group) -> dict[str, click.Command]:
    """Every command of the group, imported (for tests that walk them all)."""
    ctx = click.Context(group)
    found = {name: group.get_command(ctx, name) for name in group.list_commands(ctx)}
    return {name: command for name, command in found.items() if command is not None}
