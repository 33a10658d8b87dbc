"""The coordinator's round workflow through the CLI: import, close, match, commit, send."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import service.cli.commands  # noqa: F401  (registers the commands)
from service.domain.model import Introduction, IntroductionStatus
from service.round_matching import read_overrides
from service.store.database import Database
from service.store.orm import outbound_messages
from service.store.records import OutboundMessage
from tests.cli_runner import init_with_round, run

PEOPLE = [
    # email, first, last, role, grade, department, profession, profession of interest
    ("ana@hmrc.gov.uk", "Ana", "Silva", "Mentor", "SEO", "HMRC", "Policy", ""),
    ("bo@dwp.gov.uk", "Bo", "Chen", "Mentor", "G7", "DWP", "Digital, Data and Technology", ""),
    ("cy@mod.gov.uk", "Cy", "Jones", "Both", "HEO", "MoD", "Finance", "Policy"),
    ("di@cabinetoffice.gov.uk", "Di", "Patel", "Mentor", "SEO", "Cabinet Office", "Policy", ""),
    (
        "ed@homeoffice.gov.uk",
        "Ed",
        "Okafor",
        "Mentee",
        "EO",
        "Home Office",
        "Operational Delivery",
        "Policy",
    ),
    ("fi@hmrc.gov.uk", "Fi", "Lee", "Mentee", "EO", "HMRC", "Tax", "Digital, Data and Technology"),
    ("gu@dwp.gov.uk", "Gu", "Ng", "Mentee", "AO", "DWP", "Operational Delivery", ""),
    ("hal@justice.gov.uk", "Hal", "Ito", "Mentee", "HEO", "MoJ", "Legal", "Policy"),
    ("ivy@dfe.gov.uk", "Ivy", "Roe", "Mentee", "SCS3", "DfE", "Policy", ""),  # nobody above
]


def write_csv(path: Path, config, people=PEOPLE) -> None:
    questions = {q.field: q.text for q in config.form.questions}
    fields = [
        "email",
        "first_name",
        "last_name",
        "roles",
        "grade",
        "department",
        "profession",
        "profession_of_interest",
        "eligible",
        "consent",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow([questions[f] for f in fields])
        for email, first, last, role, grade, dept, prof, poi in people:
            writer.writerow([email, first, last, role, grade, dept, prof, poi, "Yes", "Yes"])


@pytest.fixture
def round_ready(home: Path, tmp_path: Path, config) -> Path:
    init_with_round()
    path = tmp_path / "export.csv"
    write_csv(path, config)
    code, out = run(
        "--now", "2026-06-20T09:00", "round", "import", "2026", str(path), "--confirmed"
    )
    assert code == 0, out
    assert "Imported 9 new" in out
    return home


def intros(home: Path) -> list[Introduction]:
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        found = list(s.scalars(select(Introduction)).all())
    db.dispose()
    return found


def test_dry_run_explains_and_stores_nothing(round_ready: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    sheet = tmp_path / "report.csv"
    code, out = run(
        "--now",
        "2026-06-20T10:00",
        "round",
        "match",
        "2026",
        "--dry-run",
        "--report",
        str(report),
        "--csv",
        str(sheet),
    )
    assert code == 0, out
    assert "5 of 6 mentees" in out  # Ivy (SCS3) has nobody two grades above her
    assert "Ivy Roe (mentee)" in out
    assert re.search(r"introduce: Ed Okafor to \w+ \w+: mentor (one|two) grades? above", out)
    assert "Nothing stored" in out
    html = report.read_text()
    assert "<h2>Not matched" in html and "Ivy Roe" in html
    assert sheet.read_text().splitlines()[0] == (
        "mentee_email,mentee_name,mentor_email,mentor_name,reason,pinned"
    )
    assert "section" in (tmp_path / "report-totals.csv").read_text().splitlines()[0]
    assert intros(round_ready) == []


def test_commit_then_send_twice_sends_once(round_ready: Path) -> None:
    code, out = run("--now", "2026-06-20T10:00", "round", "match", "2026", "--commit")
    assert code == 0, out
    stored = intros(round_ready)
    assert stored and all(i.status is IntroductionStatus.PROPOSED for i in stored)
    # Every rule holds: different department, one or two grades above.
    db = Database(f"sqlite:///{round_ready / 'mentoring.db'}")
    with db.session() as s:
        from service.domain.model import Registration

        regs = {r.person_id: r for r in s.scalars(select(Registration))}
    db.dispose()
    ladder = ["AA", "AO", "EO", "HEO", "SEO", "G7", "G6", "SCS1", "SCS2", "SCS3", "SCS4"]
    for i in stored:
        mentor, mentee = regs[i.mentor_id], regs[i.mentee_id]
        assert mentor.department != mentee.department
        assert 1 <= ladder.index(mentor.grade) - ladder.index(mentee.grade) <= 2
    code, out = run("--now", "2026-06-20T10:00", "round", "match", "2026", "--commit")
    assert code == 1 and "already matched" in out

    code, out = run("--now", "2026-06-21T09:00", "round", "send-matches", "2026")
    assert code == 0, out
    sent_dir = round_ready / "mail" / "sent" / "new"
    first = len(list(sent_dir.iterdir()))
    mentees = {i.mentee_id for i in intros(round_ready)}
    mentors = {i.mentor_id for i in intros(round_ready)}
    assert first == len(mentees) + len(mentors) + 1  # + Ivy's "no match this round"
    assert all(i.status is IntroductionStatus.SENT for i in intros(round_ready))

    code, out = run("--now", "2026-06-21T09:05", "round", "send-matches", "2026")
    assert code == 0 and "Queued 0 new emails" in out
    assert len(list(sent_dir.iterdir())) == first


def test_match_email_lists_numbered_mentors_with_reasons(round_ready: Path) -> None:
    run("--now", "2026-06-20T10:00", "round", "match", "2026", "--commit")
    run("--now", "2026-06-21T09:00", "round", "send-matches", "2026")
    db = Database(f"sqlite:///{round_ready / 'mentoring.db'}")
    with db.session() as s:
        mail = s.scalars(
            select(OutboundMessage).where(outbound_messages.c.to_address == "ed@homeoffice.gov.uk")
        ).one()
    db.dispose()
    text = mail.raw.decode()
    assert "matches-mentee" in mail.dedupe_key
    assert "above you" in text  # the non-sensitive explanation


def test_overrides_pin_and_forbid(round_ready: Path, tmp_path: Path) -> None:
    overrides = tmp_path / "overrides.toml"
    overrides.write_text(
        'forbid = [["ana@hmrc.gov.uk", "ed@homeoffice.gov.uk"]]\n'
        'pin = [["di@cabinetoffice.gov.uk", "ed@homeoffice.gov.uk"]]\n'
    )
    code, out = run(
        "--now",
        "2026-06-20T10:00",
        "round",
        "match",
        "2026",
        "--commit",
        "--overrides",
        str(overrides),
    )
    assert code == 0, out
    db = Database(f"sqlite:///{round_ready / 'mentoring.db'}")
    with db.session() as s:
        from service.domain.model import Person

        ids = {p.email: p.id for p in s.scalars(select(Person))}
    db.dispose()
    pairs = {(i.mentor_id, i.mentee_id) for i in intros(round_ready)}
    assert (ids["ana@hmrc.gov.uk"], ids["ed@homeoffice.gov.uk"]) not in pairs
    assert (ids["di@cabinetoffice.gov.uk"], ids["ed@homeoffice.gov.uk"]) in pairs

    bad = tmp_path / "bad.toml"
    bad.write_text('pin = [["nobody@x.gov.uk", "ed@homeoffice.gov.uk"]]\n')
    code, out = run("round", "match", "2026", "--late", "--overrides", str(bad))
    assert code == 1 and "nobody@x.gov.uk has no confirmed registration" in out


def test_open_round_cannot_be_matched(home: Path) -> None:
    init_with_round()
    code, out = run("--now", "2026-05-20T09:00", "round", "match", "2026")
    assert code == 1 and "still open for registrations" in out


def test_import_reports_every_bad_row_and_imports_nothing(
    home: Path, tmp_path: Path, config
) -> None:
    init_with_round()
    path = tmp_path / "bad.csv"
    people = [
        *PEOPLE[:2],
        ("not-an-email", "Xa", "Yu", "Mentee", "EO", "HMRC", "Tax", ""),
        ("zed@dwp.gov.uk", "Zed", "", "Mentee", "G8", "DWP", "Tax", ""),
    ]
    write_csv(path, config, people)
    code, out = run("round", "import", "2026", str(path))
    assert code == 1
    assert "Nothing was imported" in out
    assert "Row 4, column 'Your Civil Service email address':" in out
    assert "Row 5, column 'Your grade': “G8” is not a grade we know" in out
    assert "Row 5, column 'Your last name': empty, but an answer is required" in out
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        from service.domain.model import Person

        assert s.scalars(select(Person)).all() == []
    db.dispose()


def test_unconfirmed_import_asks_everyone_to_confirm(home: Path, tmp_path: Path, config) -> None:
    init_with_round()
    path = tmp_path / "export.csv"
    write_csv(path, config, PEOPLE[:3])
    code, out = run("--now", "2026-05-20T09:00", "round", "import", "2026", str(path))
    assert code == 0 and "each asked to confirm" in out
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        keys = [o.dedupe_key for o in s.scalars(select(OutboundMessage))]
    db.dispose()
    assert len(keys) == 3 and all(k.startswith("confirm-address:") for k in keys)


def test_late_match_ignores_people_who_left(round_ready: Path) -> None:
    code, out = run("--now", "2026-06-20T10:00", "round", "match", "2026", "--commit")
    assert code == 0, out
    db = Database(f"sqlite:///{round_ready / 'mentoring.db'}")
    with db.session() as s:
        from service.domain.model import Person

        emails = {p.id: p.email for p in s.scalars(select(Person))}
    db.dispose()
    before = {i.id for i in intros(round_ready)}
    first = intros(round_ready)[0]
    # A mentor with a committed introduction leaves: erased, so no longer in the problem.
    code, out = run(
        "--now", "2026-06-22T09:00", "person", "erase", emails[first.mentor_id], "--yes"
    )
    assert code == 0, out
    code, out = run("--now", "2026-06-23T09:00", "round", "match", "2026", "--late", "--dry-run")
    assert code == 0, out
    assert "Nothing stored" in out
    code, out = run("--now", "2026-06-23T09:00", "round", "match", "2026", "--late", "--commit")
    assert code == 0, out
    # Nobody is introduced to the person who left.
    new = [i for i in intros(round_ready) if i.id not in before]
    assert all(i.mentor_id != first.mentor_id for i in new)


def _emails(home: Path) -> dict[int, str]:
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        from service.domain.model import Person

        found = {p.id: p.email for p in s.scalars(select(Person)) if p.id is not None}
    db.dispose()
    return found


def test_dry_run_lists_every_proposed_introduction(round_ready: Path, tmp_path: Path) -> None:
    report, sheet = tmp_path / "r.html", tmp_path / "match.csv"
    args = ["--now", "2026-06-20T10:00", "round", "match", "2026"]
    code, out = run(*args, "--dry-run", "--report", str(report), "--csv", str(sheet))
    assert code == 0, out
    assert "totals: " in out and str(tmp_path / "match-totals.csv") in out
    # The same proposal, committed, is what the report listed (the matcher is deterministic).
    assert run(*args, "--commit")[0] == 0
    emails = _emails(round_ready)
    committed = {(emails[i.mentee_id], emails[i.mentor_id]) for i in intros(round_ready)}
    with sheet.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {(r["mentee_email"], r["mentor_email"]) for r in rows} == committed
    assert len(rows) == len(committed)
    ed = next(r for r in rows if r["mentee_email"] == "ed@homeoffice.gov.uk")
    assert ed["mentee_name"] == "Ed Okafor" and ed["pinned"] == "no"
    assert ed["reason"].startswith("mentor ") and "grade" in ed["reason"]

    html = report.read_text()
    table = html[html.index('<table id="intros">') :]
    table = table[: table.index("</table>")]
    body_rows = re.findall(r"<tr><td>(.*?)</tr>", table)
    assert len(body_rows) == len(committed)
    assert "Ed Okafor" in table and "Home Office" in table and "EO" in table
    for th in ("Mentee", "Mentor grade", "Mentor department", "Reason", "Pinned"):
        assert f'<th scope="col">{th}</th>' in table
    # Searchable and sortable in the page, with nothing fetched from anywhere.
    assert "<script>" in html and "localeCompare" in html and "intros-filter" in html
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html and " src=" not in html


def test_written_overrides_round_trip(round_ready: Path, tmp_path: Path) -> None:
    pins, sheet = tmp_path / "pins.toml", tmp_path / "match.csv"
    args = ["--now", "2026-06-20T10:00", "round", "match", "2026"]
    code, out = run(*args, "--write-overrides", str(pins), "--csv", str(sheet))
    assert code == 0, out
    text = pins.read_text()
    assert text.startswith("#") and "forbid = [" in text and "mentors" in text
    read = read_overrides(pins)
    assert read.forbid == ()
    with sheet.open(encoding="utf-8", newline="") as fh:
        proposed = {(r["mentor_email"], r["mentee_email"]) for r in csv.DictReader(fh)}
    assert set(read.pin) == proposed and len(read.pin) == len(proposed)

    # Fed back unchanged, every pin is honoured and the commit stores exactly those pairs.
    code, out = run(*args, "--overrides", str(pins), "--csv", str(sheet), "--commit")
    assert code == 0, out
    assert "pin not honoured" not in out
    with sheet.open(encoding="utf-8", newline="") as fh:
        assert {r["pinned"] for r in csv.DictReader(fh)} == {"yes"}
    emails = _emails(round_ready)
    stored = {(emails[i.mentor_id], emails[i.mentee_id]) for i in intros(round_ready)}
    assert stored == proposed

    # A coordinator moves one pin to forbid: that pair is kept apart next time.
    lines = text.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("  ["))
    moved = lines.pop(first)
    lines.insert(lines.index("forbid = [") + 1, moved)
    pins.write_text("\n".join(lines) + "\n")
    edited = read_overrides(pins)
    assert len(edited.forbid) == 1 and len(edited.pin) == len(proposed) - 1


@pytest.mark.parametrize("option", ["--report", "--csv", "--write-overrides"])
def test_unwritable_output_is_one_line(round_ready: Path, tmp_path: Path, option: str) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for bad in (tmp_path / "no" / "such" / "dir" / "out.x", blocker / "out.x"):
        code, out = run(
            "--now", "2026-06-20T10:00", "round", "match", "2026", "--commit", option, str(bad)
        )
        assert code == 1, out
        assert out.strip().count("\n") == 0 and f"Could not write {bad}" in out
        assert intros(round_ready) == []  # nothing committed


def test_output_failing_after_matching_commits_nothing(round_ready: Path, tmp_path: Path) -> None:
    (tmp_path / "m-totals.csv").mkdir()  # the totals file beside the CSV cannot be written
    code, out = run(
        "--now", "2026-06-20T10:00", "round", "match", "2026", "--commit",
        "--csv", str(tmp_path / "m.csv"),
    )  # fmt: skip
    assert code == 1, out
    assert out.strip().splitlines()[-1] == (
        f"Error: Could not write {tmp_path / 'm-totals.csv'}: Is a directory."
    )
    assert "Traceback" not in out and intros(round_ready) == []


def test_late_match_after_a_sent_round_ignores_a_withdrawn_mentee(round_ready: Path) -> None:
    assert run("--now", "2026-06-20T10:00", "round", "match", "2026", "--commit")[0] == 0
    assert run("--now", "2026-06-21T09:00", "round", "send-matches", "2026")[0] == 0
    leaver = next(i for i in intros(round_ready) if i.status is IntroductionStatus.SENT)
    # The state a WITHDRAW leaves (tests/workflow/test_withdraw.py drives the email route).
    db = Database(f"sqlite:///{round_ready / 'mentoring.db'}")
    with db.session() as s:
        from service.domain.model import Registration, RegistrationStatus

        reg = next(r for r in s.scalars(select(Registration)) if r.person_id == leaver.mentee_id)
        reg.status = RegistrationStatus.WITHDRAWN
        from service.domain.model import Person

        name = s.get(Person, leaver.mentee_id).name  # type: ignore[union-attr]
        s.commit()
    db.dispose()
    code, out = run("--now", "2026-06-23T09:00", "round", "match", "2026", "--late", "--dry-run")
    assert code == 0, out
    assert "Nothing stored" in out
    assert not [line for line in out.splitlines() if "introduce:" in line and name in line]


def test_a_paused_mentee_is_left_out_of_matching(round_ready: Path) -> None:
    from datetime import UTC, datetime

    from service.domain import rules
    from service.domain.model import Person

    db = Database(f"sqlite:///{round_ready / 'mentoring.db'}")
    with db.session() as s:
        [ed] = [p for p in s.scalars(select(Person)) if p.email == "ed@homeoffice.gov.uk"]
        rules.pause(ed, datetime(2026, 6, 19, 9, tzinfo=UTC), None, "Europe/London")
        s.commit()
    db.dispose()
    code, out = run("--now", "2026-06-20T10:00", "round", "match", "2026", "--dry-run")
    assert code == 0, out
    assert "of 5 mentees" in out  # Ed said PAUSE: not available this time
    assert "introduce: Ed Okafor" not in out
