"""Scenario fixtures: a programme on a real Maildir, a real database and the real pipeline.

Every scenario runs twice: on SQLite and on PostgreSQL (`backend`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time

from service.app import App
from tests.conftest import BOTH_BACKENDS
from tests.harness import Programme

OPENS = datetime(2026, 5, 17, 8, 0, tzinfo=UTC)
CLOSES = datetime(2026, 6, 17, 22, 0, tzinfo=UTC)


@pytest.fixture(params=BOTH_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def frozen() -> Iterator[object]:
    with freeze_time("2026-05-20 09:00:00", tick=False) as frozen_time:
        yield frozen_time


@pytest.fixture
def programme(app: App, frozen: object) -> Programme:
    p = Programme(app)
    p.open_round("2026", OPENS, CLOSES)
    return p
