"""Fixtures for the time rules: a matched round on the real store and Maildir."""

from __future__ import annotations

import pytest

from service.app import App
from tests.jobs.world import World, build_world


@pytest.fixture
def world(app: App) -> World:
    return build_world(app)
