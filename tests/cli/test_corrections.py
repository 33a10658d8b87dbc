"""Corrections after the commit, and a person's whole story (issue 14, items 3 and 4).

A round is committed and its match emails sent through the real CLI; the partnership
starts through the real pipeline (MET, KEEP, ACCEPT by email), goes quiet and is closed as
stale by the daily rules (`tick`); then a coordinator edits a meeting, reopens the
partnership, pairs two people by hand and adds a note, and `person show` tells all of it
in order. Real database (SQLite and PostgreSQL), real Maildir.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory

from service.domain.model import EndReason, Pairing, PairingStatus
from tests.cli_runner import run
from tests.harness import Programme
from tests.workflow.people_helpers import MENTEE, MENTOR, cast, register

COORDINATOR = "coordinators@civilservice.lgbt.example"
JO = "jo@cabinetoffice.gov.uk"


def _at(frozen: FrozenDateTimeFactory, moment: datetime) -> None:
    frozen.move_to(moment)


def _number_of(programme: Programme, mentor_name: str, mentee: str = MENTEE) -> str:
    """The number a mentee's last email (Alex's by default) gives a mentor ("2. Priya Shah …")."""
    text = programme.last_to(mentee).text
    line = next(ln for ln in text.splitlines() if mentor_name in ln and ln.strip()[:1].isdigit())
    return line.strip()[0]


def _commit_and_send(programme: Programme, frozen: FrozenDateTimeFactory) -> None:
    _at(frozen, datetime(2026, 6, 22, 9, 0, tzinfo=UTC))
    code, out = run("round", "match", "2026", "--commit")
    assert code == 0, out
    code, out = run("round", "send-matches", "2026")
    assert code == 0, out


def _pair_by_email(programme: Programme, frozen: FrozenDateTimeFactory) -> None:
    """Alex meets Priya, asks her to continue, she accepts; they log two meetings."""
    number = _number_of(programme, "Priya Shah")
    _at(frozen, datetime(2026, 6, 29, 10, 0, tzinfo=UTC))
    programme.send(programme.reply(programme.last_to(MENTEE), f"MET {number}"))
    programme.send(programme.reply(programme.last_to(MENTEE), f"KEEP {number}"))
    programme.send(programme.reply(programme.last_to(MENTOR), "ACCEPT"))
    _at(frozen, datetime(2026, 7, 8, 10, 0, tzinfo=UTC))
    programme.send(programme.reply(programme.last_to(MENTEE), "MET 45 mins 6/7"))
    # The second was logged by mistake: 30 minutes, where they met for an hour.
    programme.send(programme.reply(programme.last_to(MENTEE), "MET 30 mins 7/7"))


def _go_quiet(
    programme: Programme,
    frozen: FrozenDateTimeFactory,
    since: datetime = datetime(2026, 7, 9, 9, 30, tzinfo=UTC),
) -> None:
    """Nobody answers the check-ins: the daily rules warn, then close it as stale."""
    day = since
    while day < datetime(2027, 1, 15, tzinfo=UTC):
        _at(frozen, day)
        assert run("tick")[0] == 0
        day += timedelta(days=3)
        if _pairing_of(programme).status is PairingStatus.ENDED:
            break
    ended = _pairing_of(programme)
    assert ended.end_reason is EndReason.STALE, ended.end_reason


def _pairing_of(programme: Programme) -> Pairing:
    with programme.app.uow() as uow:
        alex = uow.repo.person_by_email(MENTEE)
        assert alex is not None and alex.id is not None
        return uow.repo.pairings_of(alex.id)[-1]


def story_of(address: str) -> tuple[str, str]:
    """`person show`'s whole output, and its story (the events, oldest first)."""
    code, out = run("person", "show", address)
    assert code == 0, out
    return out, out.split("Story, oldest first", 1)[1]


def assert_in_order(story: str, expected: list[str]) -> None:
    """Every expected line is in the story, in this order."""
    positions = [story.find(line) for line in expected]
    assert -1 not in positions, [e for e, p in zip(expected, positions, strict=True) if p < 0]
    assert positions == sorted(positions), story


