"""`round invite` and `round announce`: each confirmed participant is written to once,
through the real outbox into the Maildir; mistakes are one line; nothing is queued twice."""

from __future__ import annotations

from pathlib import Path

from tests.cli_runner import run
from tests.harness import Programme
from tests.workflow.people_helpers import MENTEE, MENTOR, cast

LINK = "https://teams.example/join/induction"


def _subjects_to(programme: Programme, address: str) -> list[str]:
    return [m.subject for m in programme.inbox_of(address)]


def test_invite_writes_once_to_each_confirmed_participant(programme: Programme) -> None:
    cast(programme)
    args = ["round", "invite", "2026", "--at", "2026-06-23T11:00", "--link", LINK]
    code, out = run(*args, "--dry-run")
    assert code == 0 and "Would write to 3 people. Nothing queued" in out
    assert not [s for s in _subjects_to(programme, MENTEE) if "induction" in s]
    code, out = run(*args)
    assert code == 0, out
    assert "Queued 3 new emails" in out and "Sent 3" in out
    mentee_mail = programme.last_to(MENTEE)
    assert mentee_mail.subject.startswith("Your invitation to a mentee induction session")
    assert "Tuesday 23 June 2026" in mentee_mail.text and LINK in mentee_mail.text
    assert programme.last_to(MENTOR).subject.startswith("Your invitation to a mentor induction")
    code, out = run(*args)  # again: nobody twice
    assert code == 0 and "Queued 0 new emails" in out and "3 had it already" in out
    assert len([s for s in _subjects_to(programme, MENTEE) if "induction" in s]) == 1


def test_invite_without_a_session_to_come_is_one_line(programme: Programme) -> None:
    cast(programme)
    code, out = run("round", "invite", "2026")
    assert code == 1
    assert out.strip().startswith("Error: No induction session is still to come")
    code, out = run("round", "invite", "2026", "--at", "2026-05-01T10:00")  # in the past
    assert code == 1 and "No induction session is still to come" in out
    code, out = run("round", "invite", "2026", "--at", "next tuesday")
    assert code == 1 and out.count("\n") == 1 and "ISO 8601" in out
    code, out = run("round", "invite", "1999", "--at", "2026-06-23T11:00")
    assert code == 1 and out.count("\n") == 1


def test_announce_sends_the_coordinators_words_once(programme: Programme, tmp_path: Path) -> None:
    cast(programme)
    message = tmp_path / "social.txt"
    message.write_text(
        "Subject: Summer social on 10 July\n\nWe are holding a summer social.\n\n"
        "<b>Bring</b> a friend from the programme.\n",
        encoding="utf-8",
    )
    code, out = run("round", "announce", "2026", "--template", str(message))
    assert code == 0 and "Queued 3 new emails" in out, out
    mail = programme.last_to(MENTEE)
    assert mail.subject.startswith("Summer social on 10 July")
    assert "We are holding a summer social." in mail.text
    assert "&lt;b&gt;Bring&lt;/b&gt;" in mail.html  # their words, never markup
    assert run("round", "announce", "2026", "--template", str(message))[1].count("Queued 0") == 1


def test_announce_mistakes_are_one_line(programme: Programme, tmp_path: Path) -> None:
    cast(programme)
    missing = tmp_path / "no" / "such.txt"
    code, out = run("round", "announce", "2026", "--template", str(missing))
    assert (
        code == 1 and out.strip() == f"Error: Could not read {missing}: No such file or directory."
    )
    bare = tmp_path / "bare.txt"
    bare.write_text("Hello everyone\n", encoding="utf-8")
    code, out = run("round", "announce", "2026", "--template", str(bare))
    assert code == 1 and 'must start with a line "Subject: …"' in out
    binary = tmp_path / "binary.txt"
    binary.write_bytes(b"\xff\xfe\x00bad")
    code, out = run("round", "announce", "2026", "--template", str(binary))
    assert code == 1 and "it is not UTF-8 text" in out
