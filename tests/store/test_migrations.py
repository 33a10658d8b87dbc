"""The migrations, run up from an empty database, build exactly the schema the code maps.

On SQLite and on PostgreSQL: alembic's own comparison (what `alembic revision
--autogenerate` would write) finds nothing to add, drop or change.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from service.store.database import Database
from service.store.orm import metadata


def schema_differences(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": False}
        )
        return list(compare_metadata(context, metadata))


def test_migrations_from_empty_build_the_mapped_schema(empty_database_url):
    db = Database(empty_database_url)
    try:
        assert db.current_revision() is None
        db.migrate()
        assert db.current_revision() == db.head_revision()
        assert schema_differences(db) == []
    finally:
        db.dispose()


def test_the_comparison_sees_a_schema_that_drifted(db):
    # The check above can fail: a missing index or column is reported.
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX uq_pairings_one_active_per_mentee"))
        conn.execute(text("ALTER TABLE interest_list ADD COLUMN note VARCHAR(20)"))
    found = {(d[0], d[2] if d[0] == "remove_column" else d[1].name) for d in schema_differences(db)}
    assert found == {
        ("add_index", "uq_pairings_one_active_per_mentee"),
        ("remove_column", "interest_list"),
    }