def test_corrections_after_the_commit_show_in_the_story_in_order(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    cast(programme)
    register(programme, JO, "Jo", "Bello", department="Cabinet Office")
    _commit_and_send(programme, frozen)
    _pair_by_email(programme, frozen)
    _go_quiet(programme, frozen)
    _at(frozen, datetime(2027, 1, 18, 10, 0, tzinfo=UTC))
    by = ("--by", COORDINATOR)

    code, out = run("meeting", "edit", MENTEE, "2", "--minutes", "60", *by)
    assert code == 0, out
    assert "changed meeting 2 of Alex Morgan from 30 minutes on 7 July 2026 to 60" in out
    assert "Nobody was emailed." in out

    _at(frozen, datetime(2027, 1, 18, 10, 5, tzinfo=UTC))
    code, out = run("pairing", "reopen", MENTEE, *by)
    assert code == 0, out
    assert "reopened the partnership of Alex Morgan and Priya Shah" in out
    assert f"Emailed: {MENTEE}, {MENTOR}." in out
    assert _pairing_of(programme).status is PairingStatus.ACTIVE
    assert programme.last_to(MENTEE).subject.startswith(
        "Your mentoring partnership with Priya Shah is open again"
    )
    assert "A coordinator has reopened" in programme.last_to(MENTOR).text

    _at(frozen, datetime(2027, 1, 18, 10, 10, tzinfo=UTC))
    code, out = run("pairing", "add", "sam@justice.gov.uk", JO, *by)
    assert code == 0, out
    assert "A coordinator has paired you with Sam Oneill" in programme.last_to(JO).text
    assert "A coordinator has paired you with Jo Bello" in programme.last_to(
        "sam@justice.gov.uk"
    ).text

    _at(frozen, datetime(2027, 1, 18, 10, 15, tzinfo=UTC))
    code, out = run("person", "note", MENTEE, "Asked for a call in January", *by)
    assert code == 0, out

    out, story = story_of(MENTEE)
    expected = [
        "Registered for the 2026 round as mentee.",
        "Confirmed their address",
        "Introduced to Priya Shah, their speed mentor (they met).",
        "Alex Morgan asked Priya Shah to be their long-term mentor.",
        "Priya Shah accepted Alex Morgan's request.",
        "Long-term partnership of Priya Shah (mentor) and Alex Morgan (mentee) began.",
        "Meeting 1 with Priya Shah: 45 minutes on 6 July 2026",
        "Meeting 2 with Priya Shah: 60 minutes on 7 July 2026",
        "ended: it went quiet and was closed as stale.",
        f"Correction by {COORDINATOR} changed meeting 2 of Alex Morgan",
        f"Correction by {COORDINATOR} reopened the partnership of Alex Morgan and Priya"
        " Shah (where it went quiet and was closed as stale).",
        "Your mentoring partnership with Priya Shah is open again",
        f"Correction by {COORDINATOR} noted about Alex Morgan: “Asked for a call in January”.",
    ]
    assert_in_order(story, expected)
    assert "[matches_mentee] (sent " in story  # every email: subject, name, state
    assert "They wrote to us, read as command: met (processed)." in story
    assert "Bisexual" not in out

    code, out = run("person", "show", JO)
    assert f"Correction by {COORDINATOR} paired Jo Bello with Sam Oneill by hand." in out


def test_a_coordinator_must_be_named_and_known(programme: Programme) -> None:
    cast(programme)
    code, out = run("person", "note", MENTEE, "hello")
    assert code == 1 and "--by ADDRESS" in out and len(out.strip().splitlines()) == 1
    code, out = run("person", "note", MENTEE, "hello", "--by", "someone@example.org")
    assert code == 1
    assert out.strip() == (
        "Error: someone@example.org is not one of the programme's coordinators"
        f" ({COORDINATOR})."
    )


def test_mistakes_are_one_plain_line_and_change_nothing(programme: Programme) -> None:
    cast(programme)
    by = ("--by", COORDINATOR)
    cases = [
        (("meeting", "edit", MENTEE, "3", "--minutes", "40"), "No meetings are logged"),
        (("pairing", "reopen", MENTEE), "has no ended partnership"),
        (("pairing", "end", MENTEE), "has no open partnership"),
        (("person", "resend", MENTEE, "matches_mentee"), "no email called “matches_mentee”"),
        (("person", "reinstate", MENTEE), "was not withdrawn"),
        (("pairing", "add", MENTEE, MENTOR), "is not taking part as a mentor"),
        (("person", "note", "nobody@example.org", "x"), "No participant has the address"),
        (("meeting", "edit", MENTEE, "1", "--date", "soon"), "is not a date"),
    ]
    for args, words in cases:
        code, out = run(*args, *by)
        assert code != 0, (args, out)
        assert words in out, (args, out)
        assert len(out.strip().splitlines()) == 1, out
    with programme.app.uow() as uow:
        alex = uow.repo.person_by_email(MENTEE)
        assert alex is not None and alex.id is not None
        assert uow.repo.corrections_about(alex.id) == []


def test_every_correction_command_says_what_it_changes_and_who_is_told() -> None:
    commands = [
        ("pairing", "add"),
        ("pairing", "end"),
        ("pairing", "reopen"),
        ("pairing", "note"),
        ("meeting", "edit"),
        ("meeting", "delete"),
        ("person", "note"),
        ("person", "withdraw"),
        ("person", "reinstate"),
        ("person", "resend"),
        ("person", "show"),
    ]
    for command in commands:
        code, out = run(*command, "--help")
        assert code == 0, out
        words = " ".join(out.split()).lower()
        told = ("emailed" in words) or ("reads only" in words)
        assert told, (command, out)
        if command != ("person", "show"):
            assert "--by address" in words, command


def test_a_coordinators_notes_are_in_the_export_of_whom_they_are_about(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    """A note is personal data about the people it names: each sees it in MY DATA (the
    subject access right), without the coordinator's address; nobody else sees it."""
    cast(programme)
    _commit_and_send(programme, frozen)
    _pair_by_email(programme, frozen)
    by = ("--by", COORDINATOR)
    _at(frozen, datetime(2026, 7, 20, 10, 0, tzinfo=UTC))
    assert run("person", "note", MENTEE, "Asked for a call in January", *by)[0] == 0
    assert run("pairing", "note", MENTEE, MENTOR, "Meeting monthly", *by)[0] == 0

    code, out = run("person", "export", MENTEE)
    assert code == 0, out
    assert "What the coordinators recorded" in out
    assert "20 July 2026: Note: Asked for a call in January" in out
    assert "20 July 2026: Note on the partnership: Meeting monthly" in out
    assert COORDINATOR not in out

    code, out = run("person", "export", MENTOR, "--json")
    assert code == 0, out
    records = json.loads(out)["coordinator_records"]
    assert [(r["what"], r.get("note")) for r in records] == [
        ("note on the partnership", "Meeting monthly")
    ]
    assert "Asked for a call" not in out and COORDINATOR not in out
