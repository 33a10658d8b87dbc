"""`mentoring init` on each backend: an empty database is migrated; a wrong URL is one line."""

from __future__ import annotations

import pytest

from service.store.database import Database
from tests.cli_runner import run


def test_init_migrates_an_empty_database_once(home, empty_database_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", empty_database_url)
    code, out = run("init")
    assert code == 0 and "migrated to revision" in out
    code, out = run("init")
    assert code == 0 and "already up to date" in out
    db = Database(empty_database_url)
    try:
        db.ensure_ready()
        assert db.current_revision() == db.head_revision()
    finally:
        db.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:1/mentoring",  # nothing listens there
        "postgresql+psycopg://postgres@127.0.0.1:{port}/no_such_database",
    ],
)
def test_a_database_we_cannot_reach_is_one_line(home, monkeypatch, url, postgres_server):
    monkeypatch.setenv("DATABASE_URL", url.format(port=postgres_server.port))
    code, out = run("init")
    assert code == 1
    assert out.count("\n") == 1 and out.startswith("Error: "), out
    assert "s3cret-pw" not in out
