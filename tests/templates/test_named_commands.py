"""Every command an email's wording names is one the parser understands, and the
command table generates the footers: what an email asks for, its footer offers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers import TABLE
from service.domain.model import Person, Registration, RegistrationStatus
from service.mail.render import render, template_names
from service.purpose import GENERAL, Purpose, PurposeKind
from service.standing import Standing
from tests.templates.named_commands import named, understood
from tests.templates.samples import SAMPLES

NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", template_names())
def test_every_command_a_template_names_is_understood(name: str) -> None:
    text = render(name, SAMPLES[name]).text
    for word in named(text):
        assert understood(word), f"{name} asks for {word!r}, which no command reads"


def test_the_words_are_found() -> None:
    text = "Please reply MET or CONTINUE. Reply KEEP and their number, or NONE, or reply YES."
    assert named(text) == {"MET", "CONTINUE", "KEEP", "NONE"}


def _standing(status: RegistrationStatus) -> Standing:
    person = Person(
        email="alex@dwp.gov.uk", first_name="Alex", last_name="Lee", created_at=NOW, id=1
    )
    registration = Registration(
        round_id=1, person_id=1, roles="mentee", grade="EO", department="HMRC",
        profession="Policy", created_at=NOW, status=status,
    )  # fmt: skip
    return Standing(person=person, registration=registration)


def test_an_email_offers_the_answers_to_its_own_question() -> None:
    confirmed = _standing(RegistrationStatus.CONFIRMED)
    # "Please confirm these changes to your registration": CONFIRM although confirmed.
    shown = [c for c, _ in TABLE.offered(confirmed, Purpose(PurposeKind.FORM_UPDATE, (7,)))]
    assert shown == ["CONFIRM", "STATUS", "HELP"]  # and nothing the token would refuse
    assert "CONFIRM" not in [c for c, _ in TABLE.offered(confirmed, GENERAL)]


def test_a_question_with_a_narrow_token_lists_only_what_the_token_allows() -> None:
    pending = _standing(RegistrationStatus.PENDING_CONFIRMATION)
    shown = [c for c, _ in TABLE.offered(pending, Purpose(PurposeKind.ERASURE))]
    assert shown == ["CONFIRM", "STATUS", "HELP", "MY DATA", "DELETE MY DATA"]
    assert "WITHDRAW" in [c for c, _ in TABLE.offered(pending, GENERAL)]


def test_help_lists_what_the_footer_offers_once_and_not_help_itself() -> None:
    pending = _standing(RegistrationStatus.PENDING_CONFIRMATION)
    commands = TABLE.offered(pending)
    email = render("help", {**SAMPLES["help"], "commands": commands})
    assert "HELP" in [shown for shown, _ in commands]
    for shown, explanation in commands:
        line = f"  {shown}\n      {explanation}"
        assert email.text.count(line) == (0 if shown == "HELP" else 1)  # the footer, once
    assert email.text.count("STATUS") == 1 and email.text.count("MY DATA") == 2  # + DELETE
