"""`mentoring --help` and the command table load no heavy library: each command imports
what it needs when it runs (see benchmarks/startup.py for the times)."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = (
    "ortools",  # the matcher's solver
    "numpy",
    "O365",  # Graph
    "msal",
    "requests",
    "imapclient",  # IMAP
    "rich",  # tables and progress bars
    "sqlalchemy",  # the store
    "alembic",
    "pydantic",  # configuration
    "jinja2",  # templates
    "redis",
)

PROBE = """
import json, sys
sys.argv = ["mentoring", "--help"]
from service.cli.main import main
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


def test_help_imports_no_heavy_library():
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(heavy=HEAVY)],
        capture_output=True,
        text=True,
        check=True,
    )
    *_help, last = done.stdout.strip().splitlines()
    assert "Commands:" in done.stdout and "round" in done.stdout
    assert json.loads(last) == []
