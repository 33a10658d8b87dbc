"""The storage suite runs on SQLite and on a real PostgreSQL cluster."""

from __future__ import annotations

import pytest

from tests.conftest import BOTH_BACKENDS


@pytest.fixture(params=BOTH_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)
