"""Registers every command module on the `cli` group."""

from service.cli import core, people, rounds  # noqa: F401
