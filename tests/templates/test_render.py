"""Every template renders, for realistic and hostile data, in both parts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from markupsafe import escape

from service.mail.render import (
    DEFAULT_TEMPLATES_DIR,
    environment,
    render,
    template_names,
)
from service.text import one_line
from tests.templates.samples import (
    CHARACTERISTIC_MARKER,
    HOSTILE_HEAD,
    HOSTILE_TAIL,
    SAMPLES,
    hostile,
    with_characteristics,
)

NAMES = template_names()
_UNRENDERED = re.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}")


def test_every_template_has_a_sample_and_every_sample_a_template() -> None:
    assert set(NAMES) == set(SAMPLES)
    assert len(NAMES) >= 45


@pytest.mark.parametrize("name", NAMES)
def test_renders_realistic_data(name: str) -> None:
    context = SAMPLES[name]
    email = render(name, context)

    assert email.subject and "\n" not in email.subject and "\r" not in email.subject
    assert email.subject == one_line(email.subject)
    assert email.subject == email.subject.strip(), f"{name}: subject has outer whitespace"
    for part in (email.subject, email.text, email.html):
        assert not _UNRENDERED.search(part), f"unrendered Jinja in {name}"
    assert "reply to this email" in email.text.lower()
    assert "reply to this email" in email.html.lower()
    assert email.html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="en-GB">' in email.html and "<h1" in email.html
    assert "<img" not in email.html
    assert context["signature"] in email.text or "coordinators" in email.text
    for command, explanation in context["commands"]:
        if command == name.upper():
            continue  # the answer to HELP does not offer HELP again (nor STATUS's STATUS)
        assert command in email.text and explanation in email.text
        assert str(escape(command)) in email.html and str(escape(explanation)) in email.html


@pytest.mark.parametrize("name", NAMES)
def test_hostile_data_is_escaped_in_html_and_verbatim_in_text(name: str) -> None:
    email = render(name, hostile(SAMPLES[name]))

    # Text: what the person typed, exactly (the CR/LF just starts a new line).
    assert HOSTILE_HEAD in email.text
    assert HOSTILE_TAIL in email.text
    # HTML: no live markup from the participant, the escaped form instead.
    assert "<script" not in email.html and "<b>" not in email.html
    assert str(escape(HOSTILE_HEAD)) in email.html
    assert "مرحبا 李小龍 🏳️‍🌈" in email.html
    # Subject: one line whatever was typed.
    assert "\r" not in email.subject and "\n" not in email.subject
    assert email.subject == email.subject.strip()
    assert not _UNRENDERED.search(email.subject + email.text + email.html)


@pytest.mark.parametrize("name", NAMES)
def test_no_template_ever_shows_a_characteristic(name: str) -> None:
    email = render(name, with_characteristics(SAMPLES[name]))
    for part in (email.subject, email.text, email.html):
        assert CHARACTERISTIC_MARKER not in part
    source = "".join(
        (DEFAULT_TEMPLATES_DIR / name / part).read_text()
        for part in ("subject.txt", "body.txt", "body.html")
    )
    for expression in re.findall(r"\{\{.*?\}\}|\{%.*?%\}", source, flags=re.S):
        assert "characteristic" not in expression.lower()


@pytest.mark.parametrize(
    ("name", "key"),
    [("matches_mentee", "mentors"), ("status", "round"), ("coordinator_digest", "day")],
)
def test_missing_context_is_an_error_not_a_blank(name: str, key: str) -> None:
    context = dict(SAMPLES[name])
    del context[key]
    with pytest.raises(UndefinedError):
        render(name, context)


def test_autoescape_is_on_for_html_and_off_for_text() -> None:
    env = environment()
    source = "{{ value }}"
    value = "<a href='x'>&</a>"
    assert env.from_string(source).render(value=value) == value  # from_string: no name
    html = env.get_template("_macros.html").module.heading(value)  # type: ignore[attr-defined]
    text = env.get_template("_macros.txt").module.heading(value)  # type: ignore[attr-defined]
    assert "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;" in str(html)
    assert value in str(text)


def test_matches_email_numbers_mentors_and_includes_a_starter_email() -> None:
    email = render("matches_mentee", SAMPLES["matches_mentee"])
    for mentor in SAMPLES["matches_mentee"]["mentors"]:
        assert f"{mentor['number']}. {mentor['name']}" in email.text
        assert mentor["email"] in email.text and mentor["why"] in email.text
    assert "An email you could send" in email.text and "Subject: Speed mentoring" in email.text
    assert "Tuesday 4 August 2026" in email.text
    assert "4 weeks" in email.text


def test_dates_are_written_in_programme_local_time() -> None:
    env = environment()
    template = env.from_string("{{ d|longdate }} / {{ t|longdate }} / {{ t|datetime_text }}")
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    out = template.render(
        d=date(2026, 3, 3),
        t=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        programme={"timezone": "Europe/London"},
    )
    assert out == "Tuesday 3 March 2026 / Wednesday 1 July 2026 / Wednesday 1 July 2026 at 12:30am"
    tokyo = template.render(
        d=date(2026, 3, 3),
        t=datetime(2026, 6, 30, 23, 30, tzinfo=UTC),
        programme={"timezone": "Asia/Tokyo"},
    )
    assert tokyo.endswith("Wednesday 1 July 2026 at 8:30am")


def test_number_filters() -> None:
    env = environment()
    out = env.from_string(
        "{{ 1|hours }}|{{ 1.5|hours }}|{{ 2.0|number }}|{{ 1|plural('meeting') }}"
        "|{{ ['a', 'b', 'c']|and_list }}"
    ).render()
    assert out == "1 hour|1.5 hours|2|1 meeting|a, b and c"


def test_one_line_removes_controls_and_collapses_space() -> None:
    assert one_line(" a\r\nb\tc\x00d\u2028e\u202ef  ") == "a b c d e f"
    assert one_line("李小龍 🏳️‍🌈") == "李小龍 🏳️‍🌈"


def test_a_deployment_folder_overrides_single_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "confirm_address").mkdir()
    (tmp_path / "confirm_address" / "subject.txt").write_text(
        "Croeso! Please confirm, {{ person.first_name }}\n"
    )
    monkeypatch.setenv("MENTORING_TEMPLATES", str(tmp_path))
    email = render("confirm_address", SAMPLES["confirm_address"])
    assert email.subject == "Croeso! Please confirm, Alex"
    assert "reply to this email with the word CONFIRM" in email.text  # default body kept
    assert set(template_names()) == set(NAMES)
