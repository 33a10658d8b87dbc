"""Which schema revision the code expects, read from the migration files alone.

Apart from `service.store.database` so that a command reading a SQLite file over the
standard library (`service.store.sqlite_reads`) can check the schema without importing
SQLAlchemy or Alembic.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path
from typing import Any

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"  # Alembic's default, which env.py keeps
NOT_READY = "The database is not set up or is out of date: run `mentoring init` first."


@cache
def head_from_files() -> str | None:
    """The newest revision, read from the migration files' `revision`/`down_revision`
    lines without importing Alembic (which costs a CLI command about 0.2 s at start).
    None when that is not one clear answer (a branch): ask Alembic then."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, Any] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            target: ast.expr | None = node.target if isinstance(node, ast.AnnAssign) else None
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
            value = getattr(node, "value", None)
            if isinstance(target, ast.Name) and isinstance(value, ast.Constant):
                found[target.id] = value.value
        if not isinstance(found.get("revision"), str):
            return None
        revisions[found["revision"]] = found.get("down_revision")
    heads = set(revisions) - set(revisions.values())
    return heads.pop() if len(heads) == 1 else None
