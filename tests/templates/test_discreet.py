"""Private subjects by default: no subject, preview line or sender name says which network
the programme belongs to, or anything about sexual orientation or gender identity, unless
the deployment turns `[privacy] discreet_subjects` off."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest

from service.config import Privacy, ProgrammeConfig, load_config
from service.mail.outbox import common_context
from service.mail.render import RenderedEmail, render, template_names
from tests.templates.samples import states

CONFIG = load_config()
# The network's own words, and words about orientation or identity a preview could show.
TELLING = re.compile(
    r"LGBT|lesbian|\bgay\b|bisexual|\btrans\w*|queer|pride|sexual|orientation|gender|identity"
    r"|network|civilservice\.lgbt",
    re.IGNORECASE,
)
CASES = [(name, label) for name in template_names() for label, _ in states(name)]


def _render(name: str, label: str, config: ProgrammeConfig) -> RenderedEmail:
    context: dict[str, Any] = {**dict(states(name))[label], **common_context(config)}
    return render(name, context)


def preview(email: RenderedEmail) -> str:
    """What a lock screen or an inbox list shows after the subject: the first lines of
    the text part and of the HTML's visible text (its title is the subject)."""
    body = re.sub(r"<head>.*?</head>", " ", email.html, flags=re.S)
    visible = " ".join(re.sub(r"<[^>]+>", " ", body).split())
    return email.text[:200] + " " + visible[:300]


@pytest.mark.parametrize(("name", "label"), CASES)
def test_no_subject_or_preview_names_the_network(name: str, label: str) -> None:
    email = _render(name, label, CONFIG)
    assert not TELLING.search(email.subject), email.subject
    assert not TELLING.search(preview(email)), preview(email)


def test_the_sender_name_is_discreet_and_configurable() -> None:
    assert CONFIG.privacy.discreet_subjects
    assert not TELLING.search(CONFIG.privacy.sender(CONFIG.programme))
    named = Privacy(sender_name="Departmental mentoring")
    assert named.sender(CONFIG.programme) == "Departmental mentoring"


def test_a_deployment_can_name_the_programme_again() -> None:
    # The check above can fail: with discreet subjects off, subjects name the network.
    loud = replace(CONFIG, privacy=Privacy(discreet_subjects=False))
    email = _render("confirm_address", "sample", loud)
    assert TELLING.search(email.subject)
    assert CONFIG.programme.name in email.subject
    assert loud.privacy.sender(loud.programme) == CONFIG.programme.name
