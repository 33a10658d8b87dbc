"""The store's word for "another transaction got there first", for callers outside it.

A unique key (an email's dedupe key, a person's address) refused at commit means a
concurrent worker already did the same thing: the caller rolls back and moves on.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

LOST_RACE: tuple[type[Exception], ...] = (IntegrityError,)
