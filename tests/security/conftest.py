"""The scenario fixtures of tests/workflow: a programme on a real Maildir and SQLite."""

from tests.workflow.conftest import frozen, programme  # noqa: F401
