"""Reply tokens are bound to an address, to what their email offered, and (for commands
that end something) to an age: `service.mail.tokens.binding`, a pure function."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers import TABLE
from service.mail import tokens
from service.mail.tokens import Binding
from service.purpose import parse
from service.store.records import ReplyToken

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)


def token(purpose: str = "", *, days_old: int = 1, address: str | None = "alex@dwp.gov.uk"):
    made = NOW - timedelta(days=days_old)
    return ReplyToken("h", 1, purpose, made, made + timedelta(days=730), address=address)


def binding(record: ReplyToken, sender: str, verbs: list[str], now: datetime, days: int):
    return tokens.binding(
        record, parse(record.purpose), sender, [TABLE[v] for v in verbs], now, days
    )


def allows(purpose: str, verb: str) -> bool:
    return tokens.allows(parse(purpose), TABLE[verb])


def test_another_address_is_refused_whatever_it_asks() -> None:
    assert binding(token(), "mallory@evil.example", ["status"], NOW, 90).binding is (
        Binding.OTHER_ADDRESS
    )
    assert binding(token(), "Alex@DWP.gov.uk", ["status"], NOW, 90).binding is Binding.OK
    # Tokens issued before binding carry no address and keep their old meaning.
    assert binding(token(address=None), "x@y.example", ["unpair"], NOW, 90).binding is Binding.OK


@pytest.mark.parametrize(
    ("purpose", "verb", "allowed"),
    [
        ("registration:5", "unpair", False),
        ("registration:5", "confirm", True),
        ("registration:5", "withdraw", True),
        ("erasure", "unpair", False),
        ("coordinator:withdraw", "withdraw", False),
        ("coordinator:withdraw", "confirm", True),
        ("confirm:unpair", "unpair", True),
        ("confirm:unpair", "withdraw", False),
        ("form_update:12", "unpair", False),
        ("pairing:3", "unpair", True),
        ("", "unpair", True),
    ],
)
def test_a_token_does_what_its_email_offered(purpose: str, verb: str, allowed: bool) -> None:
    assert allows(purpose, verb) is allowed


def test_old_tokens_need_a_round_trip_for_commands_that_end_something() -> None:
    old = token(days_old=91)
    assert binding(old, "alex@dwp.gov.uk", ["unpair"], NOW, 90).binding is Binding.TOO_OLD
    assert binding(old, "alex@dwp.gov.uk", ["withdraw"], NOW, 90).binding is Binding.TOO_OLD
    assert binding(old, "alex@dwp.gov.uk", ["met"], NOW, 90).binding is Binding.OK
    # DELETE MY DATA asks for confirmation whatever the token's age.
    assert binding(old, "alex@dwp.gov.uk", ["delete_my_data"], NOW, 90).binding is Binding.OK
    assert binding(token(days_old=89), "alex@dwp.gov.uk", ["unpair"], NOW, 90).binding is (
        Binding.OK
    )
