"""The interest list, through the real pipeline: a form sent while registrations are
closed puts the address on it, and WITHDRAW in reply to the email saying so takes it
off again. The address has no reply token; a reply to our email to it is the proof."""

from __future__ import annotations

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
