"""Registers every command module on the `cli` group."""

from service.cli import core, rounds  # noqa: F401
