"""What can go wrong in the store, named for the callers outside it.

Nothing outside `service/store/` imports SQLAlchemy: the pipeline retries on `CONFLICTS`
and the CLI turns an unusable database into one plain line with `database_problem`.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError


class Conflict(Exception):
    """The in-memory store's word for what a database refuses as a constraint violation
    (a second person with one address, a second email with one dedupe key, ...)."""


# Two transactions met over the same rows (or a constraint held): try again, or give up.
CONFLICTS: tuple[type[Exception], ...] = (Conflict, IntegrityError, OperationalError)


def database_problem(error: BaseException) -> str | None:
    """The sentence to show for a database that cannot be used, or None when `error`
    is not about the database. Never the statement or its parameters (personal data)."""
    if isinstance(error, ArgumentError):
        return (
            "DATABASE_URL is not a database address we can read, e.g."
            " postgresql+psycopg://user@host/mentoring or sqlite:///path/mentoring.db."
        )
    if isinstance(error, DBAPIError | sqlite3.Error):
        # Only the driver's first line: SQLAlchemy's full text quotes the statement
        # and its parameters, which can hold personal data. (A bare sqlite3 error comes
        # from a dry run's read-only unit, `service.store.sqlite_reads`.)
        orig = error.orig if isinstance(error, DBAPIError) else error
        reason = str(orig).strip().splitlines()[0] if orig else type(error).__name__
        return f"The database could not be used: {reason}"
    return None


# A unique key (an email's dedupe key) refused at commit: a concurrent worker already did
# the same thing, so the caller rolls back and moves on (the time rules, `jobs.candidates`).
LOST_RACE: tuple[type[Exception], ...] = (Conflict, IntegrityError)
