"""Benchmark: exactly-once ingest from the local Maildir into SQLite.

Run: python -m benchmarks.ingest [--count 10000] [--pipeline 1000]
Prints, for `--count` messages, fetch+store throughput (messages kept raw in committed
batches, as the pipeline does) and, for `--pipeline` messages, the whole
pass: fetch, store, classify, handle, queue answers, move. Peak memory is the process's
maximum resident set size.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from jobs.daily import DAILY
from service import clock
from service.app import App
from service.demo.people import population
from service.demo.run import build_app
from service.demo.world import World
from service.pipeline import batches, process_mailbox, store_batch
from service.rounds import create_round


def message(n: int) -> bytes:
    body = ("Thanks for the session yesterday, it was really useful. " * 20 + "\r\n") * 3
    return (
        f"Message-ID: <bench-{n}@dept.example>\r\n"
        f"From: Person {n} <person{n}@dept.example>\r\n"
        "To: mentoring@civilservice.lgbt.example\r\nSubject: Re: your match\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n" + body
    ).encode()


def fill(inbox: Path, count: int) -> None:
    new = inbox / "new"
    new.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        path = new / f"{1_700_000_000 + n}.bench{n}.host"
        path.write_bytes(message(n))
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))


def app_in(directory: str) -> App:
    os.environ["MENTORING_HOME"] = directory
    os.environ.pop("DATABASE_URL", None)
    # As the demo does: we play the receiving host, so the form relay's mail is verified.
    app = build_app(Path(directory), None)
    app.db.migrate()
    return app


def fetch_and_store(count: int) -> float:
    with tempfile.TemporaryDirectory() as directory:
        app = app_in(directory)
        fill(app.settings.mail_dir / "inbox", count)
        started = time.perf_counter()
        stored = 0
        for batch in batches(app.transport.fetch_new()):
            stored += sum(new for _record, new in store_batch(app, batch))
        elapsed = time.perf_counter() - started
        app.close()
    assert stored == count
    return count / elapsed


def whole_pass(count: int) -> tuple[float, float]:
    """Messages per second of wall time and of CPU time (on a busy machine the CPU-time
    rate is what an idle one would reach: the pass runs on one core)."""
    with tempfile.TemporaryDirectory() as directory:
        app = app_in(directory)
        fill(app.settings.mail_dir / "inbox", count)
        started, cpu = time.perf_counter(), time.process_time()
        report = process_mailbox(app)
        elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
        app.close()
    assert report.fetched == count
    return count / elapsed, count / cpu_used


def _timed_pass(world: World, expected: int) -> tuple[float, float]:
    """One timed pass over what `world` delivered; the answers are sent untimed after."""
    started, cpu = time.perf_counter(), time.process_time()
    report = process_mailbox(world.app)
    elapsed, cpu_used = time.perf_counter() - started, time.process_time() - cpu
    assert report.fetched == expected, report
    world.send_queued()
    return expected / elapsed, expected / cpu_used


def realistic(people: int) -> list[tuple[str, float, float]]:
    """What a registration week's inbox holds, in three passes: `people` form responses,
    then each person's CONFIRM reply to the email it caused, then a STATUS command from
    each (both carrying the reply token, quoting our email below, as people do)."""
    rates = []
    with tempfile.TemporaryDirectory() as directory:
        app = app_in(directory)
        start = datetime(2026, 3, 2, 9, tzinfo=UTC)
        world = World(app, start, DAILY)
        try:
            with app.uow(actor="coordinator") as uow:
                create_round(uow, "2026", start, start + timedelta(days=21), start)
                uow.commit()
            everyone = population(people, 11, app.config)
            for p in everyone:
                world.deliver(world.letters.form(p.answers(), world.now))
            rates.append(("registration forms", *_timed_pass(world, people)))
            stages: list[tuple[str, str, Callable[[str], tuple[str, ...]]]] = [
                ("CONFIRM replies", "CONFIRM", lambda _a: ("confirm_address",)),
                ("STATUS commands", "STATUS", lambda _a: ()),
            ]
            for label, words, templates in stages:
                world.on(world.local(world.now).date(), world.local(world.now).hour + 1)
                sent = 0
                for p in everyone:
                    sent += world.reply(world.latest(p.email, *templates(p.email)), words)
                if sent != len(everyone):  # a rate over nothing would look like a figure
                    raise SystemExit(f"{label}: only {sent} of {len(everyone)} could reply")
                rates.append((label, *_timed_pass(world, sent)))
        finally:
            app.close()
            clock.set_now(None)
    return rates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--pipeline", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=300, help="for the realistic passes")
    args = parser.parse_args()
    print(f"load average (1 min): {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rate = fetch_and_store(args.count)
    print(f"fetch+store: {args.count:,} messages at {rate:,.0f} messages/s (target 500)")
    if args.pipeline:
        wall, cpu = whole_pass(args.pipeline)
        print(
            f"whole pass (classify, handle, move): {args.pipeline:,} messages"
            f" at {wall:,.0f} messages/s ({cpu:,.0f} per CPU second; target 500)"
        )
    if args.people:
        for label, wall, cpu in realistic(args.people):
            print(
                f"realistic pass, {label}: {args.people:,} at {wall:,.0f} messages/s"
                f" ({cpu:,.0f} per CPU second)"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS): {peak:,.0f} MB")


if __name__ == "__main__":
    main()
