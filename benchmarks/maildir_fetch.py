"""Benchmark: fetch and read 10,000 messages from a local Maildir inbox.

Run: python -m benchmarks.maildir_fetch [--count N]
Prints messages per second and peak Python memory (tracemalloc) for the fetch.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

from service.mail.maildir import MaildirTransport
from service.mail.transport import Folder


def message(n: int) -> bytes:
    body = ("A reply about the mentoring programme. " * 40 + "\r\n") * 3
    return (
        f"Message-ID: <bench-{n}@example.net>\r\n"
        f"From: Person {n} <person{n}@example.net>\r\n"
        "To: mentoring@example.org\r\nSubject: Re: your match\r\n\r\n" + body
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    count = parser.parse_args().count
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "mail"
        transport = MaildirTransport(root)
        new = root / "inbox" / "new"
        for n in range(count):
            path = new / f"{1_700_000_000 + n}.bench{n}.host"
            path.write_bytes(message(n))
            os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))
        tracemalloc.start()
        started = time.perf_counter()
        total_bytes = 0
        fetched = 0
        for item in MaildirTransport(root).fetch_new():
            total_bytes += len(item.raw)
            fetched += 1
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        moved_started = time.perf_counter()
        for item in transport.fetch_new(limit=1000):
            transport.move(item.transport_id, Folder.PROCESSED)
        moved = time.perf_counter() - moved_started
    print(f"messages fetched+read: {fetched:,} ({total_bytes / 1e6:.1f} MB)")
    print(f"fetch+read: {fetched / elapsed:,.0f} messages/s ({elapsed:.2f} s)")
    print(f"peak Python memory during fetch: {peak / 1e6:.1f} MB")
    print(f"fetch+move of 1,000: {1000 / moved:,.0f} messages/s")


if __name__ == "__main__":
    main()
