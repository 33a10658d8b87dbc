"""A mentee whose long-term partnership ended early may choose again among their other
speed mentors who still have a place: the "new choice" email.

Shared by the handlers (a mentor's UNPAIR or WITHDRAW) and the time rules (the
unresponsiveness ladder ending a pairing): jobs do not import handlers, so the rule
lives here, over `service` only."""

from __future__ import annotations

from typing import Any

from service.config import ProgrammeConfig
from service.domain import rules
from service.domain.card import participant_card
from service.domain.choices import Option
from service.domain.model import ApproachStatus, Introduction, IntroductionStatus, Pairing, Person
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def visible(intro: Introduction) -> bool:
    # Proposed introductions were never sent: the person does not know about them.
    return intro.status is not IntroductionStatus.PROPOSED


def mentors_of(uow: UnitOfWork, mentee: Person, round_id: int) -> list[Option]:
    """The mentee's speed mentors in a round, as numbered in their match email."""
    assert mentee.id is not None
    intros = [
        i
        for i in uow.repo.introductions_of(mentee.id, round_id)
        if i.mentee_id == mentee.id and visible(i)
    ]
    people = uow.repo.people([i.mentor_id for i in intros])
    return [Option(i, people[i.mentor_id], i.number) for i in intros if i.mentor_id in people]


def places_left(uow: UnitOfWork, mentor_id: int, round_id: int) -> int:
    """How many more long-term mentees this mentor offered to take."""
    return rules.long_term_places_left(
        uow.repo.registration(round_id, mentor_id), uow.repo.active_pairings_as_mentor(mentor_id)
    )


def free_mentors(
    uow: UnitOfWork, mentee: Person, round_id: int, *, besides: int | None = None
) -> list[Option]:
    """The mentee's other speed mentors who could still say yes: not `besides`, not one
    who already declined, still taking part, with a long-term place free."""
    assert mentee.id is not None
    declined = {
        a.mentor_id
        for a in uow.repo.approaches_of_mentee(mentee.id, round_id)
        if a.status is ApproachStatus.DECLINED
    }
    return [
        o
        for o in mentors_of(uow, mentee, round_id)
        if o.person.id != besides
        and o.person.id not in declined
        and not o.person.erased
        and places_left(uow, o.introduction.mentor_id, round_id) > 0
    ]


def option_cards(
    uow: UnitOfWork, options: list[Option], config: ProgrammeConfig
) -> list[dict[str, Any]]:
    """Each option as its match sees them, with the number to reply KEEP with."""
    return [
        {
            **participant_card(
                o.person, uow.repo.registration(o.introduction.round_id, o.person.id or 0), config
            ),
            "number": o.number,
        }
        for o in options
    ]


def new_choice(
    uow: UnitOfWork,
    pairing: Pairing,
    mentee: Person,
    mentor: Person,
    config: ProgrammeConfig,
    commands: CommandTable,
) -> Email:
    """The partnership ended early: the mentee may choose again among their free speed mentors."""
    options = free_mentors(uow, mentee, pairing.round_id, besides=mentor.id)
    uow.audit("mentee.may_choose_again", f"pairing:{pairing.id}", {"options": len(options)})
    return email_to(
        mentee,
        "new_choice",
        f"new-choice:{pairing.id}",
        uow,
        commands,
        context={
            "options": option_cards(uow, options, config),
            "on_rematch_list": False,
            "second_chance": "",
        },
    )
