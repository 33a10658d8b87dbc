"""`mentoring round import` with spreadsheets as real tools export them: Microsoft Forms,
Google Forms and mentor-match's two files, through the real CLI on a real database."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from sqlalchemy import select

import service.cli.commands  # noqa: F401  (registers the commands)
from service.domain.model import Person, Registration
from service.store.database import Database
from service.store.records import OutboundMessage
from tests.cli_runner import init_with_round, run

FIXTURES = Path(__file__).parent.parent / "fixtures" / "imports"
DOCS = Path(__file__).parent.parent.parent / "docs" / "import-samples"
NOW = ("--now", "2026-05-20T09:00")


def _registrations(home: Path) -> dict[str, Registration]:
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        people = {p.id: p.email for p in s.scalars(select(Person))}
        found = {people[r.person_id]: r for r in s.scalars(select(Registration))}
        s.expunge_all()
    db.dispose()
    return found


def _outbox(home: Path) -> list[str]:
    db = Database(f"sqlite:///{home / 'mentoring.db'}")
    with db.session() as s:
        keys = [o.dedupe_key for o in s.scalars(select(OutboundMessage))]
    db.dispose()
    return keys


def test_a_microsoft_forms_export_imports_as_it_comes(home: Path) -> None:
    init_with_round()
    code, out = run(*NOW, "round", "import", "2026", str(FIXTURES / "microsoft-forms.csv"))
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.startswith("Microsoft Forms export. Columns used: 'Your Civil Service email")
    assert "'ID', 'Start time', 'Completion time', 'Email', 'Name', 'Last modified time'" in first
    assert "'How did you hear about the programme?' (not a question we know)" in first
    assert (
        "Row 5, column 'Your profession': “Astrology” is not a profession we know:"
        " kept as “Other (Astrology)”" in out
    )
    assert "Imported 4 new and 0 updated registrations" in out
    regs = _registrations(home)
    assert "anonymous" not in " ".join(regs)
    assert set(regs) == {
        "ana.silva@hmrc.gov.uk",
        "bo.chen@dwp.gov.uk",
        "ed.okafor@homeoffice.gov.uk",
        "fi.lee@hmrc.gov.uk",  # the tool's own address stands in for an empty question
    }
    assert regs["bo.chen@dwp.gov.uk"].profession == "Analysis"
    assert regs["ed.okafor@homeoffice.gov.uk"].profession_of_interest is None  # No preference
    assert regs["fi.lee@hmrc.gov.uk"].profession == "Other (Astrology)"
    assert regs["fi.lee@hmrc.gov.uk"].profession_of_interest is None  # Any
    assert len(_outbox(home)) == 4  # each asked to confirm


def test_a_google_forms_export_with_field_names_for_headers(home: Path) -> None:
    init_with_round()
    code, out = run(*NOW, "round", "import", "2026", str(FIXTURES / "google-forms.csv"))
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.startswith("Google Forms export. Columns used: 'first_name' (first_name)")
    assert "'Timestamp', 'Email address' (added by Google Forms)" in first
    assert "'Favourite biscuit' (not a question we know)" in first
    regs = _registrations(home)
    assert regs["cy.jones@mod.gov.uk"].profession_of_interest == "Analysis"
    assert regs["di.patel@cabinetoffice.gov.uk"].profession == "Analysis"  # Analyst
    assert regs["di.patel@cabinetoffice.gov.uk"].profession_of_interest is None  # Not sure
    assert regs["gu.ng@dwp.gov.uk"].profession_of_interest is None  # None


def test_the_dry_run_shows_what_would_be_imported_and_stores_nothing(home: Path) -> None:
    init_with_round()
    code, out = run(
        *NOW, "round", "import", "2026", str(FIXTURES / "microsoft-forms.csv"), "--dry-run"
    )
    assert code == 0, out
    assert "Dry run: would import 4 new and 0 updated registrations" in out
    assert (
        "Row 3: Bo Chen <bo.chen@dwp.gov.uk>, mentor, Grade 7,"
        " Department for Work and Pensions, Analysis" in out
    )
    assert _registrations(home) == {} and _outbox(home) == []


def test_every_message_is_written_to_the_coordinator_and_nothing_is_imported(
    home: Path, tmp_path: Path
) -> None:
    init_with_round()
    path = tmp_path / "export.csv"
    with (FIXTURES / "microsoft-forms.csv").open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    rows[1][header.index("Your grade")] = "G8"
    rows[2][header.index("Your Civil Service email address")] = "anonymous"
    rows[2][header.index("Email")] = "anonymous"
    rows[3][header.index("Do you want to be a mentor, a mentee or both?")] = "Perhaps"
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    code, out = run(*NOW, "round", "import", "2026", str(path))
    assert code == 1
    assert "Nothing was imported: 3 problem(s)" in out
    assert "Row 2, column 'Your grade': “G8” is not a grade we know; use one of AA" in out
    assert "Row 3, column 'Your Civil Service email address': empty, but an answer is" in out
    assert "Row 4, column 'Do you want to be a mentor, a mentee or both?': “Perhaps” says" in out
    # Written to the coordinator, not to the person who filled in the form.
    said = [line.split("': ", 1)[1] for line in out.splitlines() if line.startswith("Row ")]
    assert len(said) == 3 and not any(" you" in f" {line.lower()}" for line in said)
    assert _registrations(home) == {}


def test_a_missing_required_column_is_said_once(home: Path, tmp_path: Path) -> None:
    init_with_round()
    path = tmp_path / "export.csv"
    path.write_text(
        "Email address,First name,Role,Grade,Department,Profession,Eligibility,Consent\n"
        "a@hmrc.gov.uk,Ana,Mentor,SEO,HMRC,Policy,Yes,Yes\n"
        "b@dwp.gov.uk,Bo,Mentee,EO,DWP,Tax,Yes,Yes\n",
        encoding="utf-8",
    )
    code, out = run(*NOW, "round", "import", "2026", str(path))
    assert code == 1
    assert out.count("no column for the required question 'Your last name'") == 1
    assert "Row 2" not in out


def test_mentor_match_files_import_with_roles_aliases_and_no_characteristic_shown(
    home: Path,
) -> None:
    init_with_round()
    code, out = run(
        *NOW, "round", "import", "2026",
        "--mentees", str(FIXTURES / "mentees.csv"), "--mentors", str(FIXTURES / "mentors.csv"),
    )  # fmt: skip
    assert code == 0, out
    assert "mentees.csv: mentor-match's mentees file" in out
    assert "Imported 5 new and 0 updated registrations" in out
    for word in ("Bisexual", "pansexual", "Transgender", "Trans", "Asexual", "Lesbian", "Gay"):
        assert word not in out
    regs = _registrations(home)
    hal, ivy, jo = (regs[f"{n}"] for n in (
        "hal.ito@justice.gov.uk", "ivy.roe@dfe.gov.uk", "jo.evans@dft.gov.uk"
    ))  # fmt: skip
    kim, lee = regs["kim.ward@hmrc.gov.uk"], regs["lee.park@cabinetoffice.gov.uk"]
    assert hal.profession == "Operational Delivery" and hal.roles == "mentee"
    assert hal.wants_shared_characteristic and hal.characteristics == "Bisexual,Pansexual"
    assert jo.profession == "Digital, Data and Technology" and jo.characteristics == "Trans"
    assert kim.profession == "Human Resources" and kim.grade == "G7"
    assert kim.characteristics == "Asexual,Gay"
    assert lee.grade == "SCS1" and not lee.wants_shared_characteristic
    # In both files: one registration with both roles and the mentor side's characteristic.
    assert set(ivy.roles.split(",")) == {"mentee", "mentor"}
    assert ivy.characteristics == "Lesbian"


def test_a_mentor_match_file_alone_is_recognised(home: Path, tmp_path: Path) -> None:
    init_with_round()
    code, out = run(*NOW, "round", "import", "2026", str(FIXTURES / "mentors.csv"), "--confirmed")
    assert code == 0, out
    assert "Imported 3 new" in out and _outbox(home) == []


def test_mentor_match_problems_name_the_file_row_and_column_never_the_characteristic(
    home: Path, tmp_path: Path
) -> None:
    init_with_round()
    mentees = tmp_path / "mentees.csv"
    text = (FIXTURES / "mentees.csv").read_text(encoding="utf-8")
    mentees.write_text(
        text.replace("Bisexual or pansexual", "Polyamorous").replace(",EO,DfT", ",G8,DfT"),
        encoding="utf-8",
    )
    code, out = run(
        *NOW, "round", "import", "2026",
        "--mentees", str(mentees), "--mentors", str(FIXTURES / "mentors.csv"),
    )  # fmt: skip
    assert code == 1
    assert "mentees.csv row 2, column 'identity to match': one answer is not a" in out
    assert "mentees.csv row 4, column 'grade': “G8” is not a grade we know" in out
    assert "Polyamorous" not in out
    assert _registrations(home) == {}


def test_cli_mistakes_are_one_line(home: Path, tmp_path: Path) -> None:
    init_with_round()
    code, out = run(*NOW, "round", "import", "2026")
    assert code != 0 and len(out.strip().splitlines()) == 1
    code, out = run(*NOW, "round", "import", "2026", "--mentees", str(tmp_path / "nope.csv"))
    assert code != 0 and "no such file" in out and len(out.strip().splitlines()) == 1
    workbook = tmp_path / "export.xlsx"
    workbook.write_bytes(b"PK\x03\x04 not text")
    code, out = run(*NOW, "round", "import", "2026", str(workbook))
    assert code == 1 and 'save it as "CSV UTF-8"' in out and len(out.strip().splitlines()) == 1


def test_the_samples_in_docs_import(home: Path, tmp_path: Path) -> None:
    init_with_round()
    for name in ("microsoft-forms.csv", "google-forms.csv"):
        code, out = run(*NOW, "round", "import", "2026", str(DOCS / name), "--dry-run")
        assert code == 0 and "Dry run: would import" in out, out
    for name in ("mentees.csv", "mentors.csv"):
        shutil.copy(DOCS / f"mentor-match-{name}", tmp_path / name)
    code, out = run(
        *NOW, "round", "import", "2026", "--dry-run",
        "--mentees", str(tmp_path / "mentees.csv"), "--mentors", str(tmp_path / "mentors.csv"),
    )  # fmt: skip
    assert code == 0 and "would import 5 new" in out, out
