"""A mentee whose long-term partnership ended early may choose again among their other
speed mentors who still have a place: the "new choice" email.

Shared by the handlers (a mentor's UNPAIR or WITHDRAW) and the time rules (the
unresponsiveness ladder ending a pairing): jobs do not import handlers, so the rule
lives here, over `service` only."""

from __future__ import annotations

from typing import Any

from service.config import ProgrammeConfig
from service.domain.card import participant_card
from service.domain.choices import Option
from service.domain.model import Pairing, Person
from service.email_command import CommandTable
from service.emails import email_to
from service.messages import Email
from service.speed_mentors import free_mentors
from service.store.unit_of_work import UnitOfWork


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
