"""What the outgoing-header checks cost per email (target: under 1 ms).

    python -m benchmarks.header_checks [--rounds N]

Composes every template (with realistic threading headers, and the data export with
its attachment) and times, per email, the two things issue 11 added: the gate every
header value passes (`header_text`, `message_id_or_none`) and the re-parse check of the
finished bytes (`service.mail.verify.verify`). Also replays the issue's attack payloads
and counts how many were refused or neutralised. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from email.parser import BytesParser
from email.policy import default

from service.config import ProgrammeConfig, load_config
from service.mail.compose import compose, message_id_or_none
from service.mail.render import RenderedEmail, render
from service.mail.verify import EmailRefused, Meant, verify
from service.text import UnsafeHeaderValue, header_text
from tests.security.test_headers import ID_VARIANTS, NAME_VARIANTS, assert_only_our_headers
from tests.templates.samples import SAMPLES

TOKEN = "abcdefghijklmnop"
PARENT = "<CAF1x2y3z4@mail.gmail.com>"
REFS = ("<first-1@mentoring.example>", "<CAF0aa@mail.gmail.com>", PARENT)


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(len(ordered) * 0.95) - 1]
    return f"median {statistics.median(ordered) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms"


def _compose(
    rendered: RenderedEmail, config: ProgrammeConfig, attachments: list[tuple[str, str, bytes]]
) -> tuple[str, bytes]:
    return compose(
        rendered,
        to=("Alex Morgan", "alex.morgan@dwp.gov.uk"),
        config=config,
        token=TOKEN,
        in_reply_to=PARENT,
        references=REFS,
        attachments=attachments,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    config = load_config()
    parse = BytesParser(policy=default)

    emails = []
    for name in sorted(SAMPLES):
        rendered = render(name, SAMPLES[name])
        attachments = [("my-mentoring-data.json", "application/json", b"{}" * 2000)]
        _, raw = _compose(rendered, config, attachments if name == "data_export" else [])
        msg = parse.parsebytes(raw)
        meant = Meant(
            sender=config.programme.mailbox,
            to="alex.morgan@dwp.gov.uk",
            reply_to=msg["Reply-To"].addresses[0].addr_spec,
            subject=str(msg["Subject"]),
            message_id=str(msg["Message-ID"]),
            in_reply_to=PARENT,
            references=REFS,
        )
        emails.append((rendered, raw, meant))

    gate: list[float] = []
    check: list[float] = []
    whole: list[float] = []
    for _ in range(args.rounds):
        for rendered, raw, meant in emails:
            start = time.perf_counter()
            header_text("Alex Morgan")
            header_text(config.programme.name)
            header_text(rendered.subject)
            message_id_or_none(PARENT)
            for ref in REFS:
                message_id_or_none(ref)
            gate.append(time.perf_counter() - start)
            start = time.perf_counter()
            verify(raw, meant)
            check.append(time.perf_counter() - start)
            start = time.perf_counter()
            _compose(rendered, config, [])
            whole.append(time.perf_counter() - start)
    added = [g + c for g, c in zip(gate, check, strict=True)]
    print(f"{len(emails)} templates x {args.rounds} rounds = {len(added)} emails")
    print(f"gate (decode once, clean, msg-id syntax): {_ms(gate)}")
    print(f"re-parse check of the finished bytes:     {_ms(check)}")
    print(f"checks added per email:                  {_ms(added)}")
    print(f"whole compose, for scale:                {_ms(whole)}")

    tried = refused = neutralised = 0
    base = emails[0][0]
    for value in [*ID_VARIANTS.values(), *NAME_VARIANTS.values()]:
        tried += 1
        try:
            _, raw = compose(
                base,
                to=(value, "alex.morgan@dwp.gov.uk"),
                config=config,
                token=TOKEN,
                in_reply_to=value,
                references=(value,),
            )
        except (UnsafeHeaderValue, EmailRefused):
            refused += 1
            continue
        assert_only_our_headers(raw, "alex.morgan@dwp.gov.uk")
        neutralised += 1
    print(
        f"attack payloads tried: {tried}; refused: {refused}; sent with only our headers"
        f" and one recipient: {neutralised}; got through: {tried - refused - neutralised}"
    )


if __name__ == "__main__":
    main()
