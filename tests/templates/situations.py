"""Where a person stands when each email reaches them, and the footer the command table
offers them there: the samples' footers are the table's own answer, never a second list.

`footer("paired")` is what `handlers.common.commands_for` would give a person with one
active pairing; `footer("asked", PurposeKind.APPROACH)` what a mentor being asked sees
under the request. Situations are built from the domain's own records (Standing).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from handlers import TABLE
from service.domain.model import (
    Approach,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.email_command import Commands
from service.purpose import Purpose, PurposeKind
from service.standing import Standing

NOW = datetime(2026, 8, 1, 9, 0, tzinfo=UTC)
_ROUND = Round(name="2026", opens_at=NOW, closes_at=NOW, created_at=NOW, id=1)
_ME, _OTHER = 1, 2


def _registration(status: RegistrationStatus, roles: str = "mentee") -> Registration:
    return Registration(
        round_id=1, person_id=_ME, roles=roles, grade="EO", department="DWP",
        profession="Policy", created_at=NOW, status=status,
    )  # fmt: skip


def _intro(status: IntroductionStatus, *, as_mentor: bool = False) -> Introduction:
    mentor, mentee = (_ME, _OTHER) if as_mentor else (_OTHER, _ME)
    return Introduction(
        round_id=1, mentor_id=mentor, mentee_id=mentee, number=1, created_at=NOW, status=status
    )


def _standing(status: RegistrationStatus | None, roles: str = "mentee", **kw: object) -> Standing:
    person = Person(email="alex@dwp.gov.uk", first_name="Alex", last_name="Morgan",
                    created_at=NOW, id=_ME)  # fmt: skip
    registration = _registration(status, roles) if status is not None else None
    return Standing(person=person, round=_ROUND, registration=registration, **kw)  # type: ignore[arg-type]


_CONFIRMED = RegistrationStatus.CONFIRMED
_SENT = IntroductionStatus.SENT
_MET = IntroductionStatus.MET
_PAIRING = Pairing(round_id=1, mentor_id=_OTHER, mentee_id=_ME, started_at=NOW, ends_at=NOW)
_APPROACH = Approach(round_id=1, mentee_id=_OTHER, mentor_id=_ME, created_at=NOW, id=5)

SITUATIONS: dict[str, Callable[[], Standing]] = {
    # No registration in any round: only what anyone may send.
    "unknown": lambda: _standing(None),
    "unconfirmed": lambda: _standing(RegistrationStatus.PENDING_CONFIRMATION),
    "registered": lambda: _standing(_CONFIRMED),
    "withdrawn": lambda: _standing(RegistrationStatus.WITHDRAWN),
    # A mentee whose speed-mentoring matches have gone out, none met yet.
    "matched_mentee": lambda: _standing(_CONFIRMED, introductions_as_mentee=[_intro(_SENT)]),
    "matched_mentor": lambda: _standing(
        _CONFIRMED, "mentor", introductions_as_mentor=[_intro(_SENT, as_mentor=True)]
    ),
    # A mentee who has met their speed mentors and may keep one.
    "choosing": lambda: _standing(_CONFIRMED, introductions_as_mentee=[_intro(_MET)]),
    "requested": lambda: _standing(
        _CONFIRMED, introductions_as_mentee=[_intro(_MET)], pending_approach=_APPROACH
    ),
    "asked": lambda: _standing(_CONFIRMED, "mentor", approaches_to_answer=[_APPROACH]),
    "mentor_free": lambda: _standing(_CONFIRMED, "mentor"),
    "paired": lambda: _standing(_CONFIRMED, pairings=[_PAIRING]),
}


def footer(
    situation: str, kind: PurposeKind = PurposeKind.GENERAL, verb: str = "", feedback: str = ""
) -> Commands:
    """The commands the table offers in `situation`, under an email asking `kind` (and,
    with `feedback`, a score from 1 to 5 too)."""
    return TABLE.offered(SITUATIONS[situation](), Purpose(kind, (1,), verb, feedback))


def coordinator_footer() -> Commands:
    return TABLE.for_coordinators()
