"""The store is closed: only `service/store/` knows SQL. Everything else asks the
repository by name through the unit of work, so handlers run on the in-memory unit of
work in their unit tests exactly as on the database."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORE = ROOT / "service" / "store"
# Being split into one module per time rule (issue 12), which takes its queries with it.
NOT_YET = {ROOT / "jobs" / "due.py"}


def _leaks(path: Path) -> list[str]:
    """What in one module reaches past the store: SQLAlchemy, the tables, a session."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
        found += [f"imports {n}" for n in names if n.split(".")[0] == "sqlalchemy"]
        found += [f"imports {n}" for n in names if n == "service.store.orm"]
        if isinstance(node, ast.Attribute) and node.attr == "session":
            found.append(f"uses .session on line {node.lineno}")
    return found


def test_nothing_outside_the_store_knows_sql() -> None:
    modules = [
        path
        for folder in ("service", "handlers", "jobs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if STORE not in path.parents and path not in NOT_YET
    ]
    assert len(modules) > 50  # the walk found the code
    leaks = {str(p.relative_to(ROOT)): _leaks(p) for p in modules}
    assert {path: found for path, found in leaks.items() if found} == {}
