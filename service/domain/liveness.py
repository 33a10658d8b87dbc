"""Signs of life in a long-term pairing, and the unresponsiveness ladder.

Plain functions over a `Pairing`: the handlers record that someone was heard from, and
a partner's NOT RESPONDING starts the ladder whose nudges the scheduled jobs send. The
jobs record here what the time rules (`service.domain.timeline`) decided: a check-in
sent, a stale warning, a nudge.
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


def hold_ladder(pairing: Pairing) -> bool:
    """A coordinator steps in (HOLD): no more reminders and no unpairing for want of an
    answer. False when there is nothing to hold (the quiet side spoke up, or it ended).

    The ladder starts again only on new evidence: the partner's NOT RESPONDING, or a
    later check-in that only one side answers."""
    if not pairing.active or pairing.silent_id is None:
        return False
    clear_ladder(pairing)
    return True


def start_ladder(pairing: Pairing, reporter_id: int, now: datetime) -> bool:
    """The reporter says their partner has gone quiet. False when that is already in hand."""
    ensure_active_pairing(pairing)
    ensure_member(pairing, reporter_id)
    silent = pairing.partner_of(reporter_id)
    if pairing.silent_id == silent and pairing.ladder_started_at is not None:
        return False
    went_quiet(pairing, silent, now)
    return True


def went_quiet(pairing: Pairing, silent_id: int, now: datetime) -> None:
    """Put `silent_id` on the ladder from `now`: no nudge sent yet."""
    ensure_member(pairing, silent_id)
    pairing.silent_id = silent_id
    pairing.ladder_started_at = now
    pairing.nudges_sent = 0
    pairing.last_nudge_at = None


def nudged(pairing: Pairing, now: datetime) -> None:
    """One more nudge went to the silent side."""
    pairing.nudges_sent += 1
    pairing.last_nudge_at = now
    if pairing.ladder_started_at is None:
        pairing.ladder_started_at = now


def checked_in(pairing: Pairing, now: datetime, unanswered: int) -> None:
    """A check-in went out; `unanswered` counts those before it that nobody answered."""
    pairing.last_check_in_at = now
    pairing.unanswered_check_ins = unanswered


def warned_stale(pairing: Pairing, now: datetime) -> None:
    """Too many check-ins went unanswered: both were warned the pairing will close."""
    pairing.stale_warned_at = now


def revived(pairing: Pairing) -> None:
    """Someone answered the stale warning: carry on as before."""
    pairing.stale_warned_at = None
    pairing.unanswered_check_ins = 0
