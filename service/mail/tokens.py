"""Reply tokens: what binds an answer to the person (and question) it was sent to.

The From header alone never proves who sent a command. Every email we send carries a
fresh token in its Reply-To plus-address (``mentoring+TOKEN@…``) and subject tag
(``[ref:TOKEN]``). Only a hash is stored; a token can carry a purpose, such as
"approach:12", so that a plain "Yes" answers the right question.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from service.store.records import ReplyToken
from service.store.unit_of_work import UnitOfWork

ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
LENGTH = 16  # 80 bits


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().lower().encode("ascii", "ignore")).hexdigest()


def issue(uow: UnitOfWork, person_id: int, purpose: str, now: datetime, lifetime_days: int) -> str:
    token = new_token()
    uow.add(
        ReplyToken(
            token_hash=token_hash(token),
            person_id=person_id,
            purpose=purpose,
            created_at=now,
            expires_at=now + timedelta(days=lifetime_days),
        )
    )
    return token


def resolve(uow: UnitOfWork, token: str, now: datetime) -> ReplyToken | None:
    """The live token record, or None when unknown or expired."""
    record = uow.repo.token(token_hash(token))
    if record is None or record.expires_at <= now:
        return None
    return record
