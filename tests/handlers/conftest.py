"""Handler unit tests run on the in-memory unit of work: no database, no mailbox."""

from __future__ import annotations

import pytest

from service.config import ProgrammeConfig
from tests.handlers.world import World


@pytest.fixture
def world(config: ProgrammeConfig) -> World:
    return World(config)
