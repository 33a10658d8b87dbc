"""Which way imports go: jobs (time rules) and handlers (answers to a command) are
siblings over `service`. A job that borrowed a helper from `handlers` would reach the
command table by a second route; the table is given to jobs by their Runtime's App."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imported(source: str) -> set[str]:
    """Every module one module's source imports, at any depth (also inside functions)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _handlers_imports(path: Path) -> set[str]:
    return {n for n in imported(path.read_text(encoding="utf-8")) if n.split(".")[0] == "handlers"}


def test_no_job_imports_handlers() -> None:
    modules = sorted((ROOT / "jobs").rglob("*.py"))
    assert len(modules) > 20  # the walk found the jobs
    found = {str(p.relative_to(ROOT)): _handlers_imports(p) for p in modules}
    assert {path: names for path, names in found.items() if names} == {}


def test_the_check_sees_an_import_of_handlers() -> None:
    source = "from handlers.common import email_to\ndef f():\n    import handlers.keep\n"
    assert imported(source) == {"handlers.common", "handlers.keep"}
