"""Production rehearsal: two worker processes, redis-server, PostgreSQL, the Graph fake,
a low sending limit and a `kill -9` of one worker mid-pass (see `rehearsal.py`).

The suite runs 100 messages at 60 sends a minute: more answers than one minute allows,
so the limit really holds some back, and the send times the fake recorded show whether
any sliding minute went over. It takes about two minutes however fast the machine: the
surviving worker takes the dead one's pass over at its next poll (one minute, the
smallest interval), and the answers need a second minute of the limit.
`python -m benchmarks.production` runs the full 500 at 120 a minute.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.production.rehearsal import Mix, Rehearsal, duplicates
from tests.servers.redis import start_redis_server, unavailable_reason

PER_MINUTE = 60
MESSAGES = 100


@pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
def test_two_workers_one_mailbox_exactly_once_within_the_limit_through_a_kill(
    postgres_url: str, tmp_path: Path
) -> None:
    server = start_redis_server(tmp_path / "redis")
    try:
        mix = Mix.of(MESSAGES)
        outcome = Rehearsal(tmp_path, postgres_url, server.url, per_minute=PER_MINUTE).run(mix)
    finally:
        server.stop()
    answers = sum(outcome.expected.values())
    assert answers > PER_MINUTE  # so the limit had to hold some back
    # Every message handled once, every answer sent once, to the right person.
    assert outcome.inbox_left == 0
    assert outcome.inbound_rows == {"processed": mix.confirms + mix.total}
    coordinators = len(outcome.to_coordinators())  # the daily digest, if it had news
    assert coordinators <= 1
    assert outcome.outbound_rows == {"sent": mix.confirms + answers + coordinators}
    assert duplicates(outcome.sent) == 0
    assert outcome.received() == outcome.expected
    # Never over the limit in any sliding minute.
    assert outcome.max_per_sliding_minute() <= PER_MINUTE
    assert "holding the mailbox" in outcome.killed or "after the pass" in outcome.killed
    for log in outcome.logs:
        assert "Traceback" not in log
        assert "@dept.example" not in log
