"""Every sign of automated mail is recognised, and automated mail is never answered."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import TABLE
from service.config import load_config
from service.inbound import Kind, classify
from tests.inbound.helpers import NOW, SAM_TOKEN, MemoryLookup

CONFIG = load_config()


def message(headers: str, body: str = "CONFIRM") -> bytes:
    return (
        "From: Sam Jones <sam.jones@hmrc.gov.uk>\n"
        f"To: mentoring+{SAM_TOKEN}@civilservice.lgbt.example\n"
        "Date: Fri, 13 Mar 2026 09:00:00 +0000\n"
        f"{headers}\n\n{body}\n"
    ).encode()


@pytest.mark.parametrize(
    "headers",
    [
        "Subject: Re: x\nAuto-Submitted: auto-replied",
        "Subject: Re: x\nAuto-Submitted: auto-generated; owner-email=x@y",
        "Subject: Re: x\nX-Autoreply: yes",
        "Subject: Re: x\nX-Autorespond: 1",
        "Subject: Re: x\nPrecedence: bulk",
        "Subject: Re: x\nPrecedence: auto_reply",
        "Subject: Re: x\nList-Unsubscribe: <mailto:u@x>",
        "Subject: Re: x\nReturn-Path: <>",
        "Subject: Automatic reply: x",
        "Subject: Out of Office: x",
        "Subject: Abwesenheitsnotiz: x",
        "Subject: Automatische Antwort: x",
        "Subject: Réponse automatique : x",
        "Subject: Respuesta automática: x",
        "Subject: Risposta automatica: x",
        "Subject: Automatisch antwoord: x",
        "Subject: Automatiskt svar: x",
        "Subject: Autosvar: x",
        "Subject: AUTO: Smith, Sam is out of the office. (returning 20/03/2026)",
        "Subject: Sam Jones is out of the office until Friday",
    ],
)
def test_auto_replies_are_recognised_and_never_answered(headers: str) -> None:
    result = classify(message(headers), CONFIG, MemoryLookup(), commands=TABLE, now=NOW)
    assert result.kind is Kind.AUTO_REPLY, result.reason
    assert not result.may_answer and not result.needs_attention
    assert result.commands is None  # the CONFIRM in the body is never read


def test_a_return_date_in_a_lotus_notes_subject_is_read() -> None:
    headers = "Subject: AUTO: Jones, Sam is out of the office. (returning 20/03/2026)"
    result = classify(message(headers, body=""), CONFIG, MemoryLookup(), commands=TABLE, now=NOW)
    assert result.kind is Kind.AUTO_REPLY and result.auto_reply is not None
    assert result.auto_reply.out_of_office
    assert result.auto_reply.return_date == date(2026, 3, 20)


def test_outlooks_suppress_header_on_a_persons_reply_is_not_evidence() -> None:
    # Outlook and Exchange ask *others* not to auto-reply with it, on ordinary mail.
    headers = "Subject: Re: x\nX-Auto-Response-Suppress: DR, RN, NRN, OOF, AutoReply"
    result = classify(message(headers), CONFIG, MemoryLookup(), commands=TABLE, now=NOW)
    assert result.kind is Kind.COMMAND and not result.automated


def test_auto_submitted_no_is_a_person() -> None:
    raw = message("Subject: Re: x\nAuto-Submitted: no")
    result = classify(raw, CONFIG, MemoryLookup(), commands=TABLE, now=NOW)
    assert result.kind is Kind.COMMAND and result.may_answer


@pytest.mark.parametrize(
    ("body", "back"),
    [
        ("I am on annual leave, returning on Monday 23 March.", "2026-03-23"),
        ("Estoy fuera de la oficina hasta el 20 de marzo.", "2026-03-20"),
        ("Sono fuori ufficio fino al 18 marzo.", "2026-03-18"),
        ("Ik ben afwezig tot en met 19 maart.", "2026-03-19"),
        ("I'm away from 16/03 to 27/03/2026.", "2026-03-27"),
        ("Back on 2 January.", "2027-01-02"),
    ],
)
def test_return_dates_in_several_phrasings(body: str, back: str) -> None:
    result = classify(
        message("Subject: Automatic reply: x", body),
        CONFIG,
        MemoryLookup(),
        commands=TABLE,
        now=NOW,
    )
    assert result.auto_reply is not None and result.auto_reply.out_of_office
    assert str(result.auto_reply.return_date) == back


def test_a_form_relay_is_not_mistaken_for_an_auto_reply() -> None:
    raw = (
        b"From: noreply@forms.office.com\nTo: mentoring@civilservice.lgbt.example\n"
        b"Subject: New response\nAuto-Submitted: auto-generated\nPrecedence: bulk\n\n"
        b"Your first name: Sam\nYour last name: Jones\nYour grade: HEO\n"
    )
    result = classify(raw, CONFIG, MemoryLookup(), commands=TABLE, now=NOW)
    assert result.kind is Kind.FORM and result.form is not None
    assert not result.form.ok and not result.may_answer


def test_a_form_is_answered_at_the_typed_address_not_the_relay() -> None:
    raw = (
        b"From: flow-noreply@microsoft.com\nTo: mentoring@civilservice.lgbt.example\n"
        b"Subject: New response\n\n"
        b"Your Civil Service email address: sam.jones@hmrc.gov.uk\nYour grade: G8\n"
    )
    result = classify(raw, CONFIG, MemoryLookup(), commands=TABLE, now=NOW)
    assert result.kind is Kind.FORM and result.form is not None
    assert result.form.contact == "sam.jones@hmrc.gov.uk" and result.may_answer


def test_a_form_with_problems_and_nobody_to_tell_needs_a_person() -> None:
    raw = (
        b"From: flow-noreply@microsoft.com\nTo: mentoring@civilservice.lgbt.example\n"
        b"Subject: New response\n\nYour Civil Service email address: sam@@x\nYour grade: G8\n"
    )
    result = classify(raw, CONFIG, MemoryLookup(), commands=TABLE, now=NOW)
    assert result.kind is Kind.FORM and result.form is not None
    assert result.form.contact is None
    assert result.needs_attention and not result.may_answer
