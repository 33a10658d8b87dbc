"""Addresses on the form: only ones our mail can reach are kept."""

from __future__ import annotations

from service.config import load_config
from service.inbound.forms import read_answers, sendable_address
from tests.inbound.test_forms import good

CONFIG = load_config()


def test_accents_before_the_at_are_a_plain_problem_not_an_address() -> None:
    result = read_answers(
        good(**{"Your Civil Service email address": "zoë.núñez@dwp.gov.uk"}), CONFIG
    )
    assert result.registration is None and result.contact is None
    (problem,) = result.problems
    assert "“zoë.núñez@dwp.gov.uk”" in problem and "address without accents" in problem


def test_an_international_domain_is_kept_in_the_form_mail_can_carry() -> None:
    assert sendable_address("Zoe@Bücher.example") == ("zoe@xn--bcher-kva.example", "")


def test_an_invalid_address_is_still_explained() -> None:
    address, problem = sendable_address("not an address")
    assert address == "" and "is not a valid email address" in problem
