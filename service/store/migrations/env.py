"""Alembic environment: runs migrations on the engine the service hands it."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, text

from service.store.orm import declare_postgresql_predicates, metadata

config = context.config
engine = config.attributes.get("engine") or create_engine(
    config.get_main_option("sqlalchemy.url") or ""
)

# Any constant: the key of the lock two `mentoring init`s at once take on PostgreSQL.
_MIGRATION_LOCK = 4_207_001

with engine.begin() as connection:
    if connection.dialect.name == "postgresql":
        declare_postgresql_predicates()  # the partial indexes' predicates, as Database does
        # Two containers starting together both run `mentoring init`: the second waits
        # here, then finds the schema up to date, instead of failing on CREATE TABLE.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
