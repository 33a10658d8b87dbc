"""Headers we write are ours: the attacks of issue 11, replayed through the real pipeline
on a real Maildir, asserting on the files in `sent/` and on the stored state."""

from __future__ import annotations

import re
from email.headerregistry import Address
from email.parser import BytesParser
from email.policy import default

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from jobs.digest import digest_context
from service import clock
from service.config import load_config
from service.domain.model import AuditEvent, Person
from service.inbound.mime import parse_mail
from service.mail.compose import compose, message_id_or_none
from service.mail.outbox import REFUSED_EVENT
from service.mail.render import RenderedEmail
from service.mail.verify import EmailRefused
from service.store.orm import audit_events
from service.store.records import InboundMessage, OutboundMessage
from service.text import UnsafeHeaderValue, header_text
from tests.harness import Programme
from tests.workflow.people_helpers import MENTEE, register

# The exact payloads quoted in issue 11.
MESSAGE_ID_ATTACK = (
    "<=?utf-8?q?a=0D=0ABcc:=20mallory=40evil.example=0D=0AX-A:=20b?=@dept.example> =?utf-8?b?A?="
)
NAME_ATTACK = "Smith =?utf-8?q?=0D=0ABcc:_mallory@evil.example?="

# Variants: the same line break reached through every encoding and trick we know.
ID_VARIANTS = {
    "issue payload": MESSAGE_ID_ATTACK,
    "all-atext encoded word": "<=?utf-8?q?a=0D=0ABcc=3A=20mallory=40evil.example?=@dept.example>",
    "double encoded": "<=?utf-8?q?=3D=3Futf-8=3Fq=3Fa=3D0D=3D0ABcc=3A_m=3D40e.x=3F=3D?=@x.example>",
    "base64 word": "<=?utf-8?b?YQ0KQmNjOiBtYWxsb3J5QGV2aWwuZXhhbXBsZQ0K?=@dept.example>",
    "folded": "<abc@dept.example>\r\n Bcc: mallory@evil.example",
    "NUL": "<a\x00Bcc:mallory@evil.example>",
    "bidi": "<a\u202eelpmaxe.live@yrollam\u202c@dept.example>",
    "encoded CRLF around an id": "=?utf-8?q?<a@x.example>=0D=0ABcc:_mallory@evil.example?=",
}
NAME_VARIANTS = {
    "issue payload": NAME_ATTACK,
    "CRLF": "Smith\r\nBcc: mallory@evil.example",
    "NUL": "Smith\x00Bcc: mallory@evil.example",
    "bidi": "Smith \u202eelpmaxe.live@yrollam",
    "base64 word": "=?utf-8?b?U21pdGgNCkJjYzogbWFsbG9yeUBldmlsLmV4YW1wbGU=?=",
}
OUR_HEADERS = {
    "from",
    "to",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "in-reply-to",
    "references",
    "auto-submitted",
    "x-auto-response-suppress",
    "x-mentoring-sent",
    "mime-version",
    "content-type",
}
_PARSER = BytesParser(policy=default)
CONFIG = load_config()


