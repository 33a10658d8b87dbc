"""The CLI tests use the scenario fixtures: a programme with an open round, time frozen."""

from tests.workflow.conftest import frozen, programme  # noqa: F401
