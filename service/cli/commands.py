"""Registers every command module on the `cli` group."""

from service.cli import core, demo, jobs, people, report, rounds  # noqa: F401
