"""NONE: the mentee keeps no long-term mentor this round, and their round ends there.

"If your mentors weren't the right fit for you or you just don't want to continue your
relationship with any of them, then that's the end of the programme: at least for you,
for this round." The introductions close; they get a thank-you and the feedback request.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.partners import already_done, latest, mentors_of, person_or_refuse
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import IntroductionStatus
from service.email_command import EmailCommand
from service.errors import DomainError
from service.messages import Email
from service.store.unit_of_work import UnitOfWork


def none(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentee = request.person
    assert mentee.id is not None
    round_, registration = latest(uow, mentee)
    if round_ is None or round_.id is None or registration is None or not registration.active:
        raise DomainError(
            "You are not taking part in a round at the moment, so there is nothing to end."
            " Reply STATUS to see what we hold about you."
        )
    options = mentors_of(uow, mentee, round_.id)
    if not options:
        raise DomainError(
            "NONE is for mentees who have had their speed-mentoring matches, and we have not"
            " sent you any in this round yet. To leave the round instead, reply WITHDRAW."
        )
    pairing = uow.repo.active_pairing_of_mentee(mentee.id)
    if pairing is not None:
        mentor = person_or_refuse(uow, pairing.mentor_id)
        raise DomainError(
            f"{mentor.name} is your long-term mentor, so we have not ended your round. If"
            " the partnership is not working out, reply UNPAIR to end it without blame."
        )
    pending = uow.repo.pending_approach(mentee.id)
    if pending is not None:
        mentor = person_or_refuse(uow, pending.mentor_id)
        raise DomainError(
            f"You asked {mentor.name} to be your long-term mentor on"
            f" {rules.day(pending.created_at, ctx.tz)} and they have not answered yet. To"
            " stop here instead, reply WITHDRAW REQUEST first, then NONE."
        )
    intros = [o.introduction for o in options]
    if all(i.status is IntroductionStatus.CLOSED for i in intros):
        return already_done(
            request,
            uow,
            ctx,
            what_short="your round has ended",
            command="NONE",
            what="you told us you will not keep a long-term mentor this round.",
        )
    met = sum(1 for i in intros if i.status is IntroductionStatus.MET)
    for intro in intros:
        intro.status = IntroductionStatus.CLOSED
    uow.audit(
        "mentee.kept_none",
        f"registration:{registration.id}",
        {"introductions_closed": [i.id for i in intros], "met": met},
        actor=f"person:{mentee.id}",
    )
    return [
        email_to(
            mentee,
            "none_confirmed",
            f"none-confirmed:{registration.id}",
            uow,
            ctx,
            request=request,
            context={"round": {"name": round_.name}, "speed_sessions_met": met},
        )
    ]


NONE: EmailCommand = EmailCommand(
    verb="none",
    spellings=("none",),
    handler=none,
    shown="NONE",
    help="you do not want a long-term mentor this time",
    available=lambda s: s.may_keep,
    destructive=True,
)
