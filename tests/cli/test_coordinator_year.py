"""A coordinator's year, end to end (issue 14, "Done when").

Through the real CLI on a real SQLite database and the local Maildir, with people
registering and answering by email through the real pipeline: the dry run's report and
CSV list every proposed pair; the written overrides file, edited to forbid one pair and
pin another, changes the next proposal; the commit and the match emails; a long-term
mentor withdraws by email; `round match --late` gives the mentee left behind a new
introduction and `send-matches` writes to them with the new choice; they pair again, the
partnership goes quiet and closes as stale; a coordinator edits a logged meeting and
reopens the stale partnership; and `person show` tells all of it, oldest first.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path

from freezegun.api import FrozenDateTimeFactory

from service.domain.model import EndReason, PairingStatus
from service.round_matching import read_overrides
from tests.cli.test_corrections import (
    COORDINATOR,
    JO,
    _go_quiet,
    _number_of,
    _pairing_of,
    assert_in_order,
    story_of,
)
from tests.cli_runner import run
from tests.harness import Programme
from tests.workflow.people_helpers import MENTEE, MENTOR, OTHER_MENTOR, cast, register

KIM = "kim@homeoffice.gov.uk"  # confirms only after the commit: a late confirmation
ALEX, PRIYA, SAM = MENTEE, MENTOR, OTHER_MENTOR


def _at(frozen: FrozenDateTimeFactory, y: int, mo: int, d: int, h: int, mi: int) -> None:
    frozen.move_to(datetime(y, mo, d, h, mi, tzinfo=UTC))


def _proposed(sheet: Path) -> dict[tuple[str, str], str]:
    """(mentor, mentee) -> pinned, from the match CSV."""
    with sheet.open(encoding="utf-8", newline="") as fh:
        return {(r["mentor_email"], r["mentee_email"]): r["pinned"] for r in csv.DictReader(fh)}


def _html_pairs(report: Path) -> set[tuple[str, str]]:
    """(mentee name, mentor name) of every row of the report's introductions table."""
    html = report.read_text(encoding="utf-8")
    table = html[html.index('<table id="intros">') :].split("</table>", 1)[0]
    rows = re.findall(r"<tr><td>(.*?)</tr>", table, flags=re.S)
    names = ("Alex Morgan", "Jo Bello", "Priya Shah", "Sam Oneill", "Kim Lowe")
    return {
        (mentee, mentor)
        for row in rows
        for mentee in names[:2]
        for mentor in names[2:]
        if mentee in row and mentor in row
    }


def _review(tmp_path: Path) -> Path:
    """Dry run with every output, then the overrides file edited and fed back."""
    report, sheet, pins = tmp_path / "match.html", tmp_path / "match.csv", tmp_path / "pins.toml"
    match = ("round", "match", "2026", "--dry-run", "--csv", str(sheet))
    code, out = run(*match, "--report", str(report), "--write-overrides", str(pins))
    assert code == 0, out
    assert "Nothing stored" in out
    every = {(PRIYA, ALEX), (SAM, ALEX), (PRIYA, JO), (SAM, JO)}
    assert set(_proposed(sheet)) == every and set(_proposed(sheet).values()) == {"no"}
    assert _html_pairs(report) == {
        ("Alex Morgan", "Priya Shah"),
        ("Alex Morgan", "Sam Oneill"),
        ("Jo Bello", "Priya Shah"),
        ("Jo Bello", "Sam Oneill"),
    }
    assert "Bisexual" not in report.read_text() + sheet.read_text()
    assert "Kim Lowe" not in out  # not confirmed yet: not in the problem
    assert set(read_overrides(pins).pin) == every and read_overrides(pins).forbid == ()

    # Forbid Priya with Jo; keep only the pin of Priya with Alex (delete the other lines).
    lines = pins.read_text().splitlines()
    pinned = [ln for ln in lines if ln.startswith("  [")]
    forbid = next(ln for ln in pinned if PRIYA in ln and JO in ln)
    keep = next(ln for ln in pinned if PRIYA in ln and ALEX in ln)
    lines = [ln for ln in lines if ln not in pinned or ln == keep]
    lines.insert(lines.index("forbid = [") + 1, forbid)
    pins.write_text("\n".join(lines) + "\n")

    code, out = run(*match, "--overrides", str(pins))
    assert code == 0, out
    assert "pin not honoured" not in out
    assert _proposed(sheet) == {(PRIYA, ALEX): "yes", (SAM, ALEX): "no", (SAM, JO): "no"}
    return pins


def _pair(programme: Programme, mentee: str, mentor: str, mentor_name: str) -> None:
    """The mentee meets and keeps the mentor, who accepts (all by email)."""
    number = _number_of(programme, mentor_name, mentee)
    programme.send(programme.reply(programme.last_to(mentee), f"MET {number}"))
    programme.send(programme.reply(programme.last_to(mentee), f"KEEP {number}"))
    programme.send(programme.reply(programme.last_to(mentor), "ACCEPT"))


