"""The demo's quick reads of the emails it answers give what the email parse gives.

A large year answers thousands of our emails: `Sent` reads their headers and plain text
without the modern policy's parse where it can. These compare the two on real composed
emails (plain ASCII, a non-ASCII name, a long folded subject, an accented body).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from service.config import ProgrammeConfig
from service.demo.letters import Letters, Sent, _our_plain_text, parsed_plain_text
from service.mail.compose import compose
from service.mail.render import RenderedEmail

NOW = datetime(2026, 3, 24, 9, 30, tzinfo=UTC)
CASES = [
    (("Alex Lee", "alex.lee@dept.gov.uk"), "Your matches", "Hello Alex,\n\nMET 1 when met."),
    (
        ("Chloé Murphy", "chloe.murphy@dwp.gov.uk"),
        "Your speed-mentoring matches: 3 mentors to contact by 21 April 2026, and a long"
        " subject that has to be folded over more than one line",
        "Hello Chloé,\n\n" + "A line long enough to be wrapped by quoted-printable. " * 4,
    ),
    (("O'Brien, Pat", "pat@dept.gov.uk"), "Check-in: how is it going?", "Zoë — “quoted” text"),
]


def _sent(config: ProgrammeConfig, to: tuple[str, str], subject: str, text: str) -> Sent:
    rendered = RenderedEmail(subject=subject, text=text, html=f"<p>{text}</p>")
    _, raw = compose(rendered, to=to, config=config, token="abcdefghijklmnop", date=NOW)
    return Sent.of(raw, "check_in")


@pytest.mark.parametrize(("to", "subject", "text"), CASES)
def test_headers_and_text_read_quickly_are_those_the_parse_gives(
    config: ProgrammeConfig, to: tuple[str, str], subject: str, text: str
) -> None:
    sent = _sent(config, to, subject, text)
    for name in ("To", "Subject", "Message-ID", "Date", "Reply-To", "From", "In-Reply-To"):
        parsed = sent.headers[name]
        assert sent.header(name) == (None if parsed is None else str(parsed))
    # Our emails' plain part is found by its boundary, not by parsing the whole email.
    assert _our_plain_text(sent.raw, sent._head) is not None
    assert sent.text == parsed_plain_text(sent.raw)
    assert text.splitlines()[0] in sent.text


def test_a_reply_quotes_the_email_and_answers_its_reply_to(config: ProgrammeConfig) -> None:
    sent = _sent(config, *CASES[1])
    reply = Letters(config).reply(sent, "MET 1", NOW)
    assert str(reply["To"]) == str(sent.headers["Reply-To"])
    assert str(reply["From"]) == str(sent.headers["To"])
    assert str(reply["Subject"]) == "RE: " + str(sent.headers["Subject"])
    assert reply["In-Reply-To"] == str(sent.headers["Message-ID"])
    body = reply.get_content()
    assert body.startswith(f"MET 1\n\nOn {sent.headers['Date']}, the programme wrote:\n> Hello")
