"""Errors that carry a sentence meant for a person, not a traceback."""

from __future__ import annotations


class MentoringError(Exception):
    """Base class: the message is plain English and safe to show (no personal data)."""


class ConfigError(MentoringError):
    """The configuration cannot be used; the message names the file and the key."""


class DomainError(MentoringError):
    """A programme rule refused a change. The message tells the person what to do instead."""


class NotFound(MentoringError):
    """Something a person or coordinator named does not exist."""
