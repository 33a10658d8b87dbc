"""Which schema revision the code expects, read from the migration files alone.

Apart from `service.store.database` so that a command reading a SQLite file over the
standard library (`service.store.sqlite_reads`) can check the schema without importing
SQLAlchemy or Alembic.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
NOT_READY = "The database is not set up or is out of date: run `mentoring init` first."


# A top-level `revision = "…"` or `down_revision: str | None = …` line of a migration file.
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


@cache
def head_from_files() -> str | None:
    """The newest revision, read from the migration files' `revision`/`down_revision`
    lines without importing Alembic (which costs a CLI command about 0.2 s at start) or
    parsing whole files (about 40 ms). None when that is not one clear answer (a branch,
    a merge, a value that is not a plain string): ask Alembic then."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, object] = {}
        for name, value in _ASSIGNMENT.findall(path.read_text(encoding="utf-8")):
            try:
                found[name] = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                return None
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)):
            return None
        revisions[revision] = down
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None
