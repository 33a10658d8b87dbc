"""New messages of one pass are handled together, in one transaction, yet each exactly
once and all or nothing: a refusal or an error in one of them changes nothing for the
others. Through the real pipeline on a real Maildir and database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from service import pipeline
from service.domain.model import AuditEvent
from service.store.records import InboundMessage, InboundStatus, OutboundMessage
from tests.harness import Programme, person_answers
from tests.workflow.people_helpers import MENTEE, register

FIRST, LAST = "p0@dwp.gov.uk", "p2@dwp.gov.uk"


def _three_in_one_pass(programme: Programme) -> None:
    """A form, a command that is refused (a mentee cannot ACCEPT), another form."""
    register(programme, MENTEE, "Alex", "Morgan")
    welcome = programme.last_to(MENTEE)
    programme.deliver(programme.form(person_answers(FIRST, "Pat", "Lee")))
    programme.deliver(programme.reply(welcome, "ACCEPT"))
    programme.deliver(programme.form(person_answers(LAST, "Kim", "Lee")))


def _records(programme: Programme) -> list[InboundMessage]:
    with programme.app.uow() as uow:
        return sorted(uow.session.scalars(select(InboundMessage)), key=lambda r: r.id or 0)[-3:]


def test_a_refusal_between_two_messages_is_answered_and_the_others_handled(
    programme: Programme,
) -> None:
    _three_in_one_pass(programme)
    before = len(programme.inbox_of(MENTEE))

    report = programme.process()

    assert report.outcomes == {"processed": 3}
    first, refused, last = _records(programme)
    assert refused.reason.startswith("refused:")
    assert first.status is last.status is InboundStatus.PROCESSED
    assert [len(programme.inbox_of(a)) for a in (FIRST, LAST)] == [1, 1]
    answers = programme.inbox_of(MENTEE)[before:]
    assert len(answers) == 1 and "nothing" in answers[0].text
    with programme.app.uow() as uow:
        templates = [o.template for o in uow.session.scalars(select(OutboundMessage))]
    assert templates.count("problem_answer") == 1


def test_each_message_handled_together_names_itself_in_its_audit_events(
    programme: Programme,
) -> None:
    _three_in_one_pass(programme)
    programme.process()
    records = _records(programme)
    with programme.app.uow() as uow:
        events = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.inbound_id.in_([r.id for r in records]))  # type: ignore[union-attr]
        ).all()
    registered = {e.inbound_id for e in events if e.action.startswith("registration")}
    assert registered == {records[0].id, records[2].id}


def test_a_message_that_raises_after_changing_things_leaves_no_trace_of_its_changes(
    programme: Programme, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The second form's registration is written, then something breaks before it is
    # taken: set aside, nothing of it kept, the messages around it handled once each.
    real = pipeline._apply

    def breaks_for_the_second(
        uow: Any, record: InboundMessage, outcome: pipeline.Outcome, *args: Any
    ) -> None:
        if b"p1@dwp.gov.uk" in record.raw and outcome.status is InboundStatus.PROCESSED:
            raise RuntimeError("broken")  # not when it is set aside
        real(uow, record, outcome, *args)

    monkeypatch.setattr(pipeline, "_apply", breaks_for_the_second)
    for n in range(3):
        programme.deliver(programme.form(person_answers(f"p{n}@dwp.gov.uk", f"P{n}", "Lee")))

    report = programme.process()

    assert report.outcomes == {"processed": 2, "needs_attention": 1}
    with programme.app.uow() as uow:
        assert uow.repo.person_by_email("p1@dwp.gov.uk") is None
        assert uow.repo.person_by_email("p0@dwp.gov.uk") is not None
    assert [len(programme.inbox_of(f"p{n}@dwp.gov.uk")) for n in range(3)] == [1, 0, 1]
