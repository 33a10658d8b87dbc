"""Time the sender checks add per message (target: under 1 ms).

    python -m benchmarks.sender_check [--rounds N]

Runs `service.inbound.sender.check` (From parsing, the receiving host's
Authentication-Results, Exchange organisation headers) and the reply-token binding check
over the parsed headers of every message in tests/fixtures/mail, plus hostile variants
(display-name spoofing, forged and stacked Authentication-Results). Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from handlers import TABLE  # noqa: E402
from service.config import Security  # noqa: E402
from service.inbound.mime import parse_mail  # noqa: E402
from service.inbound.sender import check  # noqa: E402
from service.mail.tokens import binding  # noqa: E402
from service.purpose import parse  # noqa: E402
from service.store.records import ReplyToken  # noqa: E402

CORPUS = ROOT / "tests" / "fixtures" / "mail"
HOSTILE: list[dict[str, tuple[str, ...]]] = [
    {"from": ('"coordinators@dept.example" <mallory@evil.example>',)},
    {"from": ("coordinators@dept.example, mallory@evil.example",)},
    {
        "from": ("coordinators@dept.example",),
        "authentication-results": (
            "mx.dept.example; dmarc=none",
            "mx.dept.example; dmarc=pass header.from=dept.example",
        )
        + ("mx.evil.example; spf=pass smtp.mailfrom=dept.example",) * 20,
    },
    {
        "from": ("Priya <priya@dept.example>",),
        "authentication-results": (
            "mx.dept.example 1; spf=pass (sender IP is 192.0.2.1 (a (nested) comment))"
            " smtp.mailfrom=bounces.dept.example; dkim=pass header.d=dept.example;"
            " dmarc=pass action=none header.from=dept.example; compauth=pass reason=100",
        ),
    },
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    security = Security(
        authserv_id="mx.dept.example", exchange_organization_domains=("dept.example",)
    )
    headers = [parse_mail(p.read_bytes(), 10_000_000).headers for p in sorted(CORPUS.glob("*.eml"))]
    headers += HOSTILE
    now = datetime(2026, 5, 20, tzinfo=UTC)
    token = ReplyToken("x", 1, "registration:1", now - timedelta(days=100), now, address="a@b.c")
    purpose = parse(token.purpose)
    samples: list[float] = []
    for _ in range(args.rounds):
        for h in headers:
            start = time.perf_counter()
            check(h, security)
            binding(token, purpose, "a@b.c", [TABLE["unpair"]], now, 90)
            samples.append(time.perf_counter() - start)
    samples.sort()
    print(f"messages checked: {len(samples):,} ({len(headers)} distinct header sets)")
    print(f"median {statistics.median(samples) * 1e6:.1f} µs per message")
    print(f"p95    {samples[int(len(samples) * 0.95)] * 1e6:.1f} µs per message")
    print(f"p99    {samples[int(len(samples) * 0.99)] * 1e6:.1f} µs per message")
    print(f"mean   {sum(samples) / len(samples) * 1e6:.1f} µs per message (target: under 1,000 µs)")
    print(f"worst  {samples[-1] * 1e6:.1f} µs (includes the OS running other work mid-check)")


if __name__ == "__main__":
    main()
