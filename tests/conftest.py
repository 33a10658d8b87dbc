"""Shared fixtures: a real SQLite database per test, the default configuration, an App."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from service import clock
from service.app import App
from service.config import ProgrammeConfig, load_config
from service.settings import load_settings
from service.store.database import Database

# Property tests never time anything (speed lives in benchmarks/), and in CI they are
# derandomised: the same examples every run, so a busy machine cannot fail them.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    # A test that pinned the clock must not leak it into the next one.
    clock.set_now(None)
    yield
    clock.set_now(None)


@pytest.fixture(scope="session")
def config() -> ProgrammeConfig:
    return load_config()


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
