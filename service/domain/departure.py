"""What ends when someone leaves: WITHDRAW (one round) or erasure (everything).

Plain functions over the model, no I/O. The handler gathers the facts, `plan_departure`
decides what has to close, and `close_introduction` is the one transition this adds
(approaches and pairings use the rules in `service.domain.rules`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.domain.model import (
    Approach,
    ApproachStatus,
    Introduction,
    IntroductionStatus,
    Pairing,
    PairingStatus,
)

# Speed matches still waiting for their conversation: the ones a departure closes.
# Met (or not met) introductions are history and stay as they are.
OPEN_INTRODUCTIONS = frozenset({IntroductionStatus.PROPOSED, IntroductionStatus.SENT})


@dataclass(frozen=True)
class Departure:
    """Everything a departing person's leaving closes, and so who must be told."""

    own_request: Approach | None = None  # their pending approach, as a mentee
    requests_to_them: tuple[Approach, ...] = ()  # pending approaches to them, as a mentor
    introductions: tuple[Introduction, ...] = ()  # open speed matches, either side
    pairings: tuple[Pairing, ...] = ()  # active long-term pairings, either side

    @property
    def empty(self) -> bool:
        return not (
            self.own_request or self.requests_to_them or self.introductions or self.pairings
        )


def _in_round(round_id: int | None, item_round: int) -> bool:
    return round_id is None or item_round == round_id


def plan_departure(
    person_id: int,
    *,
    approaches: Sequence[Approach],
    introductions: Sequence[Introduction],
    pairings: Sequence[Pairing],
    round_id: int | None = None,
) -> Departure:
    """What must close when `person_id` leaves `round_id` (None: leaves everything).

    `approaches` are those made by or to the person, `introductions` and `pairings` those
    they are part of, in any state: this picks the ones still open.
    """
    pending = [
        a
        for a in approaches
        if a.status is ApproachStatus.PENDING and _in_round(round_id, a.round_id)
    ]
    return Departure(
        own_request=next((a for a in pending if a.mentee_id == person_id), None),
        requests_to_them=tuple(a for a in pending if a.mentor_id == person_id),
        introductions=tuple(
            i
            for i in introductions
            if i.status in OPEN_INTRODUCTIONS
            and person_id in (i.mentor_id, i.mentee_id)
            and _in_round(round_id, i.round_id)
        ),
        pairings=tuple(
            p
            for p in pairings
            if p.status is PairingStatus.ACTIVE
            and person_id in (p.mentor_id, p.mentee_id)
            and _in_round(round_id, p.round_id)
        ),
    )


def close_introduction(introduction: Introduction) -> bool:
    """Close a speed match that never happened. False when it was already settled."""
    if introduction.status not in OPEN_INTRODUCTIONS:
        return False
    introduction.status = IntroductionStatus.CLOSED
    return True
