"""Registration by form, and CONFIRM by reply, through the real pipeline."""

from __future__ import annotations

from datetime import UTC, datetime

from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import select

from service import clock
from service.domain.model import Registration, RegistrationStatus
from service.store.orm import inbound_messages
from service.store.records import InboundMessage, InboundStatus, OutboundMessage
from tests.harness import Programme, person_answers


def registrations(programme: Programme) -> list[Registration]:
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(Registration)).all())


def test_form_then_confirm(programme: Programme) -> None:
    report = programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    assert report.outcomes == {"processed": 1}
    [reg] = registrations(programme)
    assert reg.status is RegistrationStatus.PENDING_CONFIRMATION
    confirm = programme.last_to("alex@dwp.gov.uk")
    assert "CONFIRM" in confirm.text
    assert confirm.message["Auto-Submitted"] == "auto-generated"
    assert "+" in confirm.reply_to  # the token rides in the plus-address

    programme.send(programme.reply(confirm, "CONFIRM"))
    [reg] = registrations(programme)
    assert reg.status is RegistrationStatus.CONFIRMED
    welcome = programme.last_to("alex@dwp.gov.uk")
    assert welcome.message["In-Reply-To"] is not None
    assert len(programme.folder("processed")) == 2


def test_yes_answers_the_confirmation_question(programme: Programme) -> None:
    programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    programme.send(programme.reply(programme.last_to("alex@dwp.gov.uk"), "Yes, that was me"))
    [reg] = registrations(programme)
    assert reg.status is RegistrationStatus.CONFIRMED


def test_form_with_three_mistakes_gets_one_answer_listing_all(programme: Programme) -> None:
    answers = person_answers("alex@dwp.gov.uk", "Alex", "", grade="G8")
    programme.send(programme.form(answers))
    assert registrations(programme) == []
    [answer] = programme.inbox_of("alex@dwp.gov.uk")
    assert "last name" in answer.text.lower()
    assert "G8" in answer.text


def test_registering_twice_updates_once_confirmed_and_says_so(programme: Programme) -> None:
    programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee", grade="HEO")))
    [reg] = registrations(programme)
    assert reg.grade == "EO"  # the second form only proposes the change
    asked = programme.last_to("alex@dwp.gov.uk")
    assert "Higher Executive Officer" in asked.text
    programme.send(programme.reply(asked, "CONFIRM"))
    [reg] = registrations(programme)
    assert reg.grade == "HEO"
    assert len(programme.inbox_of("alex@dwp.gov.uk")) == 3


def test_replaying_the_same_message_changes_nothing(programme: Programme) -> None:
    form = programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee"))
    programme.send(form)
    report = programme.send(form)  # the same Message-ID again
    assert report.repeats == 1
    with programme.app.uow() as uow:
        assert len(uow.session.scalars(select(InboundMessage)).all()) == 1
        assert len(uow.session.scalars(select(OutboundMessage)).all()) == 1
    assert len(programme.sent()) == 1


def test_forged_command_without_token_goes_to_needs_attention(programme: Programme) -> None:
    programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    report = programme.send(programme.plain("alex@dwp.gov.uk", "confirm", "CONFIRM"))
    assert report.outcomes == {"needs_attention": 1}
    [reg] = registrations(programme)
    assert reg.status is RegistrationStatus.PENDING_CONFIRMATION
    with programme.app.uow() as uow:
        flagged = uow.session.scalars(
            select(InboundMessage).where(inbound_messages.c.status == InboundStatus.NEEDS_ATTENTION)
        ).all()
        assert len(flagged) == 1 and flagged[0].reason


def test_a_form_sent_on_a_saturday_night_is_answered_at_once(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    """The person who filled in the form is waiting for its confirmation: an answer, sent
    whenever the form came, never held for working hours like news of someone else."""
    frozen.move_to(datetime(2026, 5, 23, 21, 30, tzinfo=UTC))
    programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    confirm = programme.last_to("alex@dwp.gov.uk")
    assert "CONFIRM" in confirm.text
    with programme.app.uow() as uow:
        [record] = uow.session.scalars(select(OutboundMessage)).all()
        assert record.sent_at == clock.now() and not record.keep_to_hours
