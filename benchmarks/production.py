"""Benchmark: the production rehearsal at full size.

Run: python -m benchmarks.production [--messages 500] [--per-minute 120] [--no-kill]
Starts a throwaway PostgreSQL cluster and a redis-server (Debian packages), the local
Graph fake, and two `mentoring worker --with-scheduler` processes; drops `--messages`
messages (registration forms, CONFIRM replies, HELP commands) in the inbox, kills one
worker with SIGKILL mid-pass, and prints how long until every answer was sent, the
busiest sliding minute of sends, and whether every message was handled and answered
exactly once.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from service.store.database import Database
from tests.production.rehearsal import Mix, Rehearsal, duplicates
from tests.servers.postgres import running_postgres
from tests.servers.redis import start_redis_server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--per-minute", type=int, default=120)
    parser.add_argument("--no-kill", action="store_true")
    args = parser.parse_args()
    mix = Mix.of(args.messages)
    with running_postgres() as postgres, tempfile.TemporaryDirectory() as tmp:
        url = postgres.create_database("rehearsal")
        database = Database(url)
        database.migrate()
        database.dispose()
        redis_server = start_redis_server(Path(tmp) / "redis")
        began = time.monotonic()
        try:
            rehearsal = Rehearsal(Path(tmp), url, redis_server.url, per_minute=args.per_minute)
            outcome = rehearsal.run(mix, kill=not args.no_kill)
        finally:
            redis_server.stop()
    answers = sum(outcome.expected.values())
    print(
        f"messages: {mix.total} ({mix.forms} forms, {mix.confirms} confirmations,"
        f" {mix.commands} commands); answers expected: {answers}"
    )
    print(f"killed: {outcome.killed}")
    print(f"workers: {outcome.seconds:.1f} s from start to the last answer sent")
    print(f"whole run with set-up: {time.monotonic() - began:.1f} s")
    print(
        f"busiest sliding minute: {outcome.max_per_sliding_minute()} sends"
        f" (limit {args.per_minute})"
    )
    print(f"inbox left: {outcome.inbox_left}; inbound rows: {outcome.inbound_rows}")
    print(f"outbound rows: {outcome.outbound_rows}")
    print(f"duplicate Message-IDs: {duplicates(outcome.sent)}")
    wrong = (outcome.received() - outcome.expected) + (outcome.expected - outcome.received())
    print(f"participants with a wrong number of answers: {len(wrong)}")


if __name__ == "__main__":
    main()
