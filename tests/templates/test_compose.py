"""compose() output, parsed back with the standard library as a mail client would."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from service.config import load_config
from service.mail.compose import Attachment, compose, plus_address
from service.mail.render import RenderedEmail, render
from service.text import one_line
from tests.templates.samples import HOSTILE, SAMPLES, hostile

CONFIG = load_config()
TOKEN = "abcdefghijklmnop"
TO = ("Alex Morgan", "alex.morgan@dwp.gov.uk")
SIMPLE = RenderedEmail(subject="Hello", text="Hello Alex,\n", html="<p>Hello Alex,</p>\n")


def squeeze(text: str) -> str:
    # Python's RFC 2047 folding may move the space between adjacent encoded words, so
    # names are compared without whitespace (every other character must survive).
    return "".join(text.split())


def parse(raw: bytes) -> EmailMessage:
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def test_headers_identity_and_robot_markers() -> None:
    rendered = render("approach_request", SAMPLES["approach_request"])
    with freeze_time(datetime(2026, 8, 10, 9, 30, tzinfo=UTC)):
        message_id, raw = compose(rendered, to=TO, config=CONFIG, token=TOKEN)
    msg = parse(raw)

    assert msg["Message-ID"] == message_id
    assert re.fullmatch(r"<[a-z2-7]{24}@mentoring\.civilservice\.lgbt\.example>", message_id)
    assert f"\r\nMessage-ID: {message_id}\r\n".encode() in raw  # not folded
    assert msg["From"].addresses[0].addr_spec == CONFIG.programme.mailbox
    # Discreet by default: the sender's name says nothing about the network.
    assert msg["From"].addresses[0].display_name == "Mentoring programme"
    assert CONFIG.privacy.sender(CONFIG.programme) == "Mentoring programme"
    assert [a.addr_spec for a in msg["To"].addresses] == ["alex.morgan@dwp.gov.uk"]
    assert msg["To"].addresses[0].display_name == "Alex Morgan"
    reply_to = msg["Reply-To"].addresses[0].addr_spec
    assert reply_to == f"mentoring+{TOKEN}@civilservice.lgbt.example"
    assert msg["Subject"] == f"{rendered.subject} [ref:{TOKEN}]"
    assert msg["Date"].datetime == datetime(2026, 8, 10, 9, 30, tzinfo=UTC)
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["X-Mentoring-Sent"] == "1"
    assert msg["Precedence"] is None
    assert msg["In-Reply-To"] is None and msg["References"] is None


def test_multipart_alternative_carries_both_parts() -> None:
    rendered = render("matches_mentee", SAMPLES["matches_mentee"])
    _, raw = compose(rendered, to=TO, config=CONFIG, token=TOKEN)
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    assert plain.get_content().replace("\r\n", "\n") == rendered.text
    assert html.get_content().replace("\r\n", "\n") == rendered.html
    assert list(msg.iter_attachments()) == []


def test_wire_format_is_7bit_with_crlf_and_short_lines() -> None:
    rendered = render("coordinator_digest", hostile(SAMPLES["coordinator_digest"]))
    _, raw = compose(
        rendered,
        to=("李小龍 🏳️‍🌈", "coordinators@civilservice.lgbt.example"),
        config=CONFIG,
        token=TOKEN,
    )
    raw.decode("ascii")  # raises if anything is not 7-bit
    lines = raw.split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert max(len(line) for line in lines) <= 998


def test_threading_headers_when_answering() -> None:
    parent = "<CAF=abc123@mail.gmail.com>"
    earlier = ["<first@dwp.gov.uk>", "<second@civilservice.lgbt.example>"]
    _, raw = compose(
        SIMPLE, to=TO, config=CONFIG, token=TOKEN, in_reply_to=parent, references=earlier
    )
    msg = parse(raw)
    assert msg["In-Reply-To"] == parent
    assert msg["References"].split() == [*earlier, parent]


def test_junk_message_ids_from_inbound_mail_are_dropped() -> None:
    _, raw = compose(
        SIMPLE,
        to=TO,
        config=CONFIG,
        in_reply_to="not an id\r\nBcc: x@evil.example",
        references=["<ok@example.org>", "<bad id@x>", "<x@y>\r\nX-Evil: 1"],
    )
    msg = parse(raw)
    assert msg["In-Reply-To"] is None
    assert msg["References"] == "<ok@example.org>"
    assert msg["Bcc"] is None and msg["X-Evil"] is None


def test_without_token_replies_go_to_the_plain_mailbox_and_subject_has_no_tag() -> None:
    _, raw = compose(SIMPLE, to=TO, config=CONFIG)
    msg = parse(raw)
    assert msg["Reply-To"].addresses[0].addr_spec == CONFIG.programme.mailbox
    assert msg["Subject"] == "Hello"


def test_plus_addressing_off_keeps_the_subject_tag_only() -> None:
    config = replace(CONFIG, programme=replace(CONFIG.programme, plus_addressing=False))
    _, raw = compose(SIMPLE, to=TO, config=config, token=TOKEN)
    msg = parse(raw)
    assert msg["Reply-To"].addresses[0].addr_spec == CONFIG.programme.mailbox
    assert msg["Subject"] == f"Hello [ref:{TOKEN}]"


@pytest.mark.parametrize(
    "token", ["short", "ABCDEFGHIJKLMNOP", "abcdefghijklmno1", "a" * 17, "abcdefgh\r\nijklmn"]
)
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(ValueError):
        compose(SIMPLE, to=TO, config=CONFIG, token=token)


def test_plus_address() -> None:
    assert plus_address("mentoring@example.org", TOKEN) == f"mentoring+{TOKEN}@example.org"
    with pytest.raises(ValueError):
        plus_address("no-at-sign", TOKEN)


def test_given_message_id_is_reused_and_random_ids_differ() -> None:
    fixed = "<0123abcd@mentoring.civilservice.lgbt.example>"
    first, raw = compose(SIMPLE, to=TO, config=CONFIG, message_id=fixed)
    assert first == fixed and parse(raw)["Message-ID"] == fixed
    ids = {compose(SIMPLE, to=TO, config=CONFIG)[0] for _ in range(50)}
    assert len(ids) == 50
    with pytest.raises(ValueError):
        compose(SIMPLE, to=TO, config=CONFIG, message_id="<x@y>\r\nBcc: a@b")


def test_attachment_makes_multipart_mixed() -> None:
    rendered = render("data_export", SAMPLES["data_export"])
    payload = b'{"person": {"first_name": "Alex"}}'
    _, raw = compose(
        rendered,
        to=TO,
        config=CONFIG,
        token=TOKEN,
        attachments=[Attachment("my-mentoring-data.json", "application/json", payload)],
    )
    msg = parse(raw)
    assert msg.get_content_type() == "multipart/mixed"
    parts = [p.get_content_type() for p in msg.walk()]
    assert parts == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/json",
    ]
    (attachment,) = list(msg.iter_attachments())
    assert attachment.get_filename() == "my-mentoring-data.json"
    assert attachment.get_content() == payload
    body = msg.get_body(preferencelist=("plain",))
    assert body is not None and "my-mentoring-data.json" in body.get_content()


def test_hostile_attachment_name_and_type() -> None:
    _, raw = compose(
        SIMPLE,
        to=TO,
        config=CONFIG,
        attachments=[("../../etc/passwd\r\nX-Evil: 1", "text/plain", b"x")],
    )
    msg = parse(raw)
    (attachment,) = list(msg.iter_attachments())
    name = attachment.get_filename()
    assert name is not None and "/" not in name and "\n" not in name and "\r" not in name
    assert msg["X-Evil"] is None
    with pytest.raises(ValueError):
        compose(SIMPLE, to=TO, config=CONFIG, attachments=[("a", "text/plain\r\nX: 1", b"x")])
    with pytest.raises(ValueError):
        compose(SIMPLE, to=TO, config=CONFIG, attachments=[("a", "nonsense", b"x")])


def test_hostile_display_name_cannot_add_headers_or_recipients() -> None:
    rendered = render("approach_request", hostile(SAMPLES["approach_request"]))
    _, raw = compose(rendered, to=(HOSTILE, "alex.morgan@dwp.gov.uk"), config=CONFIG, token=TOKEN)
    msg = parse(raw)
    assert msg["Bcc"] is None
    assert [a.addr_spec for a in msg["To"].addresses] == ["alex.morgan@dwp.gov.uk"]
    assert squeeze(msg["To"].addresses[0].display_name) == squeeze(one_line(HOSTILE))
    assert "\n" not in msg["Subject"] and msg["Subject"].endswith(f"[ref:{TOKEN}]")
    html = msg.get_body(preferencelist=("html",))
    assert html is not None and "<script" not in html.get_content()


@pytest.mark.parametrize(
    "address",
    ["alex@dwp.gov.uk\r\nBcc: x@evil.example", "a b@c.d", "not-an-address", "two@a.b, three@c.d"],
)
def test_bad_recipient_addresses_are_refused(address: str) -> None:
    with pytest.raises(ValueError) as info:
        compose(SIMPLE, to=("Alex", address), config=CONFIG)
    assert address not in str(info.value)  # never echo personal data into errors/logs


@settings(max_examples=150, deadline=None)
@given(name=st.text(max_size=80), subject=st.text(min_size=1, max_size=80))
def test_any_name_or_subject_stays_in_its_header(name: str, subject: str) -> None:
    rendered = RenderedEmail(subject=one_line(subject) or "x", text="t\n", html="<p>t</p>\n")
    _, raw = compose(rendered, to=(name, "alex.morgan@dwp.gov.uk"), config=CONFIG, token=TOKEN)
    msg = parse(raw)
    assert set(msg.keys()) == {
        "From",
        "To",
        "Reply-To",
        "Subject",
        "Date",
        "Message-ID",
        "Auto-Submitted",
        "X-Auto-Response-Suppress",
        "X-Mentoring-Sent",
        "MIME-Version",
        "Content-Type",
    }
    (to,) = msg["To"].addresses
    assert to.addr_spec == "alex.morgan@dwp.gov.uk"
    assert squeeze(to.display_name) == squeeze(one_line(name))
    assert squeeze(msg["Subject"]) == squeeze(f"{one_line(subject) or 'x'} [ref:{TOKEN}]")


@pytest.mark.parametrize("name", sorted(SAMPLES))
@pytest.mark.parametrize("hostile_data", [False, True])
def test_subject_reads_back_without_outer_whitespace(name: str, hostile_data: bool) -> None:
    # A 70-77 character subject used to be folded whole onto a continuation line
    # ("Subject:" CRLF " Have your ..."), so readers showed it with a leading space.
    rendered = render(name, hostile(SAMPLES[name]) if hostile_data else SAMPLES[name])
    _, raw = compose(rendered, to=TO, config=CONFIG, token=TOKEN)
    subject = str(parse(raw)["Subject"])
    assert subject == subject.strip()
    assert squeeze(subject) == squeeze(f"{rendered.subject} [ref:{TOKEN}]")
