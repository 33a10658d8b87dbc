"""The template linter: what a person reading an email would trip over, as findings.

`findings(name, email)` reads one rendered email (both parts) and returns plain-English
findings: an empty greeting, a command the body asks for that the footer does not offer
(the footer is the command table's own list, read back with its spellings), internal
identifiers, "1 mentors", coordinator emails written as if to a participant, words over
the limit for the email's class, bare links. An empty list means the email reads right.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from html import unescape

from handlers import TABLE
from service.mail.render import RenderedEmail, template_names
from tests.templates.named_commands import FOOTER_RULE, footer_names, name_of, named, understood


@dataclass(frozen=True)
class TemplateClass:
    name: str
    max_words: int  # the body above the footer, greeting and sign-off included


# One class per kind of email; a template not listed is a short "notice".
CLASSES = {
    "match": TemplateClass("match", 300),
    "guidance": TemplateClass("guidance", 300),
    "coordinator": TemplateClass("coordinator", 300),
    "answer": TemplateClass("answer", 200),
    "notice": TemplateClass("notice", 200),
}
_MEMBERS = {
    # pairing_started introduces the long-term partner and carries the first-meeting tips.
    "match": {"matches_mentee", "matches_mentor", "pairing_started"},
    "coordinator": {"coordinator_digest", "coordinator_escalation", "programme_health"},
    "answer": {
        "already_done",
        "confirm_command",
        "approach_sent",
        "auto_answer_limit",
        "continue_confirmed",
        "data_export",
        "decline_confirmed",
        "erasure_confirm",
        "erasure_done",
        "form_update_confirm",
        "help",
        "meeting_logged",
        "none_confirmed",
        "not_contacted_noted",
        "not_responding_noted",
        "problem_answer",
        "request_withdrawn",
        "speed_meeting_logged",
        "status",
        "unpaired_confirmation",
        "withdrawn_confirmation",
        "feedback_received",
        "answer_again",
    },
}


def template_class(name: str) -> TemplateClass:
    if name.startswith("guidance_"):
        return CLASSES["guidance"]
    for cls, members in _MEMBERS.items():
        if name in members:
            return CLASSES[cls]
    return CLASSES["notice"]


def body_of(text: str) -> str:
    """The words the template wrote for this email: everything above the footer."""
    return text.partition(FOOTER_RULE)[0]


def words(text: str) -> int:
    return len(re.findall(r"[\w'’+-]+", body_of(text)))


_EMPTY_GREETING = re.compile(r"\b(?:Hello|Hi|Dear)[ \t]+(?:,|<br>|$)", re.M)
_ISO_DATE = re.compile(r"(?<![/\w.=-])\d{4}-\d{2}-\d{2}(?![\w/])")
_RECORD_ID = re.compile(
    r"\b(?:person|pairing|registration|introduction|approach|round|inbound|outbound)[:#]\s?\d+"
)
_SNAKE = re.compile(r"(?<![\w/@.:=-])[a-z]+_[a-z_]+(?![\w/@.-])")
# "None of your mentors" is English; "your partner is None" or "(None)" is a Python value.
_PYTHON = re.compile(r"(?:(?<=[a-z:,] )|(?<=\())(?:None|True|False)\b|\{\{|\}\}|\{%|%\}")
_COUNTED = (
    "mentor|mentee|meeting|hour|item|registration|day|week|month|nudge|email|person"
    "|partner|pairing|request|session|reminder|reason|place|match|bounce|introduction"
)
_ONE_MANY = re.compile(rf"(?<![\d.,])1 (?:{_COUNTED.replace('|', 's|')}s)\b")
_MANY_ONE = re.compile(rf"(?<![\d.,])(?:0|[2-9]|[1-9]\d+) (?:{_COUNTED})\b(?!['’-])")
_TO_PARTICIPANT = re.compile(
    r"a coordinator will|a coordinator can|your place in the programme|your mentoring partner",
    re.I,
)
_BARE_LINK = re.compile(r"<a\b[^>]*>\s*(?:https?://|www\.|mailto:)", re.I)
_CAPS_COMMANDS = sorted({s.upper() for s, _ in TABLE.spellings}, key=len, reverse=True)
_CAPS = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, _CAPS_COMMANDS)) + r")(?![\w-])")
_NOT_COMMANDS = {"NO", "YES"}


def commands_named(body: str) -> set[str]:
    """Every command the body names: asked for ("reply MET"), or written in capitals."""
    asked = {w for w in named(body) if understood(w)}
    capitals = {m.group(1) for m in _CAPS.finditer(body)} - _NOT_COMMANDS
    return {name_of(w) for w in asked | capitals}


def findings(name: str, email: RenderedEmail) -> list[str]:
    body = body_of(email.text)
    found = [f"empty greeting: {m.group(0)!r}" for m in _EMPTY_GREETING.finditer(body)]
    found += [
        f"empty greeting in HTML: {m.group(0)!r}" for m in _EMPTY_GREETING.finditer(email.html)
    ]
    offered = footer_names(email.text)
    for command in sorted(commands_named(body) - offered):
        found.append(f"the body names {command}, which its footer does not offer")
    found += _internal(name, email)
    for part in (email.subject, body):
        found += [f"plural: {m.group(0)!r}" for m in _ONE_MANY.finditer(part)]
        found += [f"plural: {m.group(0)!r}" for m in _MANY_ONE.finditer(part)]
    cls = template_class(name)
    if body.startswith("Hello coordinators,"):
        found += [
            f"written to a participant: {m.group(0)!r}"
            for m in _TO_PARTICIPANT.finditer(email.text)
        ]
    if words(email.text) > cls.max_words:
        found.append(f"{words(email.text)} words, over the {cls.name} limit of {cls.max_words}")
    found += [f"a bare link as link text: {m.group(0)!r}" for m in _BARE_LINK.finditer(email.html)]
    if "<table" in email.html:
        found.append("a layout table in the HTML")
    return found


def _internal(name: str, email: RenderedEmail) -> list[str]:
    templates = set(template_names())
    found = []
    for part in (email.subject, email.text, _visible(email.html)):
        for m in _SNAKE.finditer(part):
            word = m.group(0)
            found.append(
                f"an internal name: {word!r}" + (" (a template)" if word in templates else "")
            )
        found += [f"a record id: {m.group(0)!r}" for m in _RECORD_ID.finditer(part)]
        found += [f"code in the words: {m.group(0)!r}" for m in _PYTHON.finditer(part)]
        found += [
            f"an ISO date where a person reads: {m.group(0)!r}" for m in _ISO_DATE.finditer(part)
        ]
    return found


def _visible(html: str) -> str:
    """The HTML's text, without tags or attribute values (hrefs hold ids and paths)."""
    text = re.sub(r"<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", text)


def _text_words(text: str) -> list[str]:
    # Links read as their text in HTML and as the address in plain text: compare words.
    return re.findall(r"[a-z]+", re.sub(r"(?:https?://|mailto:)\S+", " ", text.lower()))


def reads_the_same(email: RenderedEmail) -> float:
    """How closely the plain-text part's words follow the HTML's (1.0: the same words, in
    the same order). The HTML's h1 is the subject, so the text is read with it."""
    html = re.sub(r"<head>.*?</head>", " ", email.html, flags=re.S)
    html_words = _text_words(unescape(re.sub(r"<[^>]+>", " ", html)))
    text_words = _text_words(f"{email.subject} {email.text}")
    return SequenceMatcher(None, text_words, html_words, autojunk=False).ratio()
