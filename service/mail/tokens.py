"""Reply tokens: what binds an answer to the person (and question) it was sent to.

The From header alone never proves who sent a command. Every email we send carries a
fresh token in its Reply-To plus-address (``mentoring+TOKEN@…``) and subject tag
(``[ref:TOKEN]``). Only a hash is stored; a token can carry a purpose, such as
"approach:12", so that a plain "Yes" answers the right question.

Tokens are bound (see `binding`): a token acts only for the address it was sent to, only
for what its email offered (its purpose), and a destructive command needs a young token
or a confirmation round trip. Purposes stay plain strings "kind" or "kind:detail".
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from service.store.records import ReplyToken
from service.store.unit_of_work import UnitOfWork

ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
LENGTH = 16  # 80 bits


def new_token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.strip().lower().encode("ascii", "ignore")).hexdigest()


def issue(
    uow: UnitOfWork,
    person_id: int,
    purpose: str,
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
            purpose=purpose,
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


# Purposes whose emails offer only a few commands; any other purpose ("" for the general
# emails, "pairing:N", "approach:N", …) lists what the person may send then, so allows all.
# Verbs are the values of `service.inbound.commands.Verb`.
CONFIRM_KIND = "confirm"  # "confirm:unpair": a round trip for one of the person's commands
COORDINATOR_KIND = "coordinator"  # "coordinator:withdraw": a round trip for a coordinator
FORM_UPDATE_KIND = "form_update"  # "form_update:<inbound id>": a form changing a registration
_ALWAYS = frozenset({"status", "help", "my_data", "delete_my_data", "confirm"})
_OFFERED: dict[str, frozenset[str]] = {
    "registration": _ALWAYS | {"withdraw"},
    "erasure": _ALWAYS,
    CONFIRM_KIND: _ALWAYS,
    COORDINATOR_KIND: frozenset({"confirm"}),
    FORM_UPDATE_KIND: frozenset({"confirm", "status", "help"}),
}
# Commands that end something: with an old token they are confirmed by email first.
DESTRUCTIVE = frozenset({"unpair", "withdraw", "delete_my_data"})


def kind_of(purpose: str) -> str:
    return purpose.split(":", 1)[0]


def detail_of(purpose: str) -> str:
    return purpose.split(":", 1)[1] if ":" in purpose else ""


class Binding(StrEnum):
    OK = "ok"
    OTHER_ADDRESS = "other_address"  # sent from an address the token was not sent to
    NOT_OFFERED = "not_offered"  # its email did not offer this command
    TOO_OLD = "too_old"  # destructive, and the token is older than allowed


@dataclass(frozen=True)
class Verdict:
    binding: Binding
    verb: str = ""


def allows(purpose: str, verb: str) -> bool:
    kind = kind_of(purpose)
    if kind == CONFIRM_KIND and verb == detail_of(purpose):
        return True  # answering "please confirm UNPAIR" with UNPAIR again
    offered = _OFFERED.get(kind)
    return offered is None or verb in offered


def binding(
    record: ReplyToken, sender: str, verbs: list[str], now: datetime, max_age_days: int
) -> Verdict:
    """May a reply from `sender` carrying `record`'s token do `verbs`? Pure; no I/O."""
    if record.address is not None and record.address != sender.strip().lower():
        return Verdict(Binding.OTHER_ADDRESS)
    for verb in verbs:
        if not allows(record.purpose, verb):
            return Verdict(Binding.NOT_OFFERED, verb)
    old = now - record.created_at > timedelta(days=max_age_days)
    for verb in verbs:
        if verb in DESTRUCTIVE and old and verb != "delete_my_data":
            # DELETE MY DATA always asks first (handlers.data), so it needs nothing more.
            return Verdict(Binding.TOO_OLD, verb)
    return Verdict(Binding.OK)
