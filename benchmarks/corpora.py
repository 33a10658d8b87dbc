"""How well we read real-world mail: other projects' fixtures, measured against their own tests.

    python -m benchmarks.corpora [--verbose]

Reads ../shared/corpora/ beside the repository (or the folder in MENTORING_CORPORA); see
SOURCES.md there for where each set comes from and its licence. Nothing of it is copied
into this repository. Prints, per corpus: bounce recall, failed recipient found (for
bounces whose expectation names one), success/delay reports kept apart from permanent
failures, auto-reply recall, false positives on ordinary human mail, reply first-line
accuracy and exact new-text rate, and the worst reply-extraction time (best of three runs
of each input); then the worst extraction time over adversarial inputs up to the 10 MB
message limit. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from handlers import TABLE
from service.config import ProgrammeConfig, load_config
from service.inbound import Kind, classify
from service.inbound.classify import Classification
from service.inbound.html_text import html_to_text
from service.inbound.mime import parse_mail
from service.inbound.replies import new_text
from tests.inbound.helpers import NOW, MemoryLookup

ROOT = Path(__file__).resolve().parent.parent
_ACTION = re.compile(rb"^action:\s*(\w+)", re.IGNORECASE | re.MULTILINE)


def corpora_dir() -> Path:
    if os.environ.get("MENTORING_CORPORA"):
        return Path(os.environ["MENTORING_CORPORA"])
    # ../shared/corpora beside the checkout; a git worktree one level deeper finds it too.
    beside = [ROOT.parent / "shared" / "corpora", ROOT.parent.parent / "shared" / "corpora"]
    return next((p for p in beside if p.is_dir()), beside[0])


@dataclass
class Ratio:
    hit: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, name: str) -> None:
        self.total += 1
        self.hit += ok
        if not ok:
            self.misses.append(name)

    def __str__(self) -> str:
        if not self.total:
            return "—"
        return f"{self.hit}/{self.total} ({100 * self.hit / self.total:.1f}%)"


@dataclass
class Figures:
    bounce: Ratio = field(default_factory=Ratio)
    recipient: Ratio = field(default_factory=Ratio)
    apart: Ratio = field(default_factory=Ratio)  # success/delay reports not read as permanent
    auto: Ratio = field(default_factory=Ratio)
    other: Ratio = field(default_factory=Ratio)  # ARF, challenge-response: automated, no bounce
    human: Ratio = field(default_factory=Ratio)  # ordinary human mail read as a person's mail
    first_line: Ratio = field(default_factory=Ratio)
    exact: Ratio = field(default_factory=Ratio)
    checks: Ratio = field(default_factory=Ratio)  # contains / not_contains of the source tests
    inline: Ratio = field(default_factory=Ratio)  # replies below/between quotes: all checks
    worst_ms: float = 0.0
    worst_name: str = ""

    def lines(self) -> Iterator[str]:
        labels = [
            ("bounce recall", self.bounce),
            ("failed recipient found", self.recipient),
            ("success/delay kept apart", self.apart),
            ("auto-reply recall", self.auto),
            ("ARF/challenge automated", self.other),
            ("reply first line", self.first_line),
            ("reply exact new text (top-posted)", self.exact),
            ("reply contains/not-contains", self.checks),
            ("inline/bottom replies", self.inline),
        ]
        for label, ratio in labels:
            if ratio.total:
                yield f"  {label:40} {ratio}"
        if self.human.total:
            wrong = self.human.total - self.human.hit
            yield f"  {'false positives on ordinary mail':40} {wrong} of {self.human.total}"
        if self.worst_name:
            yield f"  {'worst extraction':40} {self.worst_ms:.2f} ms ({self.worst_name})"


class Evaluation:
    def __init__(self, config: ProgrammeConfig) -> None:
        self.config = config
        self.lookup = MemoryLookup()

    def classify(self, raw: bytes) -> Classification:
        return classify(raw, self.config, self.lookup, commands=TABLE, now=NOW)

    # -- automated mail -----------------------------------------------------------------
    def bounce(
        self,
        fig: Figures,
        name: str,
        raw: bytes,
        recipients: list[str] | None,
        delay: bool,
        any_recipient: bool = False,
    ) -> None:
        c = self.classify(raw)
        fig.bounce.add(c.kind is Kind.BOUNCE, name)
        if c.kind is Kind.BOUNCE and c.bounce is not None and recipients is not None:
            found = set(c.bounce.failed_recipients)
            wanted = {r.lower() for r in recipients}
            if wanted:
                ok = bool(found & wanted) if any_recipient else wanted <= found
            else:
                ok = bool(found)
            fig.recipient.add(ok, name)
        if delay:
            fig.apart.add(c.automated and not _permanent(c), name)

    def success(self, fig: Figures, name: str, raw: bytes) -> None:
        c = self.classify(raw)
        fig.apart.add(c.automated and not _permanent(c), name)

    def auto_reply(self, fig: Figures, name: str, raw: bytes) -> None:
        fig.auto.add(self.classify(raw).kind is Kind.AUTO_REPLY, name)

    def automated_other(self, fig: Figures, name: str, raw: bytes) -> None:
        c = self.classify(raw)
        fig.other.add(c.automated and not _permanent(c), name)

    def human(self, fig: Figures, name: str, raw: bytes) -> None:
        c = self.classify(raw)
        fig.human.add(not c.automated and c.kind not in {Kind.BOUNCE, Kind.AUTO_REPLY}, name)

    # -- replies ------------------------------------------------------------------------
    def reply(self, fig: Figures, name: str, body: str, case: dict[str, Any]) -> None:
        text = new_text(body)
        ms = _best_ms(new_text, body)
        if ms > fig.worst_ms:
            fig.worst_ms, fig.worst_name = ms, name
        text = text.strip()
        first = next((line.strip() for line in text.split("\n") if line.strip()), "")
        contains = all(s in text for s in case.get("contains", []))
        clean = not any(s in text for s in case.get("not_contains", []))
        if case.get("style") in {"inline", "forward"}:
            ok = contains and clean and first == case.get("first_line", first)
            if "expected" in case:
                ok = ok and text in [e.strip() for e in case["expected"]]
            fig.inline.add(ok, name)
            return
        if "first_line" in case:
            fig.first_line.add(first == case["first_line"].strip(), name)
        if "expected" in case:
            fig.exact.add(text in [e.strip() for e in case["expected"]], name)
        if "contains" in case or "not_contains" in case:
            fig.checks.add(contains and clean, name)


def _best_ms(run: Callable[[str], object], body: str, times: int = 3) -> float:
    """The best of a few runs: a busy machine's pauses are not the code's time."""
    best = float("inf")
    for _ in range(times):
        started = time.perf_counter()
        run(body)
        best = min(best, (time.perf_counter() - started) * 1000)
    return best


def _permanent(c: Classification) -> bool:
    return c.kind is Kind.BOUNCE and c.bounce is not None and c.bounce.permanent


def _all_delayed(raw: bytes) -> bool:
    actions = {a.lower() for a in _ACTION.findall(raw)}
    return actions == {b"delayed"}


def _as_reply(body: str, name: str, outlook: bool) -> bytes:
    """A reply body as a person's mail client would send it (Outlook adds the header)."""
    headers = [
        "From: A Person <a.person@example.org>",
        "To: mentoring@civilservice.lgbt.example",
        f"Subject: Re: {name}",
        "Date: Fri, 13 Mar 2026 09:00:00 +0000",
        f"Message-ID: <{zlib.crc32(name.encode())}@example.org>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
    ]
    if outlook:
        headers.append("X-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply")
    return ("\r\n".join(headers) + "\r\n\r\n" + body).encode("utf-8")


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def sisimai(ev: Evaluation, base: Path) -> Figures:
    fig = Figures()
    reasons: dict[str, list[dict[str, Any]]] = _load(base / "expected_reasons.json")
    for path in sorted((base / "bsd").glob("*.eml")) + sorted((base / "not").glob("*.eml")):
        raw, name = path.read_bytes(), path.name
        kinds = {r["reason"] for r in reasons.get(name, [])}
        if path.parent.name == "not" and name.startswith("is-not-bounce"):
            ev.human(fig, name, raw)
        elif name.startswith("rfc3834-") or kinds == {"vacation"}:
            ev.auto_reply(fig, name, raw)
        elif name.startswith("arf-") or kinds == {"feedback"}:
            ev.automated_other(fig, name, raw)
        elif kinds == {"delivered"}:
            ev.success(fig, name, raw)
        else:  # sisimai's tests name a recipient for every bounce they parse
            ev.bounce(fig, name, raw, [], _all_delayed(raw))
    return fig


