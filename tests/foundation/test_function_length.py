"""Functions that fit on a screen (issue 12): no function in the production code is over
60 lines, so a reader can hold a rule whole. Migrations are generated data, not code
anyone reads as a rule, and are left out."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 60


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT) if ROOT in path.parents else path.name
    return [
        f"{where}:{node.lineno} {node.name} ({length} lines)"
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and (length := (node.end_lineno or node.lineno) - node.lineno + 1) > LIMIT
    ]


def test_no_production_function_is_over_sixty_lines() -> None:
    modules = [
        path
        for folder in ("service", "handlers", "jobs")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]
    assert len(modules) > 50  # the walk found the code
    found = [line for path in modules for line in _long_functions(path)]
    assert found == []


def test_the_check_sees_a_long_function(tmp_path: Path) -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(LIMIT))
    module = tmp_path / "example.py"
    module.write_text(f"def fits() -> None:\n    pass\n\n\ndef too_long() -> None:\n{body}\n")
    assert _long_functions(module) == ["example.py:5 too_long (61 lines)"]