def test_a_coordinators_year_from_review_to_corrections(
    programme: Programme, frozen: FrozenDateTimeFactory, tmp_path: Path
) -> None:
    cast(programme)  # Alex (mentee), Priya and Sam (mentors): confirmed by email
    register(programme, JO, "Jo", "Bello", department="Cabinet Office")
    register(
        programme, KIM, "Kim", "Lowe", confirm=False, roles="Mentor", grade="SEO",
        department="Home Office",
    )  # fmt: skip

    _at(frozen, 2026, 6, 20, 9, 0)
    pins = _review(tmp_path)

    _at(frozen, 2026, 6, 22, 9, 0)
    code, out = run("round", "match", "2026", "--commit", "--overrides", str(pins))
    assert code == 0, out
    code, out = run("round", "send-matches", "2026")
    assert code == 0, out
    alex_matches = programme.last_to(ALEX).text
    assert "Priya Shah" in alex_matches and "Sam Oneill" in alex_matches
    jo_matches = programme.last_to(JO).text
    assert "Sam Oneill" in jo_matches and "Priya Shah" not in jo_matches  # forbidden
    assert "Alex Morgan" in programme.last_to(PRIYA).text

    # Both mentees pair up by email: Sam's one long-term place goes to Jo.
    _at(frozen, 2026, 6, 29, 10, 0)
    _pair(programme, JO, SAM, "Sam Oneill")
    _pair(programme, ALEX, PRIYA, "Priya Shah")
    _at(frozen, 2026, 7, 8, 10, 0)
    programme.send(programme.reply(programme.last_to(ALEX), "MET 45 mins 6/7"))
    programme.send(programme.reply(programme.last_to(ALEX), "MET 30 mins 7/7"))  # was 60

    # Priya withdraws by email; Kim confirms late.
    _at(frozen, 2026, 7, 9, 10, 0)
    programme.send(programme.reply(programme.last_to(PRIYA), "WITHDRAW"))
    assert _pairing_of(programme).end_reason is EndReason.WITHDRAWN
    programme.send(programme.reply(programme.last_to(KIM), "CONFIRM"))

    # Late matching: Alex is left behind (Priya gone, Sam full) and gets Kim.
    _at(frozen, 2026, 7, 10, 9, 0)
    code, out = run("round", "match", "2026", "--late", "--dry-run")
    assert code == 0, out
    assert "second chance: Alex Morgan (their long-term mentor withdrew): a new introduction" in out
    assert "introduce: Alex Morgan to Kim Lowe" in out
    code, out = run("round", "match", "2026", "--late", "--commit")
    assert code == 0, out
    code, out = run("round", "send-matches", "2026")
    assert code == 0, out
    withdrew, nobody_free, choice = programme.inbox_of(ALEX)[-3:]
    assert withdrew.subject.startswith("Priya Shah has left the programme")
    assert "None of your speed mentors has a long-term place free" in nobody_free.text
    assert choice.subject.startswith("Choose a new mentor")
    assert "because your long-term mentor has left the programme" in choice.text
    options = choice.text.split("place free:", 1)[1].split("To ask one", 1)[0]
    assert options.strip().startswith("3. Kim Lowe")
    assert "Priya Shah" not in options and "Sam Oneill" not in options
    # Its footer offers only Kim: Priya left the programme and Sam is full.
    assert [ln for ln in choice.text.splitlines() if ln.startswith("  KEEP")] == ["  KEEP 3"]

    # Alex keeps Kim; the partnership goes quiet and the daily rules close it as stale.
    _at(frozen, 2026, 7, 13, 10, 0)
    number = _number_of(programme, "Kim Lowe")
    programme.send(programme.reply(programme.last_to(ALEX), f"KEEP {number}"))
    programme.send(programme.reply(programme.last_to(KIM), "ACCEPT"))
    assert _pairing_of(programme).status is PairingStatus.ACTIVE
    _go_quiet(programme, frozen, datetime(2026, 7, 14, 9, 30, tzinfo=UTC))

    # The coordinator's corrections.
    _at(frozen, 2027, 1, 18, 10, 0)
    by = ("--by", COORDINATOR)
    code, out = run("meeting", "edit", ALEX, "2", "--minutes", "60", *by)
    assert code == 0, out
    assert "changed meeting 2 of Alex Morgan from 30 minutes on 7 July 2026 to 60" in out
    assert "Nobody was emailed." in out
    _at(frozen, 2027, 1, 18, 10, 5)
    code, out = run("pairing", "reopen", ALEX, *by)
    assert code == 0, out
    assert "reopened the partnership of Alex Morgan and Kim Lowe" in out
    assert f"Emailed: {ALEX}, {KIM}." in out
    assert _pairing_of(programme).status is PairingStatus.ACTIVE
    assert "A coordinator has reopened" in programme.last_to(KIM).text

    out, story = story_of(ALEX)
    expected = [
        "Registered for the 2026 round as mentee.",
        "Introduced to Priya Shah, their speed mentor (they met).",
        "Priya Shah accepted Alex Morgan's request.",
        "Meeting 1 with Priya Shah: 45 minutes on 6 July 2026",
        "Meeting 2 with Priya Shah: 60 minutes on 7 July 2026",
        "Partnership of Priya Shah (mentor) and Alex Morgan (mentee) ended:"
        " Priya Shah left the programme",
        "We emailed “Priya Shah has left the programme” [partner_withdrew]",
        "10 Jul 2026 10:00  Introduced to Kim Lowe, their speed mentor",
        "10 Jul 2026 10:00  We emailed “Choose a new mentor” [new_choice] (sent 10 Jul 2026",
        "Kim Lowe accepted Alex Morgan's request.",
        "ended: it went quiet and was closed as stale.",
        f"Correction by {COORDINATOR} changed meeting 2 of Alex Morgan",
        f"Correction by {COORDINATOR} reopened the partnership of Alex Morgan and Kim Lowe",
        "We emailed “Your mentoring partnership with Kim Lowe is open again”",
    ]
    assert_in_order(story, expected)
    assert "Bisexual" not in out
