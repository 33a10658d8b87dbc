"""`round match --late` gives a mentee left behind (every speed mentor full or gone) a new
introduction on top of those they hold, and `send-matches` writes to them with every
mentor they may now ask. Real SQLite and Maildir, through the CLI."""

from __future__ import annotations

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import select

from service.domain.model import Person, Registration
from service.store.database import Database
from tests.cli_runner import init_with_round, run
from tests.workflow.test_round_matching import intros, write_csv

# Four mentors two grades above two mentees: each mentee gets three of the four, so one
# mentor always has room left over after the commit.
PEOPLE = [
    ("ana@hmrc.gov.uk", "Ana", "Silva", "Mentor", "SEO", "HMRC", "Policy", ""),
    ("bea@dwp.gov.uk", "Bea", "Chen", "Mentor", "SEO", "DWP", "Policy", ""),
    ("cal@mod.gov.uk", "Cal", "Jones", "Mentor", "SEO", "MoD", "Finance", ""),
    ("dee@dfe.gov.uk", "Dee", "Patel", "Mentor", "SEO", "DfE", "Policy", ""),
    ("ed@homeoffice.gov.uk", "Ed", "Okafor", "Mentee", "EO", "Home Office", "Policy", "Policy"),
    ("fi@justice.gov.uk", "Fi", "Lee", "Mentee", "EO", "MoJ", "Tax", "Policy"),
]
ED = "ed@homeoffice.gov.uk"
LATE = ("--now", "2026-07-01T09:00", "round", "match", "2026", "--late")


@pytest.fixture
def matched(home: Path, tmp_path: Path, config) -> Path:
    init_with_round()
    path = tmp_path / "export.csv"
    write_csv(path, config, PEOPLE)
    assert (
        run("--now", "2026-06-20T09:00", "round", "import", "2026", str(path), "--confirmed")[0]
        == 0
    )
    assert run("--now", "2026-06-20T10:00", "round", "match", "2026", "--commit")[0] == 0
    assert run("--now", "2026-06-21T09:00", "round", "send-matches", "2026")[0] == 0
    return home


def _fill_the_mentors_of(home: Path, email: str) -> tuple[int, set[int]]:
    """Every speed mentor of this mentee takes no (more) long-term mentee."""
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        (mentee,) = [p for p in s.scalars(select(Person)) if p.email == email]
        theirs = {i.mentor_id for i in intros(home) if i.mentee_id == mentee.id}
        for reg in s.scalars(select(Registration)):
            if reg.person_id in theirs:
                reg.long_term_capacity = 0
        s.commit()
        mentee_id = mentee.id
    db.dispose()
    assert mentee_id is not None
    return mentee_id, theirs


def _names(home: Path) -> dict[int, str]:
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        found = {p.id: p.name for p in s.scalars(select(Person)) if p.id is not None}
    db.dispose()
    return found


def _latest_to(home: Path, address: str) -> EmailMessage:
    found = []
    for path in (home / "mail" / "sent" / "new").iterdir():
        msg = message_from_bytes(path.read_bytes(), policy=default)
        if address in str(msg["To"]):
            found.append((path.stat().st_mtime_ns, msg))
    latest = max(found, key=lambda t: t[0])[1]
    assert isinstance(latest, EmailMessage)
    return latest


def _latest_text_to(home: Path, address: str) -> str:
    body = _latest_to(home, address).get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_mentee_whose_mentors_are_all_full_gets_a_new_introduction(matched: Path) -> None:
    code, out = run(*LATE, "--dry-run")
    assert code == 0 and "second chance" not in out  # nobody is left behind yet
    assert "introduce:" not in out
    ed, full = _fill_the_mentors_of(matched, ED)
    assert len(full) == 3
    code, out = run(*LATE, "--dry-run")
    assert code == 0, out
    assert (
        "second chance: Ed Okafor (all their speed mentors are full or have left):"
        " a new introduction" in out
    )
    assert [line for line in out.splitlines() if "introduce:" in line] == [
        next(line for line in out.splitlines() if line.startswith("  introduce: Ed Okafor to "))
    ]
    before = {i.id for i in intros(matched)}
    assert run(*LATE, "--commit")[0] == 0
    (new,) = [i for i in intros(matched) if i.id not in before]
    assert new.mentee_id == ed and new.mentor_id not in full and new.number == 4
    code, out = run("--now", "2026-07-01T10:00", "round", "send-matches", "2026")
    assert code == 0, out
    text = _latest_text_to(matched, ED)
    assert "another speed mentor, because your speed mentors have no long-term places left" in text
    options = text.split("still have a long-term place free:", 1)[1].split("To ask one", 1)[0]
    mentor = _names(matched)[new.mentor_id]
    assert options.strip().startswith(f"4. {mentor}"), options
    assert not [name for pid, name in _names(matched).items() if pid in full and name in options]
    # It asks for KEEP or NONE though Ed met nobody: its footer offers both, KEEP with
    # only the new mentor's number (the first three have no place left).
    lines = text.splitlines()
    assert [ln for ln in lines if ln.startswith("  KEEP")] == ["  KEEP 4"] and "  NONE" in lines


def test_help_after_the_second_chance_still_offers_keep_and_none(matched: Path) -> None:
    """Ed met nobody, yet the second-chance email asked him to choose: HELP must offer the
    same KEEP and NONE, not take them back because no decide email went out."""
    _fill_the_mentors_of(matched, ED)
    assert run(*LATE, "--commit")[0] == 0
    assert run("--now", "2026-07-01T10:00", "round", "send-matches", "2026")[0] == 0
    ours = _latest_to(matched, ED)
    reply = EmailMessage()
    reply["From"] = ED
    reply["To"] = str(ours["Reply-To"] or ours["From"])
    reply["Subject"] = "RE: " + str(ours["Subject"])
    reply["Message-ID"] = make_msgid(domain="homeoffice.gov.uk")
    reply["In-Reply-To"] = reply["References"] = str(ours["Message-ID"])
    reply.set_content("HELP")
    (matched / "mail" / "inbox" / "new" / "help.eml").write_bytes(reply.as_bytes())
    code, out = run("--now", "2026-07-01T11:00", "process")
    assert code == 0, out
    lines = _latest_text_to(matched, ED).splitlines()
    assert [ln for ln in lines if ln.startswith("  KEEP")] == ["  KEEP 4"], lines
    assert "  NONE" in lines
