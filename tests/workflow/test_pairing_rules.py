"""The pure pieces under the relationship handlers: choosing a match, signs of life,
and the command words they added. No mailbox, database or clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from handlers import TABLE
from service.domain import liveness
from service.domain.choices import Option, choose, fold
from service.domain.model import Introduction, Pairing, Person
from service.errors import DomainError
from service.inbound.commands import read_commands
from tests.inbound.helpers import Verb

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def option(number: int, first: str, last: str) -> Option:
    person = Person(
        email=f"{fold(first)}.{fold(last)}@dept.gov.uk",
        first_name=first,
        last_name=last,
        created_at=NOW,
        id=number + 10,
    )
    intro = Introduction(
        round_id=1, mentor_id=number + 10, mentee_id=1, number=number, created_at=NOW
    )
    return Option(intro, person, number)


OPTIONS = [option(1, "Zoë", "O’Brien"), option(2, "Sam", "Lee"), option(3, "Sam", "Patel")]


@pytest.mark.parametrize(
    ("said", "number"),
    [
        ("1", 1),
        ("number 3", 3),
        ("zoe o'brien", 1),
        ("ZOË", 1),
        ("sam patel", 3),
        ("sam.lee@dept.gov.uk", 2),
    ],
)
def test_choose_by_number_name_or_address(said: str, number: int) -> None:
    chosen = choose(said, OPTIONS)
    assert chosen is not None and chosen.number == number


def test_choose_refuses_what_fits_none_or_several() -> None:
    with pytest.raises(DomainError, match=r"More than one .* is called Sam"):
        choose("sam", OPTIONS)
    with pytest.raises(DomainError, match="You do not have a number 4"):
        choose("4", OPTIONS)
    with pytest.raises(DomainError, match="None of your speed mentors is called Kim"):
        choose("kim", OPTIONS)
    assert choose("someone@else.gov.uk", OPTIONS) is None


def pairing() -> Pairing:
    return Pairing(
        round_id=1,
        mentor_id=7,
        mentee_id=8,
        started_at=NOW,
        ends_at=NOW + timedelta(days=365),
        id=1,
    )


def test_the_ladder_starts_once_and_stops_when_the_silent_one_is_seen() -> None:
    p = pairing()
    assert liveness.start_ladder(p, 8, NOW)
    assert p.silent_id == 7 and p.ladder_started_at == NOW
    assert not liveness.start_ladder(p, 8, NOW + timedelta(days=1))
    liveness.seen(p, 8, NOW)  # the reporter writing again changes nothing
    assert p.silent_id == 7
    p.nudges_sent = 1
    liveness.seen(p, 7, NOW + timedelta(days=2))
    assert p.silent_id is None and p.nudges_sent == 0
    assert p.mentor_last_seen_at == NOW + timedelta(days=2)


def test_a_meeting_resets_unanswered_check_ins() -> None:
    p = pairing()
    p.unanswered_check_ins = 2
    liveness.met(p, 8, NOW)
    assert p.unanswered_check_ins == 0 and p.mentee_last_seen_at == NOW


def test_a_stranger_is_no_sign_of_life() -> None:
    with pytest.raises(DomainError):
        liveness.seen(pairing(), 99, NOW)


TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("text", "verb", "choice"),
    [
        ("WITHDRAW REQUEST", Verb.WITHDRAW_REQUEST, None),
        ("cancel request please", Verb.WITHDRAW_REQUEST, None),
        ("MET 2", Verb.MET, "2"),
        ("met 1 yesterday", Verb.MET, "1"),
        ("met 1 hour", Verb.MET, None),  # a length, not match number 1
        ("met 3 March", Verb.MET, None),  # a date
        ("NOT CONTACTED 2", Verb.NOT_CONTACTED, "2"),
    ],
)
def test_the_command_words_the_handlers_added(text: str, verb: Verb, choice: str | None) -> None:
    [command] = read_commands(text, "", today=TODAY, commands=TABLE).commands
    assert (command.verb, command.choice) == (verb, choice)


def test_withdraw_request_inside_a_sentence_is_not_guessed() -> None:
    assert (
        read_commands("I might withdraw my request later", "", today=TODAY, commands=TABLE).commands
        == ()
    )
