"""The reads a round's matching needs, straight from a SQLite file over `sqlite3`.

`mentoring round match --dry-run` only reads, and on a fresh process importing SQLAlchemy
and mapping the tables cost more than the whole solve (about 0.4 s of a 1,000-person
match). So a dry run on the default SQLite file reads its rows with the standard library
and builds the same domain objects the SQL repository gives
(tests/store/test_sqlite_reads.py compares them field by field); any other database, or
a URL with options, goes through the unit of work as before. Nothing here writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar

from service.domain import model
from service.domain.model import Introduction, Person, Registration, RegistrationStatus, Round
from service.errors import MentoringError
from service.store.revisions import NOT_READY, VERSION_TABLE, head_from_files

T = TypeVar("T")
_TABLES: dict[type, str] = {
    Person: "people",
    Round: "rounds",
    Registration: "registrations",
    Introduction: "introductions",
}


def sqlite_file(url: str) -> Path | None:
    """The file of a plain ``sqlite:///path`` URL; None for anything SQLAlchemy should
    read (another database, an in-memory one, a URL with options or escapes)."""
    path = url.removeprefix("sqlite:///")
    if path == url or not path or path.startswith(":") or any(c in path for c in "?%#"):
        return None
    return Path(path)


def _utc(value: str) -> datetime:
    # Stored as naive UTC text (see `UTCDateTime` in orm.py), given back its zone: read
    # with the offset appended, a quarter of the time of `.replace(tzinfo=UTC)` after
    # (3,800 of them in a 1,000-person round); the zone is the same `UTC` object.
    return datetime.fromisoformat(value + "+00:00")


def _converter(annotation: str) -> Callable[[Any], Any] | None:
    """How a column's stored value becomes the dataclass field's, by the field's type."""
    base = annotation.removesuffix(" | None")
    simple: dict[str, Callable[[Any], Any]] = {
        "datetime": _utc,
        "date": date.fromisoformat,
        "bool": bool,
    }
    if base in simple:
        return simple[base]
    found = getattr(model, base, None)
    if isinstance(found, type) and issubclass(found, Enum):
        # A lookup by value, as `found(value)` but without Enum's call machinery (a few
        # thousand of them in a 1,000-person round); an unknown value still raises.
        return {member.value: member for member in found}.__getitem__
    return None


Converters = tuple[tuple[int, Callable[[Any], Any]], ...]


def _columns(cls: type) -> tuple[str, Converters]:
    """The SELECT list for a mapped dataclass (its fields are its table's columns, as in
    the imperative mapping, and in the order its constructor takes them), and which
    columns need converting, with what."""
    names = [f.name for f in fields(cls)]
    found = ((i, _converter(str(f.type))) for i, f in enumerate(fields(cls)))
    return ", ".join(names), tuple((i, convert) for i, convert in found if convert)


_COLUMNS = {cls: _columns(cls) for cls in _TABLES}


class SqliteReads:
    """The matching reads of `service.store.unit_of_work.Repository`, same answers."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def _objects(self, cls: type[T], where: str = "", params: Sequence[Any] = ()) -> list[T]:
        select, converters = _COLUMNS[cls]
        rows = self.connection.execute(f"SELECT {select} FROM {_TABLES[cls]} {where}", params)
        out = []
        for row in rows:
            values = list(row)
            for i, convert in converters:
                if values[i] is not None:
                    values[i] = convert(values[i])
            out.append(cls(*values))
        return out

    def round_by_name(self, name: str) -> Round | None:
        found = self._objects(Round, "WHERE name = ?", (name,))
        return found[0] if found else None

    def rounds(self) -> Sequence[Round]:
        return self._objects(Round, "ORDER BY opens_at")

    def registrations(
        self, round_id: int, status: RegistrationStatus | None = None
    ) -> Sequence[Registration]:
        if status is None:
            return self._objects(Registration, "WHERE round_id = ? ORDER BY id", (round_id,))
        where = "WHERE round_id = ? AND status = ? ORDER BY id"
        return self._objects(Registration, where, (round_id, status.value))

    def people(self, ids: Sequence[int]) -> dict[int, Person]:
        # One query for the lot, the ids as one JSON parameter (not thousands of them).
        wanted = "[" + ",".join(str(int(i)) for i in ids) + "]"
        found = self._objects(Person, "WHERE id IN (SELECT value FROM json_each(?))", (wanted,))
        return {p.id: p for p in found if p.id is not None}

    def introductions(self, round_id: int) -> Sequence[Introduction]:
        return self._objects(Introduction, "WHERE round_id = ? ORDER BY id", (round_id,))

    def earlier_pairs(self, before_round_id: int) -> set[tuple[int, int]]:
        """(mentor, mentee) person pairs introduced in any other round: never again."""
        rows = self.connection.execute(
            "SELECT mentor_id, mentee_id FROM introductions WHERE round_id != ?",
            (before_round_id,),
        )
        return {(a, b) for a, b in rows}


class SqliteReadUnit:
    """A read-only unit of work on a SQLite file: one transaction, so every read sees the
    same moment, even while a worker writes (WAL). Leaving the block rolls back."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __enter__(self) -> Self:
        if not self.path.is_file():
            raise MentoringError(NOT_READY)
        # The same 30 s wait for a busy file as the engine's connections (database.py).
        self.connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.connection.execute("BEGIN")
        if self.revision() != head_from_files():
            self.connection.close()
            raise MentoringError(NOT_READY)
        self.repo = SqliteReads(self.connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.connection.rollback()
        self.connection.close()

    def revision(self) -> str | None:
        """The schema revision the file is at, as Alembic records it."""
        known = self.connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (VERSION_TABLE,)
        ).fetchone()
        if known is None:
            return None
        rows = self.connection.execute(f"SELECT version_num FROM {VERSION_TABLE}")
        versions = [v for (v,) in rows]
        return versions[0] if len(versions) == 1 else None


def open_reads(database_url: str) -> SqliteReadUnit | None:
    """A read-only unit on the URL's SQLite file, or None when SQLAlchemy must read it
    (not a plain SQLite file, or the migrations' head needs Alembic to tell)."""
    path = sqlite_file(database_url)
    if path is None or head_from_files() is None:
        return None
    return SqliteReadUnit(path)
