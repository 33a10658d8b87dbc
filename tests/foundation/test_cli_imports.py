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


MAIL_STACK = (
    "service.inbound",  # the readers of inbound mail (regular expressions, email-validator)
    "email_validator",
    "handlers",  # the command table and its handlers
    "jobs",
    "service.mail.outbox",
    "jinja2",
    "redis",
    "rq",
    "imapclient",
    "O365",
    "msal",
    "rich",
    "alembic",
    "sqlalchemy",  # a dry run reads the SQLite file over sqlite3 (service/store/sqlite_reads.py)
    "pydantic",  # the configuration validated by an earlier command (service/config_cache.py)
    "numpy",  # only a pruned (very large) round vectorises with it: service/matching/pruned.py
    # Only the command that runs is imported (service/cli/commands.py).
    "service.cli.attention",
    "service.cli.core",
    "service.cli.corrections",
    "service.cli.demo",
    "service.cli.jobs",
    "service.cli.people",
    "service.cli.report",
)

MATCH_PROBE = """
import json, sys
from service.cli.main import main
sys.argv = ["mentoring", "--now", "2027-06-20T10:00", "round", "match", "2027", "--dry-run"]
try:
    main()
except SystemExit as exc:
    assert not exc.code, exc.code
print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))
"""


RUN = "import sys\nfrom service.cli.main import main\nsys.argv[0] = 'mentoring'\nmain()"


def test_round_match_imports_no_mail_stack(tmp_path):
    """`round match` answers nobody by email: a dry run loads the configuration (cached by
    the commands before it), the solver and the rows it reads, never the mail readers, the
    handlers, templates, Redis, migrations, the ORM or the configuration's validator."""
    env = {"MENTORING_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    create = ["round", "create", "2027", "--opens", "2027-05-17", "--closes", "2027-06-17"]
    for args in (["init"], ["--now", "2027-05-01", *create]):
        subprocess.run([sys.executable, "-c", RUN, *args], env=env, check=True, capture_output=True)
    done = subprocess.run(
        [sys.executable, "-c", MATCH_PROBE.format(heavy=MAIL_STACK)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    *_report, last = done.stdout.strip().splitlines()
    assert "Nothing stored (dry run)" in done.stdout
    assert json.loads(last) == []


def test_each_command_is_listed_under_its_own_name():
    """The lazy table's names are the commands' own (what `--help` shows and runs)."""
    from service.cli.commands import COMMANDS, load_all
    from service.cli.main import cli

    commands = load_all(cli)
    assert sorted(commands) == sorted(COMMANDS)
    assert all(command.name == name for name, command in commands.items())
