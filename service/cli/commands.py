"""Registers every command module on the `cli` group."""

from service.cli import core, jobs, rounds  # noqa: F401
