"""NOT THIS ROUND: a mentor who cannot take a long-term mentee this round.

No mentee can ask them to continue long term (`rules.not_this_round` sets their places
to none); the requests waiting for them close and each mentee is offered their other
speed mentors; their speed-mentoring sessions stay as they are. CAPACITY n undoes it
(`handlers/capacity.py`).
"""

from __future__ import annotations

from handlers.capacity import places_changed
from handlers.partners import mentor_registration
from service.bus import CommandRequest, Context
from service.domain import rules
from service.email_command import EmailCommand
from service.messages import Email
from service.standing import Standing
from service.store.unit_of_work import UnitOfWork


def not_this_round(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    assert mentor.id is not None
    registration = mentor_registration(uow, mentor, "NOT THIS ROUND")
    before = registration.long_term_capacity
    rules.not_this_round(registration, uow.repo.active_pairings_as_mentor(mentor.id))
    return places_changed(request, uow, ctx, registration, before, "not_this_round", {})


def _offered(s: Standing) -> bool:
    reg = s.registration
    return (
        s.mentor_this_round
        and reg is not None
        and reg.long_term_capacity > 0
        and not (s.mentor_pairings)
    )


NOT_THIS_ROUND: EmailCommand = EmailCommand(
    verb="not_this_round",
    spellings=("not this round",),
    handler=not_this_round,
    shown="NOT THIS ROUND",
    help="you cannot take a long-term mentee this round (your speed sessions stay)",
    available=_offered,
)
