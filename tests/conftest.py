"""Shared fixtures: a real SQLite database per test, the default configuration, an App."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service import clock
from service.app import App
from service.config import ProgrammeConfig, load_config
from service.settings import load_settings
from service.store.database import Database


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    # A test that pinned the clock must not leak it into the next one.
    clock.set_now(None)
    yield
    clock.set_now(None)


# As a deployment: the receiving host's authserv-id is configured (tests/deployment.toml).
TEST_CONFIG = Path(__file__).parent / "deployment.toml"


@pytest.fixture(scope="session")
def config() -> ProgrammeConfig:
    return load_config(TEST_CONFIG)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MENTORING_HOME", str(tmp_path / "home"))
    for name in ("DATABASE_URL", "REDIS_URL", "MAIL_BACKEND", "MENTORING_CONFIG", "MENTORING_NOW"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'test.db'}")
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def app(home: Path, config: ProgrammeConfig) -> Iterator[App]:
    application = App(settings=load_settings(), config=config)
    application.db.migrate()
    yield application
    application.close()
