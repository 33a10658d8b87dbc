"""Every promise an email makes about the coordinators has a command behind it.

"Say it replaces the last one, and a coordinator will correct it" needs a way to correct a
meeting; "reply and a coordinator will reopen it" a way to reopen a partnership. Each
promise found in the templates must be one listed here, with the coordinator commands
that keep it (the command line's, which must exist, and the email commands a verified
coordinator can send, which must be in the command table). A new promise fails this test
until its command exists and is listed here, or its wording promises less.
"""

from __future__ import annotations

import re
from pathlib import Path

from handlers import TABLE
from tests.templates.test_cli_references import resolves

TEMPLATES = Path(__file__).resolve().parents[2] / "mail_templates"
# A sentence in which the coordinators are said to do (or be able to do) something.
PROMISE = re.compile(r"[^.!?\n]*\bcoordinators? (?:will|can|would)\b[^.!?\n]*[.!?]", re.I)
READ = ("person show",)  # a coordinator reads their story and answers in person

# (what the sentence promises, the CLI commands that keep it, the email commands)
PROMISES: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    (r"a coordinator will correct it", ("meeting edit", "meeting delete"), ("edit_meeting",)),
    (r"a coordinator will reopen it", ("pairing reopen",), ("reopen",)),
    (r"the coordinators will look for another mentor", ("pairing add",), ("pair",)),
    (r"the coordinators will step in", ("pairing end",), ("hold", "unpair")),
    # A mentor who meant to accept: the coordinator pairs them by hand.
    (r"a coordinator will help", ("pairing add", *READ), ("pair",)),
    # A registration changed by someone else: withdrawn, or put back, by a coordinator.
    (r"a coordinator will put it right", ("person withdraw", "person reinstate"), ("withdraw",)),
    # Promises to read and answer in person: the story shows what they sent and why.
    (r"a coordinator will (?:read it|answer|look at it)", READ, ("status",)),
    (r"a coordinator can see them and will reply to you in person", READ, ("status",)),
    (r"the coordinators can see this too", READ, ("status",)),
]


def promises_in(text: str) -> list[str]:
    """The promise sentences in a template's text (Jinja comments included)."""
    return [" ".join(m.group(0).split()) for m in PROMISE.finditer(text)]


def kept_by(sentence: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    for pattern, cli, verbs in PROMISES:
        if re.search(pattern, sentence, re.I):
            return cli, verbs
    return None


def found() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(TEMPLATES)), sentence)
        for path in sorted(TEMPLATES.rglob("body.txt"))
        for sentence in promises_in(path.read_text(encoding="utf-8"))
    ]


def test_the_templates_make_promises() -> None:
    assert len(found()) >= 10


def test_every_promise_in_the_templates_has_a_command_behind_it() -> None:
    unkept = [(where, sentence) for where, sentence in found() if kept_by(sentence) is None]
    assert unkept == [], "promises with no command listed here: add the command or reword"


def test_every_listed_command_exists() -> None:
    for _pattern, cli, verbs in PROMISES:
        for command in cli:
            assert resolves(command.split()), f"mentoring {command} does not exist"
        for verb in verbs:
            assert TABLE.get(verb) is not None, f"no email command {verb}"
            assert TABLE[verb].targeted or verb == "hold", f"{verb}: coordinators cannot send it"


def test_every_listed_promise_is_still_made() -> None:
    sentences = [sentence for _, sentence in found()]
    for pattern, _cli, _verbs in PROMISES:
        assert any(re.search(pattern, s, re.I) for s in sentences), f"unused: {pattern}"


def test_a_promise_nothing_keeps_is_caught() -> None:
    [sentence] = promises_in("Thanks. A coordinator will refund your travel costs.")
    assert kept_by(sentence) is None
    [sentence] = promises_in("If you are still meeting, reply and a coordinator will reopen it.")
    assert kept_by(sentence) == (("pairing reopen",), ("reopen",))
