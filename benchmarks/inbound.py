"""Throughput of classify + parse on a mixed corpus (target: at least 300 messages/s).

    python benchmarks/inbound.py [--seconds N]

The corpus is tests/fixtures/mail (replies from every client, out-of-office, bounces,
forms, broken MIME), weighted towards what a mailbox really receives: mostly replies.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers import TABLE  # noqa: E402
from service.config import ProgrammeConfig, load_config  # noqa: E402
from service.inbound import classify  # noqa: E402
from tests.inbound.helpers import CORPUS, NOW, MemoryLookup  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()

    config = load_config()
    lookup = MemoryLookup()
    messages = [(p.stem, p.read_bytes()) for p in sorted(CORPUS.glob("*.eml"))]
    # Replies dominate real traffic: count every command reply three times.
    kinds = {
        name: classify(raw, config, lookup, commands=TABLE, now=NOW).kind for name, raw in messages
    }
    mix = [(n, r) for n, r in messages for _ in range(3 if kinds[n] == "command" else 1)]

    per_message: list[float] = []
    done = 0
    started = time.perf_counter()
    while time.perf_counter() - started < args.seconds:
        for _name, raw in mix:
            t = time.perf_counter()
            classify(raw, config, lookup, commands=TABLE, now=NOW)
            per_message.append(time.perf_counter() - t)
            done += 1
    elapsed = time.perf_counter() - started

    print(
        f"corpus: {len(messages)} messages, mix of {len(mix)}: "
        + ", ".join(f"{k} {v}" for k, v in sorted(Counter(kinds[n] for n, _ in mix).items()))
    )
    print(f"classified {done} messages in {elapsed:.2f} s")
    print(f"throughput: {done / elapsed:,.0f} messages/s (target >= 300)")
    ms = sorted(x * 1000 for x in per_message)
    print(
        f"per message: median {statistics.median(ms):.2f} ms,"
        f" p95 {ms[int(len(ms) * 0.95)]:.2f} ms, max {ms[-1]:.2f} ms"
    )
    slowest = max(messages, key=lambda m: _time_one(m[1], config, lookup))
    print(f"slowest message: {slowest[0]}")


def _time_one(raw: bytes, config: ProgrammeConfig, lookup: MemoryLookup) -> float:
    t = time.perf_counter()
    classify(raw, config, lookup, commands=TABLE, now=NOW)
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
