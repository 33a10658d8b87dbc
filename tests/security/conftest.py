"""Security tests use the scenario fixtures (a programme on a real Maildir, SQLite, the
real pipeline, time frozen) and the three real mailboxes of the transport tests."""

from tests.transports.conftest import (  # noqa: F401
    fake_graph,
    harness,
    imap_server,
    smtp_server,
)
from tests.workflow.conftest import frozen, programme  # noqa: F401
