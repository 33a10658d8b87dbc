"""Registers every command module on the `cli` group."""

from service.cli import core  # noqa: F401