def assert_only_our_headers(raw: bytes, to: str | None = None) -> None:
    """What a receiving server (or Graph's MIME sendMail) reads from one email of ours."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    # No header line of anyone else's: every line is one of ours or a folded continuation.
    for line in head.split(b"\r\n"):
        assert line[:1] in (b" ", b"\t") or line.split(b":", 1)[0].lower().decode() in OUR_HEADERS
    msg = _PARSER.parsebytes(raw)
    names = [k.lower() for k in msg]
    assert set(names) <= OUR_HEADERS and len(names) == len(set(names))
    assert msg["Cc"] is None and msg["Bcc"] is None
    (recipient,) = msg["To"].addresses
    if to is not None:
        assert recipient.addr_spec == to
    assert len(msg["Reply-To"].addresses) == 1
    for key in ("In-Reply-To", "References"):
        for ref in str(msg.get(key, "")).split():
            assert message_id_or_none(ref) == ref


def all_sent_are_ours(programme: Programme) -> int:
    paths = programme.folder("sent")
    for path in paths:
        assert_only_our_headers(path.read_bytes())
    return len(paths)


def _with_header(raw: bytes, name: str, value: str) -> bytes:
    """Replace (or add) one header with a raw value, bytes as an attacker would send."""
    line = f"{name}: ".encode() + value.encode("utf-8")
    pattern = re.compile(rb"(?im)^" + re.escape(name.encode()) + rb":.*(\r?\n[ \t].*)*$")
    if pattern.search(raw):
        return pattern.sub(lambda _m: line, raw, count=1)
    return line + b"\n" + raw


# --- 1. Message-IDs we echo --------------------------------------------------------


@pytest.mark.parametrize("header", ["Message-ID", "In-Reply-To", "References"])
@pytest.mark.parametrize("variant", sorted(ID_VARIANTS))
def test_a_hostile_message_id_is_never_echoed_into_a_header(
    programme: Programme, header: str, variant: str
) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    before = len(programme.inbox_of(MENTEE))
    reply = programme.reply(programme.last_to(MENTEE), "STATUS").as_bytes()
    programme.send(_with_header(reply, header, ID_VARIANTS[variant]))
    answers = programme.inbox_of(MENTEE)[before:]
    # The participant still gets their answer (the token in the Reply-To says who it is).
    assert len(answers) == 1
    assert all_sent_are_ours(programme) == len(programme.sent())
    assert_only_our_headers(answers[0].message.as_bytes(), MENTEE)
    for path in programme.folder("sent"):  # an id is echoed whole or not at all
        assert b"mallory" not in path.read_bytes().split(b"\r\n\r\n", 1)[0].lower()


# --- 2. Names from forms -----------------------------------------------------------


@pytest.mark.parametrize("variant", sorted(NAME_VARIANTS))
def test_a_hostile_last_name_never_reaches_a_header(programme: Programme, variant: str) -> None:
    programme.send(
        programme.form(
            {
                "email": MENTEE,
                "first_name": "Alex",
                "last_name": NAME_VARIANTS[variant],
                "roles": "Mentee",
                "job_title": "Adviser",
                "department": "HMRC",
                "grade": "EO",
                "profession": "Policy",
                "eligible": "Yes",
                "consent": "Yes",
            }
        )
    )
    programme.send(programme.reply(programme.last_to(MENTEE), "CONFIRM"))
    programme.send(programme.reply(programme.last_to(MENTEE), "STATUS"))
    assert len(programme.inbox_of(MENTEE)) >= 2
    assert all_sent_are_ours(programme) == len(programme.sent())
    with programme.app.uow() as uow:
        stored = uow.repo.person_by_email(MENTEE)
        assert stored is not None
        # Stored decoded once and clean, so every later email is safe too.
        assert "=?" not in stored.last_name
        assert not re.search(r"[\x00-\x1f\u202a-\u202e]", stored.last_name)


# --- 3. A refused email: logged, shown to coordinators, nothing else ---------------


def test_an_email_whose_headers_would_not_be_ours_is_refused_and_reported(
    programme: Programme, caplog: pytest.LogCaptureFixture
) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    with programme.app.uow() as uow:
        # A name stored before this fix: double encoded, so one decoding leaves a word.
        person = uow.session.get(Person, pid)
        assert person is not None
        person.last_name = "=?utf-8?q?=3D=3Futf-8=3Fq=3F=3D0D=3D0ABcc=3A_m=3D40e.x=3F=3D?="
        uow.commit()
    sent_before = len(programme.sent())
    reply = programme.reply(programme.last_to(MENTEE), "STATUS")
    report = programme.send(reply)
    assert report.outcomes == {"processed": 1}  # the command itself was handled
    assert len(programme.sent()) == sent_before  # but the answer was not sent
    with programme.app.uow() as uow:
        assert not [
            m
            for m in uow.session.scalars(select(OutboundMessage)).all()
            if m.template == "status" and m.person_id == pid
        ]
        [event] = uow.session.scalars(
            select(AuditEvent).where(audit_events.c.action == REFUSED_EVENT)
        ).all()
        assert event.subject == f"person:{pid}" and event.detail["template"] == "status"
        failures = digest_context(uow, programme.app, clock.now(), [])["job_failures"]
        [job] = [f["job"] for f in failures]  # in words: no template id, no record id
        assert job.startswith("an email (status) to ") and str(pid) not in job
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"status email to person {pid} refused" in logged
    assert MENTEE not in logged and "mallory" not in logged and "e.x" not in logged


def test_the_gate_decodes_once_and_refuses_what_is_still_encoded() -> None:
    assert header_text("Zo=?utf-8?q?=C3=AB?= =?utf-8?b?IE8=?=\r\n'Brien\x00") == "Zoë O 'Brien"
    with pytest.raises(UnsafeHeaderValue):
        header_text("=?utf-8?q?=3D=3Futf-8=3Fq=3Fx=3F=3D?=")
    with pytest.raises(UnsafeHeaderValue):
        header_text("=?utf-8?b?A?=")  # not decodable: left as it is, so refused
    assert message_id_or_none("<abc.def@dept.example>") == "<abc.def@dept.example>"
    assert message_id_or_none("<a@[127.0.0.1]>") == "<a@[127.0.0.1]>"
    for bad in [*ID_VARIANTS.values(), "<a b@c>", "<a@b@c>", "a@b", "<@b>", "<a@>"]:
        assert message_id_or_none(bad) is None


def test_a_message_with_an_extra_header_is_refused_by_the_re_parse_check() -> None:
    from service.mail import verify

    _, raw = compose(
        RenderedEmail("Hello", "t\n", "<p>t</p>\n"), to=("Alex", MENTEE), config=CONFIG
    )
    forged = raw.replace(b"\r\nSubject:", b"\r\nBcc: mallory@evil.example\r\nSubject:", 1)
    msg = _PARSER.parsebytes(raw)
    meant = verify.Meant(
        sender=CONFIG.programme.mailbox,
        to=MENTEE,
        reply_to=CONFIG.programme.mailbox,
        subject="Hello",
        message_id=str(msg["Message-ID"]),
    )
    verify.verify(raw, meant)
    with pytest.raises(EmailRefused, match=r"unexpected headers \['bcc'\]"):
        verify.verify(forged, meant)
    with pytest.raises(EmailRefused, match="To"):
        verify.verify(raw, verify.Meant(**{**meant.__dict__, "to": "bob@dept.example"}))


# --- 4. The property: whatever an inbound message says -----------------------------

_header_value = st.one_of(
    st.text(max_size=60),
    st.sampled_from([*ID_VARIANTS.values(), *NAME_VARIANTS.values()]),
    st.builds(
        lambda a, b: f"=?utf-8?q?{a}=0D=0ABcc:_{b}?=",
        st.text("abc<>@.=?", max_size=8),
        st.text("mallory@evil.example", max_size=20),
    ),
)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    message_id=_header_value,
    in_reply_to=_header_value,
    references=_header_value,
    name=_header_value,
    subject=_header_value,
)
def test_any_inbound_header_values_give_one_recipient_and_only_our_headers(
    message_id: str, in_reply_to: str, references: str, name: str, subject: str
) -> None:
    lines = [
        ("From", "alex@dwp.gov.uk"),
        ("Message-ID", message_id),
        ("In-Reply-To", in_reply_to),
        ("References", references),
        ("Subject", subject),
    ]
    raw = (
        b"".join(f"{k}: {v}".encode("utf-8", "surrogatepass") + b"\r\n" for k, v in lines)
        + b"\r\nSTATUS\r\n"
    )
    inbound = parse_mail(raw, 1_000_000)
    rendered = RenderedEmail(subject=f"Re: {inbound.subject}", text="t\n", html="<p>t</p>\n")
    try:
        _, out = compose(
            rendered,
            to=(name, MENTEE),
            config=CONFIG,
            token="abcdefghijklmnop",
            in_reply_to=inbound.message_id,
            references=(*inbound.references, *inbound.in_reply_to),
        )
    except (UnsafeHeaderValue, EmailRefused):
        return  # refused: not queued, nothing sent
    assert_only_our_headers(out, MENTEE)


# --- 5. Same Message-ID, different content -------------------------------------------


def test_a_different_message_reusing_a_message_id_goes_to_needs_attention(
    programme: Programme,
) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    first = programme.reply(programme.last_to(MENTEE), "STATUS")
    assert programme.send(first).outcomes == {"processed": 1}
    second = programme.reply(programme.last_to(MENTEE), "WITHDRAW")
    del second["Message-ID"]
    second["Message-ID"] = first["Message-ID"]
    sent = len(programme.sent())
    report = programme.send(second)
    assert report.outcomes == {"needs_attention": 1}
    assert len(programme.sent()) == sent  # not acted on, not answered
    with programme.app.uow() as uow:
        reg_person = uow.repo.person_by_email(MENTEE)
        assert reg_person is not None and not reg_person.erased
        assert [r.status.value for r in uow.repo.registrations_of(reg_person.id or 0)] == [
            "confirmed"
        ]
        reasons = [m.reason for m in uow.session.scalars(select(InboundMessage)).all() if m.reason]
    assert "a different message reused an earlier Message-ID" in reasons
    assert any(second["Subject"] in p.read_text() for p in programme.folder("needs-attention"))
    # The same bytes again are still a silent duplicate, of either message.
    again = programme.send(first)
    assert again.repeats == 1 and again.new == 0
    again = programme.send(second)
    assert again.repeats == 1 and again.new == 0


def test_display_names_are_built_as_one_quoted_address() -> None:
    # The library quotes what it must; our gate leaves no encoded word for it to decode.
    address = Address(display_name=header_text(NAME_ATTACK), addr_spec=MENTEE)
    assert "\n" not in str(address) and str(address).endswith(f"<{MENTEE}>")
