"""What an email asked, so that a reply to it can be read in that light.

Every email we send may carry a `Purpose` (the question it asked, and what it was about).
It is stored with the reply token as a short string ("approach:12", "erasure",
"confirm:unpair"); `stored` is the one place that writes that string and `parse` the
one place that reads it back. The pipeline resolves a reply's purpose once, while it
classifies the message (`resolve`), and hands the handlers the records it names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from service.domain.model import Approach, Pairing
    from service.store.unit_of_work import UnitOfWork


class PurposeKind(StrEnum):
    GENERAL = ""  # any other email: its footer lists what the person may send
    REGISTRATION = "registration"  # please confirm your registration
    APPROACH = "approach"  # a mentee asks you to be their long-term mentor
    PAIRING = "pairing"  # about one long-term pairing
    CONTINUE = "continue"  # would you like to continue this pairing?
    INTRODUCTION = "introduction"  # about one speed-mentoring introduction
    ERASURE = "erasure"  # shall we delete your data?
    CONFIRM = "confirm"  # please confirm the command you sent (with an old token)
    COORDINATOR = "coordinator"  # coordinators: please confirm the command you sent
    FORM_UPDATE = "form_update"  # please confirm the changes a form asks for
    HOLD = "hold"  # coordinators: the last reminder went to a quiet partner; HOLD stops it


@dataclass(frozen=True)
class Purpose:
    """What an email asked. `ids` name the records it was about (one id today);
    `verb` is the command a confirmation round trip is about (CONFIRM, COORDINATOR)."""

    kind: PurposeKind = PurposeKind.GENERAL
    ids: tuple[int, ...] = ()
    verb: str = ""
    # The email also asked "how is your mentoring going? (1 to 5)": which asking this
    # was ("check-in 3", "end 1"), so a second answer to it replaces the first.
    feedback: str = ""

    @property
    def id(self) -> int | None:
        return self.ids[0] if self.ids else None


GENERAL = Purpose()


def of(kind: PurposeKind, record_id: int | None) -> Purpose:
    """The purpose of an email about one record (a pairing, an approach, …)."""
    return Purpose(kind, (record_id,) if record_id is not None else ())


_FEEDBACK = "~"  # "pairing:12~check-in 3": the feedback question rides after the purpose
_FEEDBACK_TEXT = re.compile(r"[a-z-]{1,12} \d{1,4}")


def asking_feedback(purpose: Purpose, asking: str) -> Purpose:
    """`purpose`, also asking for a score from 1 to 5 (`asking`: "check-in 3", "end 1")."""
    return replace(purpose, feedback=asking)


def stored(purpose: Purpose) -> str:
    """The string kept with a reply token: "kind", "kind:id" or "kind:verb", and
    "~check-in 3" after it when the email also asked for feedback."""
    detail = purpose.verb or ",".join(str(i) for i in purpose.ids)
    text = f"{purpose.kind.value}:{detail}" if detail else purpose.kind.value
    return f"{text}{_FEEDBACK}{purpose.feedback}" if purpose.feedback else text


def parse(text: str) -> Purpose:
    """A stored purpose string read back; anything unknown is a general email."""
    text, _, feedback = text.partition(_FEEDBACK)
    found = _parse(text)
    if feedback and _FEEDBACK_TEXT.fullmatch(feedback):
        return replace(found, feedback=feedback)
    return found


def _parse(text: str) -> Purpose:
    kind_text, _, detail = text.partition(":")
    try:
        kind = PurposeKind(kind_text)
    except ValueError:
        return GENERAL
    if kind in (PurposeKind.CONFIRM, PurposeKind.COORDINATOR):
        return Purpose(kind, verb=detail)
    parts = detail.split(",") if detail else []
    if not all(p.isdigit() for p in parts):
        return Purpose(kind)  # a detail we cannot read names nothing
    return Purpose(kind, tuple(int(p) for p in parts))


@dataclass(frozen=True)
class Resolved:
    """A reply's purpose with the records it names, read once per message."""

    purpose: Purpose = GENERAL
    approach: Approach | None = None
    pairing: Pairing | None = None

    @property
    def kind(self) -> PurposeKind:
        return self.purpose.kind


NOTHING = Resolved()


def resolve(uow: UnitOfWork, purpose: Purpose) -> Resolved:
    """The records `purpose` names (None where a record is gone). Other kinds carry
    only their ids: nothing reads their records through a reply."""
    ident = purpose.id
    if ident is None:
        return Resolved(purpose)
    if purpose.kind is PurposeKind.APPROACH:
        return Resolved(purpose, approach=uow.repo.approach(ident))
    if purpose.kind in (PurposeKind.PAIRING, PurposeKind.HOLD):
        return Resolved(purpose, pairing=uow.repo.pairing(ident))
    return Resolved(purpose)
