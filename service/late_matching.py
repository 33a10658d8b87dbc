"""Late matching's second chance: mentees left behind after the commit.

A mentee whose long-term mentor withdrew, went silent or unpaired, or whose speed mentors
are all full or gone, has nobody left to ask: the introductions they hold use up their
places in the matching problem, so `--late` would never give them another. Here each such
mentee is found and may take up to the usual number of *new* introductions on top of the
ones they hold (which stay, so no mentor's count changes). `send-matches` then writes to
them with every mentor they may now ask (KEEP by number). Plain reads; nothing is written.
"""

from __future__ import annotations

from dataclasses import replace

from service.config import ProgrammeConfig
from service.domain.model import ApproachStatus, EndReason, Pairing, Person
from service.email_command import CommandTable
from service.emails import email_to
from service.matching import Mentee
from service.messages import Email
from service.new_choice import option_cards
from service.speed_mentors import free_mentors, mentors_of
from service.standing import asking_to_decide
from service.store.unit_of_work import UnitOfWork

# Endings that leave the mentee wanting a mentor. A completed or stale partnership ran its
# course; one where the mentee was the silent partner is not theirs to be offered again.
_LEFT_BY: dict[EndReason, str] = {
    EndReason.UNPAIRED_BY_MENTOR: "mentor_unpaired",
    EndReason.UNPAIRED_BY_MENTEE: "mentee_unpaired",
    EndReason.UNPAIRED_BY_COORDINATOR: "coordinator_unpaired",
    EndReason.WITHDRAWN: "mentor_withdrew",
    EndReason.DATA_ERASED: "mentor_left",
    EndReason.UNRESPONSIVE: "mentor_silent",
}
# Why, in words: for the coordinators, and as the mentee reads it in their email.
FOR_COORDINATORS = {
    "mentor_unpaired": "their long-term mentor ended the partnership",
    "mentee_unpaired": "they ended their long-term partnership",
    "coordinator_unpaired": "a coordinator ended their long-term partnership",
    "mentor_withdrew": "their long-term mentor withdrew",
    "mentor_left": "their long-term mentor left the programme",
    "mentor_silent": "their long-term mentor went silent",
    "asked_full": "the mentors they asked were full or did not answer",
    "all_full": "all their speed mentors are full or have left",
}
FOR_MENTEE = {
    "mentor_unpaired": "your long-term mentor ended your partnership",
    "mentee_unpaired": "your long-term partnership ended",
    "coordinator_unpaired": "your long-term partnership ended",
    "mentor_withdrew": "your long-term mentor has left the programme",
    "mentor_left": "your long-term mentor has left the programme",
    "mentor_silent": "your long-term mentor stopped replying",
    "asked_full": "the mentors you asked could not take you on",
    "all_full": "your speed mentors have no long-term places left",
}


def _ending(pairing: Pairing, mentee_id: int) -> str | None:
    if pairing.end_reason is None or pairing.end_reason not in _LEFT_BY:
        return None
    if pairing.end_reason is EndReason.UNRESPONSIVE and pairing.silent_id == mentee_id:
        return None
    return _LEFT_BY[pairing.end_reason]


def why_left_behind(uow: UnitOfWork, mentee_id: int, round_id: int) -> str | None:
    """Why this mentee has nobody left to ask (a key of `FOR_COORDINATORS`); None when they
    have someone (or a partner, a request waiting, no introductions yet, or said NONE)."""
    mentee = uow.repo.person(mentee_id)
    registration = uow.repo.registration(round_id, mentee_id)
    if mentee is None or registration is None or registration.id is None:
        return None
    if uow.repo.active_pairing_of_mentee(mentee_id) or uow.repo.pending_approach(mentee_id):
        return None
    if not mentors_of(uow, mentee, round_id) or free_mentors(uow, mentee, round_id):
        return None
    if uow.repo.latest_audit("mentee.kept_none", f"registration:{registration.id}"):
        return None  # they chose to stop here this round
    for pairing in reversed(list(uow.repo.pairings_of(mentee_id))):
        if pairing.round_id == round_id and pairing.mentee_id == mentee_id and not pairing.active:
            return _ending(pairing, mentee_id)
    approaches = list(uow.repo.approaches_of_mentee(mentee_id, round_id))
    if any(a.status in (ApproachStatus.DECLINED, ApproachStatus.EXPIRED) for a in approaches):
        return "asked_full"
    return "all_full"


def widen_left_behind(
    uow: UnitOfWork, round_id: int, mentees: tuple[Mentee, ...], held: dict[int, int]
) -> tuple[tuple[Mentee, ...], dict[int, str]]:
    """The mentees with room for new introductions when they were left behind (`held`:
    the committed introductions each keeps), and why each was (in the coordinators' words)."""
    reasons: dict[int, str] = {}
    widened = []
    for mentee in mentees:
        why = why_left_behind(uow, mentee.id, round_id) if held.get(mentee.id) else None
        if why is None:
            widened.append(mentee)
            continue
        reasons[mentee.id] = FOR_COORDINATORS[why]
        widened.append(replace(mentee, max_mentors=mentee.max_mentors + held[mentee.id]))
    return tuple(widened), reasons


def left_behind_among(uow: UnitOfWork, round_id: int, mentee_ids: set[int]) -> dict[int, str]:
    """Which of these mentees were left behind, read before their new introductions are
    marked sent (so their old ones alone decide)."""
    found = {m: why_left_behind(uow, m, round_id) for m in sorted(mentee_ids)}
    return {m: why for m, why in found.items() if why is not None}


def second_chance_email(
    uow: UnitOfWork,
    mentee: Person,
    round_id: int,
    why: str,
    config: ProgrammeConfig,
    commands: CommandTable,
) -> Email | None:
    """The "new choice" email for a mentee left behind: every mentor they may now ask
    (the new introduction with them), KEEP by number. None when nobody has a place."""
    options = free_mentors(uow, mentee, round_id)
    if not options:
        return None
    uow.audit("mentee.second_chance", f"person:{mentee.id}", {"options": len(options)})
    asking_to_decide(uow, mentee)  # it asks for KEEP or NONE: its footer offers them
    return email_to(
        mentee,
        "new_choice",
        f"second-chance:{round_id}:{mentee.id}:{len(mentors_of(uow, mentee, round_id))}",
        uow,
        commands,
        context={
            "options": option_cards(uow, options, config),
            "on_rematch_list": False,
            "second_chance": FOR_MENTEE[why],
        },
    )
