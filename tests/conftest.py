"""Shared fixtures: a real database per test, the default configuration, an App.

The database is SQLite unless a suite asks for both backends by overriding `backend`
with `BOTH_BACKENDS` (the storage and workflow suites do): then every test runs once on
SQLite and once on its own database in a real PostgreSQL cluster started for the session.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import freezegun
import pytest
from hypothesis import settings

from service import bootstrap, clock
from service.app import App
from service.config import ProgrammeConfig, load_config
from service.settings import load_settings
from service.store.database import Database
from tests.servers.postgres import PostgresServer, running_postgres, unavailable_reason

BOTH_BACKENDS = ["sqlite", "postgresql"]
_PG_TEMPLATE = "mentoring_template"
_pg_names = itertools.count(1)

# Property tests never time anything (speed lives in benchmarks/), and the suite is
# derandomised: the same examples every run, so neither CI nor a busy machine can fail
# it by luck. `HYPOTHESIS_PROFILE=explore` looks for new examples when you want it to.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# pytest's own timings (`--durations`) read the real clock even inside a frozen test.
freezegun.configure(extend_ignore_list=["_pytest"])


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway cluster per test process (so one per xdist worker)."""
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def _postgres_template(postgres_server: PostgresServer) -> str:
    # Migrate once; each test's database is a copy, which is much faster than migrating.
    database = Database(postgres_server.create_database(_PG_TEMPLATE))
    database.migrate()
    database.dispose()
    return _PG_TEMPLATE


def _fresh_postgres(server: PostgresServer, template: str) -> Iterator[str]:
    name = f"test_{os.getpid()}_{next(_pg_names)}"
    url = server.create_database(name, template=template)
    yield url
    server.drop_database(name)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer, _postgres_template: str) -> Iterator[str]:
    """A SQLAlchemy URL to a migrated PostgreSQL database of this test's own."""
    yield from _fresh_postgres(postgres_server, _postgres_template)


@pytest.fixture
def empty_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A SQLAlchemy URL to an empty PostgreSQL database of this test's own."""
    yield from _fresh_postgres(postgres_server, "template0")


@pytest.fixture
def backend() -> str:
    """Which database the `db` and `app` fixtures use; suites override it with params.

    MENTORING_TEST_BACKEND=postgresql runs every other suite on PostgreSQL too.
    """
    return os.environ.get("MENTORING_TEST_BACKEND") or "sqlite"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Migrate once per test process; each test's database is a copy (migrating from
    # empty costs about 0.3 s, and most tests want a database).
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    database = Database(f"sqlite:///{path}")
    database.migrate()
    database.dispose()
    return path


def _copy_sqlite(template: Path, target: Path) -> None:
    # The backup API copies a consistent database whatever its journal holds.
    with closing(sqlite3.connect(template)) as source, closing(sqlite3.connect(target)) as copy:
        source.backup(copy)


@pytest.fixture
def database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A migrated database of this test's own."""
    if backend == "postgresql":
        return str(request.getfixturevalue("postgres_url"))
    path = tmp_path / "test.db"
    _copy_sqlite(request.getfixturevalue("_sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """Like `database_url`, but nothing migrated yet."""
    if backend == "postgresql":
        return str(request.getfixturevalue("empty_postgres_url"))
    return f"sqlite:///{tmp_path / 'empty.db'}"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def app(
    home: Path,
    config: ProgrammeConfig,
    backend: str,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[App]:
    if backend != "sqlite":
        # Through the environment, so CLI commands the test runs use the same database.
        monkeypatch.setenv("DATABASE_URL", request.getfixturevalue("database_url"))
    else:  # the default database under MENTORING_HOME, already migrated
        home.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(request.getfixturevalue("_sqlite_template"), home / "mentoring.db")
    application = bootstrap.build(load_settings(), config)
    application.db.migrate()
    yield application
    application.close()
