"""The database: engine, sessions and migrations.

SQLite by default (a file under $MENTORING_HOME, WAL mode so a worker and the CLI can
share it); any SQLAlchemy URL works, PostgreSQL in production.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.orm import Session, sessionmaker

from service.errors import MentoringError
from service.store.orm import declare_postgresql_predicates, start_mappers
from service.store.revisions import MIGRATIONS, NOT_READY, VERSION_TABLE, head_from_files

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Erasure blanks rows: overwrite the freed bytes too, so the file keeps no copy.
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _primary_message_only(context: ExceptionContext) -> None:
    # PostgreSQL's DETAIL quotes the row ("Key (email)=(alex@dept.gov.uk) already
    # exists"), and the error reaches logs and tracebacks (the driver's error too, as the
    # cause): keep the first line, which names the constraint but no value.
    for exc in (context.original_exception, context.sqlalchemy_exception):
        if exc is not None and exc.args and isinstance(exc.args[0], str):
            exc.args = (exc.args[0].split("\n", 1)[0], *exc.args[1:])


class Database:
    def __init__(self, url: str) -> None:
        start_mappers()
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # hide_parameters: a database error's text (which reaches logs and tracebacks)
        # would otherwise quote the bound values: addresses, names, answers.
        # A server's connections can drop while pooled, so they are pinged before use; a
        # SQLite file cannot, and the ping was one statement more per transaction.
        sqlite = parsed.get_backend_name() == "sqlite"
        if parsed.get_backend_name() == "postgresql":
            declare_postgresql_predicates()
        self.engine: Engine = create_engine(
            url, future=True, pool_pre_ping=not sqlite, hide_parameters=True
        )
        if sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        event.listen(self.engine, "handle_error", _primary_message_only)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    def _alembic(self) -> AlembicConfig:
        from alembic.config import Config as AlembicConfig

        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["engine"] = self.engine
        return cfg

    def current_revision(self) -> str | None:
        """The revision the database is at, read the way Alembic stores it."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table(VERSION_TABLE):
                return None
            rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars()
            versions = list(rows)
        return versions[0] if len(versions) == 1 else None

    def head_revision(self) -> str | None:
        head = head_from_files()
        if head is not None:
            return head
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self._alembic()).get_current_head()

    def migrate(self) -> None:
        """Create or upgrade the schema to the latest revision. Safe to run again."""
        # Already there (every start but the first): no need to load Alembic at all.
        head = head_from_files()
        if head is not None and self.current_revision() == head:
            return
        from alembic import command

        command.upgrade(self._alembic(), "head")

    def ensure_ready(self) -> None:
        if self.current_revision() != self.head_revision():
            raise MentoringError(NOT_READY)

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()
