"""Signs of life in a long-term pairing, and the unresponsiveness ladder.

Plain functions over a `Pairing`: the handlers record that someone was heard from, and
a partner's NOT RESPONDING starts the ladder whose nudges the scheduled jobs send.
"""

from __future__ import annotations

from datetime import datetime

from service.domain.model import Pairing
from service.domain.rules import ensure_active_pairing, ensure_member


def seen(pairing: Pairing, person_id: int, now: datetime) -> None:
    """Any command from a member counts as a sign of life from them.

    It stops the ladder if they were the one who had gone quiet: they are back.
    """
    ensure_member(pairing, person_id)
    if person_id == pairing.mentor_id:
        pairing.mentor_last_seen_at = now
    else:
        pairing.mentee_last_seen_at = now
    if pairing.silent_id == person_id:
        clear_ladder(pairing)


def met(pairing: Pairing, person_id: int, now: datetime) -> None:
    """A logged meeting means both of them are engaged: check-ins start counting again."""
    seen(pairing, person_id, now)
    pairing.unanswered_check_ins = 0


def clear_ladder(pairing: Pairing) -> None:
    pairing.silent_id = None
    pairing.ladder_started_at = None
    pairing.nudges_sent = 0
    pairing.last_nudge_at = None


def start_ladder(pairing: Pairing, reporter_id: int, now: datetime) -> bool:
    """The reporter says their partner has gone quiet. False when that is already in hand."""
    ensure_active_pairing(pairing)
    ensure_member(pairing, reporter_id)
    silent = pairing.partner_of(reporter_id)
    if pairing.silent_id == silent and pairing.ladder_started_at is not None:
        return False
    pairing.silent_id = silent
    pairing.ladder_started_at = now
    pairing.nudges_sent = 0
    pairing.last_nudge_at = None
    return True
