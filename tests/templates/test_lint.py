"""The template linter over every template in every state the samples cover: no empty
greeting, no command the footer does not offer, no internal names, plurals right, emails
to coordinators written to coordinators, and each class of email within its word limit."""

from __future__ import annotations

import pytest

from service.mail.render import RenderedEmail, render, template_names
from tests.templates.lint import body_of, commands_named, findings, reads_the_same, words
from tests.templates.samples import SAMPLES, states

CASES = [(name, label) for name in template_names() for label, _ in states(name)]


def _render(name: str, label: str) -> RenderedEmail:
    context = dict(states(name))[label]
    return render(name, context)


@pytest.mark.parametrize(("name", "label"), CASES)
def test_every_template_in_every_state_reads_right(name: str, label: str) -> None:
    assert findings(name, _render(name, label)) == [], f"{name} ({label})"


@pytest.mark.parametrize(("name", "label"), CASES)
def test_the_plain_text_part_reads_the_same_as_the_html(name: str, label: str) -> None:
    assert reads_the_same(_render(name, label)) >= 0.97, f"{name} ({label})"


def test_a_plain_text_part_that_drifted_from_the_html_is_seen() -> None:
    email = _render("check_in", "sample")
    drifted = RenderedEmail(
        email.subject, email.text.replace("How is", "Tell us about"), email.html
    )
    assert reads_the_same(email) == 1.0 or reads_the_same(drifted) < reads_the_same(email)
    other = _render("no_match", "sample")
    assert reads_the_same(RenderedEmail(email.subject, other.text, email.html)) < 0.97


def test_every_template_has_more_than_one_state() -> None:
    assert all(len(states(name)) >= 2 for name in template_names())
    assert len(CASES) > 2 * len(template_names())


def _email(subject: str, text: str, html: str = "<p>ok</p>") -> RenderedEmail:
    return RenderedEmail(subject=subject, text=text, html=html)


FOOTER = "\n" + "-" * 70 + "\nWHAT YOU CAN DO NOW\n\n  STATUS\n      what we hold\n"


@pytest.mark.parametrize(
    ("text", "finding"),
    [
        ("Hello ,\n\nThanks.", "empty greeting"),
        ("Hello Alex,\n\nReply MET followed by their number.", "names MET"),
        ("Hello Alex,\n\nEmail that bounced: confirm_address", "internal name"),
        ("Hello Alex,\n\nYour partner is None.", "code in the words"),
        ("Hello Alex,\n\nWe met on 2026-09-03.", "ISO date"),
        ("Hello Alex,\n\nYou have 1 mentors.", "plural"),
        ("Hello Alex,\n\nYou have 3 mentor to contact.", "plural"),
        ("Hello Alex,\n\n" + "word " * 400, "over the notice limit"),
        ("Hello Alex,\n\nAbout pairing:17.", "record id"),
    ],
)
def test_the_linter_finds_each_kind_of_mistake(text: str, finding: str) -> None:
    found = findings("no_match", _email("Subject", text + FOOTER))
    assert any(finding in f for f in found), found


def test_coordinator_emails_are_not_written_to_participants() -> None:
    text = "Hello coordinators,\n\nAny question? Reply and a coordinator will read it." + FOOTER
    assert any(
        "written to a participant" in f for f in findings("coordinator_digest", _email("S", text))
    )


def test_bare_links_and_layout_tables_are_found() -> None:
    html = '<table><tr><td><a href="https://x.example">https://x.example</a></td></tr></table>'
    found = findings("no_match", _email("S", "Hello Alex," + FOOTER, html))
    assert any("bare link" in f for f in found) and any("layout table" in f for f in found)


def test_a_command_the_footer_offers_is_fine() -> None:
    text = "Hello Alex,\n\nSend STATUS to see it." + FOOTER
    assert commands_named(body_of(text)) == {"STATUS"}
    assert findings("no_match", _email("S", text)) == []


def test_the_match_email_to_a_mentee_asks_before_it_introduces() -> None:
    email = render("matches_mentee", SAMPLES["matches_mentee"])
    body = body_of(email.text)
    assert words(email.text) < 300
    first_bio = body.index(SAMPLES["matches_mentee"]["mentors"][0]["bio"])
    assert body.index("MET") < first_bio
    assert body.index("4 August 2026") < first_bio