# BounceParser's tests call these spam messages (sent straight to a bounce address, with no
# delivery report in them) bounces; for us they are a stranger's mail.
_SPAM_NOT_BOUNCES = {
    "spam-bogus-email-in-report.msg",
    "spam-lots-of-bogus-addresses.msg",
    "spam-with-badly-parsed-email.msg",
    "spam-with-image.msg",
}


def bounceparser(ev: Evaluation, base: Path) -> Figures:
    fig = Figures()
    for name, case in _load(base / "expected.json").items():
        raw = (base / "corpus" / name).read_bytes()
        kind = case["expect_kind"]
        if name in _SPAM_NOT_BOUNCES:
            ev.human(fig, name, raw)  # it must not be read as automated mail either
            continue
        if kind == "bounce":
            ev.bounce(
                fig,
                name,
                raw,
                case.get("recipients"),
                _all_delayed(raw),
                any_recipient=case.get("recipients_any", False),
            )
        elif kind == "auto_reply":
            ev.auto_reply(fig, name, raw)
        else:
            ev.automated_other(fig, name, raw)
    return fig


def flufl(ev: Evaluation, base: Path) -> Figures:
    fig = Figures()
    for name, case in _load(base / "expected.json").items():
        raw = (base / "data" / name).read_bytes()
        addresses = case["addresses"] or None  # an empty list: the source finds none either
        ev.bounce(fig, name, raw, addresses, bool(case["temporary"]))
    return fig


