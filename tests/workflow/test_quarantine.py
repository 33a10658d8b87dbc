"""A message that breaks our code is set aside at once; an address we cannot send to is
an answer on the form, never a crash. Through the real pipeline on a real Maildir."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from service import pipeline
from service.inbound.classify import Classification
from service.store.records import InboundMessage, InboundStatus
from tests.cli_runner import run
from tests.conftest import TEST_CONFIG
from tests.harness import Programme, person_answers

ACCENTED = "zoë.núñez@dwp.gov.uk"  # email-validator accepts it; SMTP without SMTPUTF8 cannot


def records(programme: Programme) -> list[InboundMessage]:
    with programme.app.uow() as uow:
        return sorted(uow.session.scalars(select(InboundMessage)), key=lambda r: r.id or 0)


def test_an_accented_address_is_answered_on_the_form_via_the_relays_reply_to(
    programme: Programme,
) -> None:
    form = programme.form(person_answers(ACCENTED, "Zoë", "Núñez"))
    form["Reply-To"] = "zoe.nunez@dwp.gov.uk"  # the relay knows the responder
    programme.deliver(form)
    programme.deliver(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))

    report = programme.process()

    assert report.outcomes == {"processed": 2}
    (answer,) = programme.inbox_of("zoe.nunez@dwp.gov.uk")
    assert "address without accents" in answer.text
    assert len(programme.inbox_of("alex@dwp.gov.uk")) == 1  # the one behind it is handled


def test_an_accented_address_with_nobody_to_answer_waits_for_a_coordinator(
    programme: Programme,
) -> None:
    programme.deliver(programme.form(person_answers(ACCENTED, "Zoë", "Núñez")))
    programme.deliver(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))

    report = programme.process()

    assert report.outcomes == {"needs_attention": 1, "processed": 1}
    first, _second = records(programme)
    assert first.status is InboundStatus.NEEDS_ATTENTION
    assert "accents" in first.reason
    assert len(programme.folder("needs-attention")) == 1
    assert len(programme.inbox_of("alex@dwp.gov.uk")) == 1


def test_a_message_that_raises_is_quarantined_at_once_and_the_pass_goes_on(
    programme: Programme, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_route = pipeline.route

    def route(c: Classification, *args: Any) -> pipeline.Outcome:
        if c.form is not None and c.form.contact == "sam@dwp.gov.uk":
            raise RuntimeError("broken by sam@dwp.gov.uk")  # an error that quotes the mail
        return real_route(c, *args)

    monkeypatch.setattr(pipeline, "route", route)
    programme.deliver(programme.form(person_answers("sam@dwp.gov.uk", "Sam", "Poe")))
    programme.deliver(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))

    with caplog.at_level(logging.INFO):
        report = programme.process()  # one pass, no exception

    assert report.outcomes == {"needs_attention": 1, "processed": 1}
    broken, handled = records(programme)
    assert broken.status is InboundStatus.NEEDS_ATTENTION
    assert broken.reason.startswith("failed while being processed (RuntimeError)")
    assert broken.attempts == 1
    assert handled.status is InboundStatus.PROCESSED
    assert len(programme.folder("needs-attention")) == 1
    assert programme.inbox_of("sam@dwp.gov.uk") == []
    assert len(programme.inbox_of("alex@dwp.gov.uk")) == 1
    logged = "\n".join(r.getMessage() + str(r.exc_info or "") for r in caplog.records)
    assert "RuntimeError" in logged and "test_quarantine.route" in logged
    assert "sam@" not in logged and "Sam" not in logged

    programme.process()  # a later pass leaves it where it is
    assert records(programme)[0].attempts == 1


def test_process_answers_an_accented_form_and_exits_cleanly(
    home: Path, programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The CLI reads the deployment's configuration, as `programme` does, so the relay is verified.
    monkeypatch.setenv("MENTORING_CONFIG", str(TEST_CONFIG))
    programme.deliver(programme.form(person_answers(ACCENTED, "Zoë", "Núñez")))
    programme.deliver(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    for _ in range(2):  # twice, as the report of the bug ran it
        code, out = run("process")
        assert code == 0, out
    assert programme.folder("inbox") == []
    assert len(programme.inbox_of("alex@dwp.gov.uk")) == 1
