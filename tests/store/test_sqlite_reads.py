"""A dry run's read-only SQLite unit gives what the SQL repository gives, field by field.

`mentoring round match --dry-run` reads a SQLite file over the standard library
(`service.store.sqlite_reads`) instead of the ORM; these tests hold the two to the same
answers on one database, so the proposal cannot depend on which one read it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from service import bootstrap
from service.config import ProgrammeConfig
from service.domain.model import (
    Introduction,
    IntroductionStatus,
    Person,
    Registration,
    RegistrationStatus,
    Round,
    RoundStatus,
)
from service.errors import MentoringError
from service.round_matching import propose
from service.settings import load_settings
from service.store.database import Database
from service.store.sql_unit_of_work import SqlUnitOfWork
from service.store.sqlite_reads import SqliteReadUnit, open_reads, sqlite_file
from service.store.unit_of_work import ReadsRounds, UnitOfWork

NOW = datetime(2026, 6, 20, 9, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def backend() -> str:
    return "sqlite"  # what is compared is the SQLite reader against the ORM on SQLite


def _conforms(sql: SqlUnitOfWork, lean: SqliteReadUnit) -> tuple[ReadsRounds, ReadsRounds]:
    """Checked by mypy: both give the round reads."""
    return sql, lean


def _values(obj: object) -> list[tuple[str, type, object]]:
    """Every field's value and its type: 1 equals True and "sent" equals a StrEnum member,
    but a reader that gave those would not give what the repository gives."""
    values = ((f.name, getattr(obj, f.name)) for f in fields(obj))  # type: ignore[arg-type]
    return [(name, type(value), value) for name, value in values]


def _registration(round_: Round, who: Person, roles: str, **kw: object) -> Registration:
    assert round_.id is not None and who.id is not None
    values: dict[str, object] = {
        "round_id": round_.id,
        "person_id": who.id,
        "roles": roles,
        "grade": "G7",
        "department": "Department for Work and Pensions",
        "profession": "Policy",
        "created_at": NOW,
    }
    return Registration(**{**values, **kw})  # type: ignore[arg-type]


def _seed(uow: UnitOfWork) -> None:
    """Two rounds, people in every state a dry run meets, registrations and introductions
    of each status, with None, dates, booleans, enums and microseconds among the values."""
    earlier = Round("2025", NOW - timedelta(days=400), NOW - timedelta(days=370), NOW)
    earlier.status = RoundStatus.SENT
    current = Round("2026", NOW - timedelta(days=40), NOW - timedelta(days=3), NOW)
    current.status = RoundStatus.CLOSED
    alex = Person("alex@dept.gov.uk", "Alex", "Lee", NOW)
    sam = Person("sam@dept.gov.uk", "Sam", "Zoë Núñez", NOW, bouncing_since=NOW)
    sam.away_until, sam.paused_at, sam.paused_until = date(2026, 7, 1), NOW, NOW + timedelta(1)
    gone = Person("", "", "", NOW, erased_at=NOW)
    for obj in (earlier, current, alex, sam, gone):
        uow.add(obj)
    uow.flush()
    confirmed = RegistrationStatus.CONFIRMED
    for reg in (
        _registration(current, alex, "mentee", status=confirmed, confirmed_at=NOW),
        _registration(
            current,
            sam,
            "mentor,mentee",
            status=confirmed,
            profession_of_interest="Digital",
            wants_shared_characteristic=True,
            characteristics="disability,lgbtq",
            speed_capacity=2,
        ),
        _registration(current, gone, "mentor", status=RegistrationStatus.WITHDRAWN),
        _registration(earlier, alex, "mentee"),
    ):
        uow.add(reg)
    assert alex.id is not None and sam.id is not None and gone.id is not None
    for round_, mentor, mentee, status in (
        (earlier, sam.id, alex.id, IntroductionStatus.MET),
        (current, sam.id, alex.id, IntroductionStatus.PROPOSED),
        (current, gone.id, alex.id, IntroductionStatus.SENT),
    ):
        assert round_.id is not None
        uow.add(Introduction(round_.id, mentor, mentee, 1, NOW, status=status, why="Both"))
    uow.commit()


def test_the_reads_match_the_repository(db: Database, database_url: str) -> None:
    with SqlUnitOfWork(db) as uow:
        _seed(uow)
    lean_unit = open_reads(database_url)
    assert lean_unit is not None
    with SqlUnitOfWork(db) as orm, lean_unit as lean:
        current = orm.repo.round_by_name("2026")
        assert current is not None and current.id is not None
        for name in ("2025", "2026"):
            lean_round, orm_round = lean.repo.round_by_name(name), orm.repo.round_by_name(name)
            assert lean_round is not None and orm_round is not None
            assert _values(lean_round) == _values(orm_round)
        assert lean.repo.round_by_name("nonesuch") is None
        assert [_values(r) for r in lean.repo.rounds()] == [_values(r) for r in orm.repo.rounds()]
        for status in (None, *RegistrationStatus):
            assert [_values(r) for r in lean.repo.registrations(current.id, status)] == [
                _values(r) for r in orm.repo.registrations(current.id, status)
            ]
        ids = [1, 2, 3, 99]
        lean_people, orm_people = lean.repo.people(ids), orm.repo.people(ids)
        assert sorted(lean_people) == sorted(orm_people) == [1, 2, 3]
        assert all(_values(lean_people[i]) == _values(orm_people[i]) for i in orm_people)
        assert [_values(i) for i in lean.repo.introductions(current.id)] == [
            _values(i) for i in orm.repo.introductions(current.id)
        ]
        assert lean.repo.earlier_pairs(current.id) == orm.repo.earlier_pairs(current.id) != set()


def test_a_database_not_set_up_is_refused_in_plain_words(tmp_path: Path) -> None:
    missing = open_reads(f"sqlite:///{tmp_path / 'none.db'}")
    assert missing is not None
    with pytest.raises(MentoringError, match="mentoring init"), missing:
        pass
    assert not (tmp_path / "none.db").exists()  # a dry run creates nothing
    sqlite3.connect(tmp_path / "empty.db").close()
    empty = open_reads(f"sqlite:///{tmp_path / 'empty.db'}")
    assert empty is not None
    with pytest.raises(MentoringError, match="mentoring init"), empty:
        pass


def test_only_a_plain_sqlite_file_is_read_without_sqlalchemy() -> None:
    for url, path in (
        ("sqlite:////srv/mentoring/mentoring.db", "/srv/mentoring/mentoring.db"),
        ("sqlite:///mentoring-data/mentoring.db", "mentoring-data/mentoring.db"),
    ):
        assert sqlite_file(url) == Path(path)
    for url in (
        "postgresql+psycopg://user@host/mentoring",
        "sqlite://",
        "sqlite:///:memory:",
        "sqlite:///file.db?timeout=5",
        "sqlite:///my%20file.db",
    ):
        assert sqlite_file(url) is None


def test_the_head_read_from_the_migration_files_is_alembics() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from service.store.revisions import MIGRATIONS, head_from_files

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert head_from_files() == ScriptDirectory.from_config(config).get_current_head()


@pytest.mark.parametrize("which", ["sqlite", "postgresql"])
def test_a_dry_run_proposes_what_the_unit_of_work_proposes(
    which: str,
    db: Database,
    tmp_path: Path,
    config: ProgrammeConfig,
    request: pytest.FixtureRequest,
) -> None:
    """`App.reads()`: straight over sqlite3 on a SQLite file, the unit of work on any other
    database, and the same proposal as matching inside a unit of work either way."""
    url = db.url if which == "sqlite" else str(request.getfixturevalue("postgres_url"))
    app = bootstrap.build(
        load_settings({"DATABASE_URL": url, "MENTORING_HOME": str(tmp_path)}), config
    )
    with app.uow() as uow:
        _seed(uow)
        kim = Person("kim@dept.gov.uk", "Kim", "Park", NOW)
        uow.add(kim)
        uow.flush()
        current = uow.repo.round_by_name("2026")
        assert current is not None
        confirmed = RegistrationStatus.CONFIRMED
        kim_at = {"grade": "G6", "department": "HM Revenue and Customs", "status": confirmed}
        uow.add(_registration(current, kim, "mentor", **kim_at))
        uow.commit()
    with app.uow() as uow:
        expected = propose(uow, "2026", config, NOW)
    with app.reads() as reads:
        assert isinstance(reads, SqliteReadUnit if which == "sqlite" else SqlUnitOfWork)
        proposal = propose(reads, "2026", config, NOW)
    app.close()
    assert proposal.result.introductions == expected.result.introductions != ()
    assert proposal.problem == expected.problem
    assert proposal.result.objective == expected.result.objective
    assert proposal.csv() == expected.csv()  # (the totals hold the solve's seconds)