def _replies(ev: Evaluation, fig: Figures, cases: dict[str, Any], read: Callable[..., str]) -> None:
    for name, case in cases.items():
        body = read(case)
        for placeholder, value in case.get("substitute", {}).items():
            body = body.replace(placeholder, value)
        ev.reply(fig, name, body, case)
        if case.get("style") == "top":
            ev.human(fig, name, _as_reply(body, name, outlook=True))


def text_replies(ev: Evaluation, base: Path) -> Figures:
    fig = Figures()

    def read(case: dict[str, Any]) -> str:
        return str((base / case["file"]).read_text(encoding="utf-8"))

    _replies(ev, fig, _load(base / "expected.json"), read)
    return fig


def talon(ev: Evaluation, base: Path) -> Figures:
    fig = Figures()
    for name, case in _load(base / "expected.json").items():
        raw = (base / case["file"]).read_bytes()
        ev.human(fig, name, raw)
        ev.reply(fig, name, parse_mail(raw, ev.config.limits.max_message_bytes).text, case)
    for name, case in _load(base / "html_expected.json").items():
        html = (base / case["file"]).read_text(encoding="utf-8")
        ev.reply(fig, name, html_to_text(html), case)
    cases = {case["id"]: case for case in _load(base / "text_cases.json")}
    _replies(ev, fig, cases, lambda case: case["body"])
    return fig


CORPORA: list[tuple[str, str, Callable[[Evaluation, Path], Figures]]] = [
    ("sisimai", "sisimai", sisimai),
    ("Mail-DeliveryStatus-BounceParser", "bounceparser", bounceparser),
    ("flufl.bounce", "flufl_bounce", flufl),
    ("talon", "talon", talon),
    ("github/email_reply_parser", "github_erp", text_replies),
    ("crisp-oss/email-reply-parser", "crisp_erp", text_replies),
]


def adversarial() -> list[tuple[str, str]]:
    """Inputs that made regex-based reply readers slow (up to the 10 MB message limit)."""
    ten_mb = 10_000_000
    return [
        ("'On ' x 3,000 + wrote:", "On " * 3000 + "wrote:"),
        ("'On On On …' to 10 MB", "On " * (ten_mb // 3)),
        ("'On …' lines to 10 MB", ("On Mon, Sam wrote\n" * (ten_mb // 18))),
        ("100k '>' on one line", ">" * 100_000),
        ("100k '>' lines", ">\n" * 100_000),
        ("'> ' x 5,000", "> " * 5000),
        ("10 MB one line", "x" * ten_mb),
        ("10 MB of blank lines", "\n" * ten_mb),
        ("10 MB of words", "word " * (ten_mb // 5)),
        ("10 MB of one-letter lines", "x\n" * (ten_mb // 2)),
        ("10 MB of 'On Thursday:' lines", "On Thursday:\n" * (ten_mb // 13)),
        ("10 MB of '>' lines", "> quoted\n" * (ten_mb // 9)),
        ("'From: x' x 2,000", "From: x\n" * 2000),
        ("'From: x / Sent: y' to 10 MB", "From: x\nSent: y\n" * (ten_mb // 16)),
        ("'-- ' signature lines", "--\n" * 200_000),
        ("long 'On' line, no wrote", "On " + "a, " * 1_000_000),
        ("'Sent from my' x 100k", "Sent from my iPhone\n" * 100_000),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--verbose", action="store_true", help="name every miss")
    args = parser.parse_args()
    base = corpora_dir()
    if not base.is_dir():
        print(f"corpora not found at {base} (set MENTORING_CORPORA): skipped")
        return
    ev = Evaluation(load_config())
    total = Figures()
    for title, folder, run in CORPORA:
        if not (base / folder).is_dir():
            print(f"{title}: {base / folder} missing, skipped")
            continue
        fig = run(ev, base / folder)
        print(f"{title} ({folder}/)")
        for line in fig.lines():
            print(line)
        if args.verbose:
            for label, ratio in vars(fig).items():
                if isinstance(ratio, Ratio) and ratio.misses:
                    print(f"    misses in {label}: {', '.join(ratio.misses)}")
        for key, value in vars(fig).items():
            if isinstance(value, Ratio):
                mine: Ratio = getattr(total, key)
                mine.hit += value.hit
                mine.total += value.total
        if fig.worst_ms > total.worst_ms:
            total.worst_ms, total.worst_name = fig.worst_ms, f"{folder}: {fig.worst_name}"
    print("all corpora")
    for line in total.lines():
        print(line)
    worst = (0.0, "")
    for label, body in adversarial():
        ms = _best_ms(new_text, body)
        worst = max(worst, (ms, label))
        if args.verbose:
            print(f"    {label}: {ms:.2f} ms")
    print(f"adversarial inputs: {len(adversarial())}, worst {worst[0]:.2f} ms ({worst[1]})")


if __name__ == "__main__":
    main()
