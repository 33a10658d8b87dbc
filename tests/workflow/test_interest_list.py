"""The interest list, through the real pipeline: a form sent while registrations are
closed puts the address on it, and WITHDRAW in reply to the email saying so takes it
off again. The address has no reply token; a reply to our email to it is the proof."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from service.store.records import InterestEntry
from tests.harness import Programme, person_answers

ADDRESS = "alex@dwp.gov.uk"


def listed(programme: Programme) -> bool:
    with programme.app.uow() as uow:
        return isinstance(uow.repo.interest_entry(ADDRESS), InterestEntry)


def closed_and_listed(programme: Programme, frozen: Any) -> None:
    frozen.move_to("2026-07-01 09:00:00")  # after the round's window
    programme.send(programme.form(person_answers(ADDRESS, "Alex", "Lee", interest_list="Yes")))
    assert listed(programme)


def test_withdraw_in_reply_takes_the_address_off_the_list(
    programme: Programme, frozen: Any
) -> None:
    closed_and_listed(programme, frozen)
    told = programme.last_to(ADDRESS)
    assert "reply with WITHDRAW" in told.text
    assert "WITHDRAW" in told.text.split("WHAT YOU CAN DO NOW")[1]  # offered in its footer

    report = programme.send(programme.reply(told, "WITHDRAW"))

    assert report.outcomes == {"processed": 1}
    assert not listed(programme)
    answer = programme.last_to(ADDRESS)
    assert "off our interest list" in answer.text
    assert answer.message["In-Reply-To"] is not None  # in the same thread


def test_withdraw_without_our_reference_changes_nothing(programme: Programme, frozen: Any) -> None:
    closed_and_listed(programme, frozen)
    # From proves nothing: a WITHDRAW that answers none of our emails leaves the list alone.
    report = programme.send(programme.plain(ADDRESS, "withdraw", "WITHDRAW"))
    assert report.outcomes == {"needs_attention": 1}
    assert listed(programme)


def test_a_reply_from_another_address_changes_nothing(programme: Programme, frozen: Any) -> None:
    closed_and_listed(programme, frozen)
    told = programme.last_to(ADDRESS)
    programme.send(programme.reply(told, "WITHDRAW", sender="someone.else@dwp.gov.uk"))
    assert listed(programme)


FORM = "https://forms.example/mentoring-register"


def _with_form_url(programme: Programme) -> None:
    config = programme.app.config
    form = replace(config.form, form_url=FORM)
    programme.app.config = replace(config, form=form)


def _tick(programme: Programme) -> None:
    from jobs.time_rules import run_due
    from service import clock
    from service.mail import outbox

    run_due(programme.app, clock.now())
    outbox.drain(programme.app.db, programme.app.transport)


def test_the_list_hears_once_when_the_next_round_opens_and_can_leave(
    programme: Programme, frozen: Any
) -> None:
    from datetime import UTC, datetime

    closed_and_listed(programme, frozen)
    _with_form_url(programme)
    registered = "sam@dwp.gov.uk"
    with programme.app.uow() as uow:  # listed, then registered some other way: not told
        uow.add(InterestEntry(email=registered, added_at=datetime(2026, 7, 1, tzinfo=UTC)))
        uow.commit()
    programme.open_round(
        "2027", datetime(2027, 3, 1, tzinfo=UTC), datetime(2027, 3, 31, tzinfo=UTC)
    )
    frozen.move_to("2027-03-01 10:00:00")
    programme.send(programme.form(person_answers(registered, "Sam", "Ray")))
    before = len(programme.sent())
    _tick(programme)
    frozen.move_to("2027-03-02 10:00:00")
    _tick(programme)  # the next day: nobody is told twice
    new = programme.sent()[before:]
    assert [m.to for m in new] == [ADDRESS]
    (opened,) = new
    assert opened.subject == "Registrations are open for the 2027 round"
    assert f"fill in the form: {FORM}" in opened.text
    assert "WITHDRAW" in opened.text.split("WHAT YOU CAN DO NOW")[1]

    report = programme.send(programme.reply(opened, "WITHDRAW"))
    assert report.outcomes == {"processed": 1}
    assert not listed(programme)


def test_fill_in_the_form_again_links_to_the_configured_form(programme: Programme) -> None:
    _with_form_url(programme)
    programme.send(programme.form(person_answers(ADDRESS, "Alex", "Lee", grade="Nope")))
    told = programme.last_to(ADDRESS)
    assert f"fill in the form again ({FORM})" in told.text
    assert f'<a href="{FORM}">fill in the form again</a>' in told.html
