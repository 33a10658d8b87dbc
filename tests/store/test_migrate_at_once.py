"""Two instances starting together both run `mentoring init` against one PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from service.store.database import Database

ROOT = Path(__file__).resolve().parents[2]
MIGRATE = "import sys; from service.store.database import Database; Database(sys.argv[1]).migrate()"


def test_two_migrations_at_once_both_succeed(empty_postgres_url):
    # Separate processes, as two containers would be (alembic's context is per process).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, empty_postgres_url],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    db = Database(empty_postgres_url)
    try:
        assert db.current_revision() == db.head_revision()
    finally:
        db.dispose()
