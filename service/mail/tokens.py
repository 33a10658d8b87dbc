"""Reply tokens: what binds an answer to the person (and question) it was sent to.

The From header alone never proves who sent a command. Every email we send carries a
fresh token in its Reply-To plus-address (``mentoring+TOKEN@…``) and subject tag
(``[ref:TOKEN]``). Only a hash is stored; a token can carry a `Purpose` (what its
email asked, such as one mentee's request), so that a plain "Yes" answers the right
question. `issue` is the one place a purpose is written down (`purpose.stored`).

Tokens are bound (see `binding`): a token acts only for the address it was sent to, only
for what its email offered (its purpose), and a command that ends something needs a
young token or a confirmation round trip.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from service.purpose import Purpose, PurposeKind, stored
from service.store.records import ReplyToken
from service.store.unit_of_work import UnitOfWork

if TYPE_CHECKING:
    from collections.abc import Callable

    from service.email_command import EmailCommand

ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
LENGTH = 16  # 80 bits


def new_token() -> str:
    # 80 random bits in base32 (ALPHABET, lower case): one call instead of 16 choices.
    return base64.b32encode(secrets.token_bytes(LENGTH * 5 // 8)).decode("ascii").lower()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().lower().encode("ascii", "ignore")).hexdigest()


def issue(
    uow: UnitOfWork,
    person_id: int,
    purpose: Purpose,
    now: datetime,
    lifetime_days: int,
    *,
    address: str | None = None,
) -> str:
    """A fresh token for `person_id`, bound to `address` (the one the email goes to)."""
    token = new_token()
    uow.add(
        ReplyToken(
            token_hash=token_hash(token),
            person_id=person_id,
            purpose=stored(purpose),
            created_at=now,
            expires_at=now + timedelta(days=lifetime_days),
            address=address.strip().lower() if address else None,
        )
    )
    return token


def resolve(uow: UnitOfWork, token: str, now: datetime) -> ReplyToken | None:
    """The live token record, or None when unknown or expired."""
    record = uow.repo.token(token_hash(token))
    if record is None or record.expires_at <= now:
        return None
    return record


# Emails that ask one question offer its answers (the commands a bare yes or no to it
# means) and these; every other email (general ones, those about a pairing or an
# approach, …) lists what the person may send then, so allows every command.
_ALSO_OFFERED: dict[PurposeKind, Callable[[EmailCommand], bool]] = {
    PurposeKind.REGISTRATION: lambda c: c.always_offered,
    PurposeKind.ERASURE: lambda c: c.always_offered,
    PurposeKind.CONFIRM: lambda c: c.always_offered,
    PurposeKind.COORDINATOR: lambda c: False,
    PurposeKind.HOLD: lambda c: False,  # the ladder's notice to coordinators offers HOLD only
    PurposeKind.FORM_UPDATE: lambda c: c.changes_nothing,
}


class Issued(Protocol):
    """What binding needs of a token: where it was sent and when (a `ReplyToken`)."""

    @property
    def address(self) -> str | None: ...

    @property
    def created_at(self) -> datetime: ...


@dataclass(frozen=True)
class IssuedToken:
    """A token's binding facts, copied: holding the stored record through a whole
    message would keep it in the session after an erasure deleted its row."""

    address: str | None
    created_at: datetime

    @classmethod
    def of(cls, record: ReplyToken) -> IssuedToken:
        return cls(record.address, record.created_at)


class Binding(StrEnum):
    OK = "ok"
    OTHER_ADDRESS = "other_address"  # sent from an address the token was not sent to
    NOT_OFFERED = "not_offered"  # its email did not offer this command
    TOO_OLD = "too_old"  # ends something, and the token is older than allowed


@dataclass(frozen=True)
class Verdict:
    binding: Binding
    verb: str = ""


def allows(purpose: Purpose, command: EmailCommand) -> bool:
    if command.asked_by is not None:
        return command.asked_by(purpose)  # only ever the answer to its own question
    if purpose.kind is PurposeKind.CONFIRM and command.verb == purpose.verb:
        return True  # answering "please confirm UNPAIR" with UNPAIR again
    also = _ALSO_OFFERED.get(purpose.kind)
    if also is None:
        return True
    return purpose.kind in command.yes_to | command.no_to or also(command)


def binding(
    record: Issued,
    purpose: Purpose,
    sender: str,
    commands: list[EmailCommand],
    now: datetime,
    max_age_days: int,
) -> Verdict:
    """May a reply from `sender` carrying `record`'s token (issued for `purpose`) do
    `commands`? Pure; no I/O."""
    if record.address is not None and record.address != sender.strip().lower():
        return Verdict(Binding.OTHER_ADDRESS)
    for command in commands:
        if not allows(purpose, command):
            return Verdict(Binding.NOT_OFFERED, command.verb)
    old = now - record.created_at > timedelta(days=max_age_days)
    for command in commands:
        if command.ends_something and old and not command.asks_first:
            # DELETE MY DATA always asks first (handlers.data), so it needs nothing more.
            return Verdict(Binding.TOO_OLD, command.verb)
    return Verdict(Binding.OK)
