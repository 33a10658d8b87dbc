"""No input crashes the classifier.

Speed is measured, not asserted: `python -m benchmarks.corpora` times reply extraction over
real corpora and adversarial inputs. The hypothesis profile (tests/conftest.py) has no
deadline, and is derandomised in CI.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import TABLE
from service.config import ProgrammeConfig, load_config
from service.inbound import Kind, classify
from service.inbound.classify import UNREADABLE
from service.inbound.mime import parse_mail
from tests.inbound.helpers import CORPUS, NOW, SAM_TOKEN, MemoryLookup

CONFIG = load_config()
LOOKUP = MemoryLookup()
CORPUS_BYTES = [p.read_bytes() for p in sorted(CORPUS.glob("*.eml"))]
THOROUGH = settings(
    max_examples=300,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(raw: bytes, config: ProgrammeConfig = CONFIG) -> None:
    result = classify(raw, config, LOOKUP, commands=TABLE, now=NOW)
    assert isinstance(result.kind, Kind)
    assert result.reason
    # The safety net in classify() must not be what kept us alive: that would be a bug.
    assert not result.reason.startswith(UNREADABLE), result.reason
    if result.kind in {Kind.OWN_LOOP, Kind.BOUNCE, Kind.AUTO_REPLY}:
        assert not result.may_answer  # automated mail is never answered


@THOROUGH
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(raw: bytes) -> None:
    check(raw)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(CORPUS_BYTES)))
    for _ in range(draw(st.integers(1, 6))):
        if not raw:
            break
        at = draw(st.integers(0, len(raw) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate"]))
        if op == "flip":
            raw[at] = draw(st.integers(0, 255))
        elif op == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del raw[at : at + draw(st.integers(1, 200))]
        elif op == "duplicate":
            raw[at:at] = raw[at : at + draw(st.integers(1, 400))] * draw(st.integers(1, 20))
        else:
            del raw[at:]
    return bytes(raw)


@THOROUGH
@given(mutated())
def test_mutated_corpus_messages(raw: bytes) -> None:
    check(raw)


HEADER_NAMES = st.sampled_from(
    [
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Content-Type",
        "Content-Transfer-Encoding",
        "Auto-Submitted",
        "Delivered-To",
        "Return-Path",
        "List-Id",
        "Precedence",
        "X-Failed-Recipients",
        "MIME-Version",
    ]
)
HEADER_VALUES = st.one_of(
    st.text(max_size=120),
    st.sampled_from(
        [
            "=?utf-8?q?Re=3A_=E2=80=93_CONFIRM?=",
            "=?iso-8859-1?b?Wm/rIEVsbGlz?=",
            "=?bogus?x?zz?=",
            f"mentoring+{SAM_TOKEN}@civilservice.lgbt.example",
            "<>",
            "auto-replied",
            'multipart/alternative; boundary="b"',
            "multipart/report; report-type=delivery-status",
            "text/plain; charset=x-no-such-charset",
            "text/html; charset=utf-16",
            "base64",
            "quoted-printable",
            "<a@mentoring.civilservice.lgbt.example>",
            "noreply@forms.office.com",
            "coordinators@civilservice.lgbt.example",
        ]
    ),
)
BODIES = st.one_of(
    st.text(max_size=2000),
    st.sampled_from(
        [
            "--b\nContent-Type: text/plain\n\nCONFIRM\n--b\nContent-Type: text/html\n\n<p>x",
            "<table><tr><td>Your grade</td><td>G7<tr><td>Your first name",
            '{"answers": [{"question": "Your grade", "answer": [1, {"a": null}]}]}',
            "MET " + "1" * 500 + " mins",
            "On " * 3000 + "wrote:",
            "> " * 5000,
            "From: x\n" * 2000,
            "=" * 10000,
        ]
    ),
)


@st.composite
def generated(draw: st.DrawFn) -> bytes:
    headers = draw(st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=14))
    lines = [f"{name}: {value}" for name, value in headers]
    body = draw(BODIES)
    text = "\r\n".join(lines) + "\r\n\r\n" + body
    encoding = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return text.encode(encoding, errors="replace")


@THOROUGH
@given(generated())
def test_generated_messages(raw: bytes) -> None:
    check(raw)


def test_a_message_over_the_size_limit_is_read_for_headers_only() -> None:
    small = replace(CONFIG, limits=replace(CONFIG.limits, max_message_bytes=10_000))
    raw = (CORPUS / "long_lines.eml").read_bytes()
    assert len(raw) > 10_000
    result = classify(raw, small, LOOKUP, commands=TABLE, now=NOW)
    assert result.kind is Kind.TOO_LARGE
    assert result.needs_attention and result.commands is None
    assert result.sender == "sam.jones@hmrc.gov.uk"
    assert "only its headers were read" in result.reason


def test_mime_oddities_are_read() -> None:
    mail = parse_mail((CORPUS / "broken_mime.eml").read_bytes(), 10_000_000)
    assert mail.sender == "zoe.ellis@dfe.gov.uk"  # the first of two From headers
    assert mail.sender_name == "Zoë Ellis"  # an encoded word in Latin-1
    assert mail.subject == "Re: Please confirm – mentoring"  # raw 8-bit UTF-8 header
    assert mail.date is None  # "not a date at all"
    assert mail.text.startswith("Confirm – thanks!")  # unknown charset: cp1252 guessed
    mislabelled = parse_mail((CORPUS / "mislabelled_charset.eml").read_bytes(), 10_000_000)
    assert mislabelled.text.startswith("Keep Zoë Ellis")
    assert mislabelled.sender_name == "Zoë Ellis"


def test_empty_and_headerless_input() -> None:
    for raw in (b"", b"\r\n\r\n", b"just some words", Path(__file__).read_bytes()):
        result = classify(raw, CONFIG, LOOKUP, commands=TABLE, now=NOW)
        assert result.kind is Kind.UNKNOWN and not result.may_answer
