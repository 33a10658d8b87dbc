"""KEEP (a mentee asks one of their speed mentors to continue long term) and
WITHDRAW REQUEST (they take the request back before the mentor answers).

One mentor at a time: a mentee has at most one request waiting, and none while paired
(`rules.open_approach`). The mentor's answer comes back through `handlers.answer`.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.partners import (
    already_done,
    approach_event,
    free_mentors,
    latest,
    mentors_of,
    numbered,
    partner_card,
    person_or_refuse,
    places_left,
)
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.choices import Option, choose
from service.domain.model import Approach, ApproachStatus, Introduction, Person, Round
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound.commands import choice
from service.messages import Email
from service.purpose import PurposeKind, of
from service.standing import Standing
from service.store.unit_of_work import UnitOfWork
from service.text import or_list


def keep(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentee = request.person
    assert mentee.id is not None
    round_, options = _speed_mentors(uow, mentee)
    assert round_.id is not None
    mentor, intro = _named_mentor(uow, request.command.choice or "", options)
    approach, places = _open_request(uow, mentee, mentor, intro, options, round_, ctx)
    reply_by = rules.approach_deadline(approach, ctx.config)
    return [
        email_to(
            mentor,
            "approach_request",
            f"approach-request:{approach.id}",
            uow,
            ctx,
            purpose=of(PurposeKind.APPROACH, approach.id),
            context={
                "mentee": partner_card(uow, mentee, round_.id, ctx),
                "reply_by": reply_by,
                "long_term_places": places,
            },
        ),
        email_to(
            mentee,
            "approach_sent",
            f"approach-sent:{approach.id}",
            uow,
            ctx,
            request=request,
            context={"mentor": partner_card(uow, mentor, round_.id, ctx), "reply_by": reply_by},
        ),
    ]


def _speed_mentors(uow: UnitOfWork, mentee: Person) -> tuple[Round, list[Option]]:
    """The mentee's round and the speed mentors they could keep; refuses when none."""
    round_, registration = latest(uow, mentee)
    if round_ is None or round_.id is None or registration is None or not registration.active:
        raise DomainError(
            "You are not taking part in a round at the moment, so there is no speed mentor"
            " to keep. Reply STATUS to see what we hold about you."
        )
    options = mentors_of(uow, mentee, round_.id)
    if not options:
        raise DomainError(
            "We have not sent you any speed-mentoring matches in this round, so there is no"
            " mentor to keep yet. We will email you your matches once they are ready."
        )
    return round_, options


def _named_mentor(
    uow: UnitOfWork, choice: str, options: list[Option]
) -> tuple[Person, Introduction | None]:
    """The mentor the mentee named, and their speed match when they have one."""
    chosen = choose(choice, options)
    if chosen is not None:
        return chosen.person, chosen.introduction
    # An address we did not match them with: the rule explains why we cannot ask.
    found = uow.repo.person_by_email(choice)
    if found is None:
        raise DomainError(
            f"{choice} is not one of your speed mentors, so we cannot"
            " pass on your request. Reply KEEP with the number of one of the mentors"
            " in your match email."
        )
    return found, None


def _open_request(
    uow: UnitOfWork,
    mentee: Person,
    mentor: Person,
    intro: Introduction | None,
    options: list[Option],
    round_: Round,
    ctx: Context,
) -> tuple[Approach, int]:
    """Open the request if the rules allow it; returns it and the mentor's places left."""
    assert mentee.id is not None and mentor.id is not None and round_.id is not None
    rules.ensure_may_keep(
        mentor,
        intro,
        ended_with_mentor=any(
            p.mentor_id == mentor.id and p.round_id == round_.id and not p.active
            for p in uow.repo.pairings_of(mentee.id)
        ),
        paired=uow.repo.active_pairing_of_mentee(mentee.id) is not None,
    )
    pending = uow.repo.pending_approach(mentee.id)
    approach = rules.open_approach(
        round_id=round_.id,
        mentee=mentee,
        mentor=mentor,
        introductions=[o.introduction for o in options],
        pending=pending,
        pending_mentor=uow.repo.person(pending.mentor_id) if pending else None,
        active_pairing=uow.repo.active_pairing_of_mentee(mentee.id),
        earlier_approaches=list(uow.repo.approaches_of_mentee(mentee.id, round_.id)),
        now=ctx.now,
        config=ctx.config,
    )
    places = places_left(uow, mentor.id, round_.id)
    others = free_mentors(uow, mentee, round_.id, besides=mentor.id)
    rules.ensure_mentor_has_place(mentor, places, [(o.number, o.person.name) for o in others])
    uow.add(approach)
    if intro is not None:
        rules.speed_session_held(intro, ctx.now)  # asking to keep a mentor means they met
    uow.flush()
    approach_event(
        uow,
        approach,
        "opened",
        by=mentee,
        detail={"mentee": mentee.id, "mentor": mentor.id, "round": round_.id},
    )
    return approach, places


def withdraw_request(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentee = request.person
    assert mentee.id is not None
    pending = uow.repo.pending_approach(mentee.id)
    if pending is None:
        earlier = list(uow.repo.approaches_of_mentee(mentee.id))
        if earlier and earlier[-1].status is ApproachStatus.WITHDRAWN:
            mentor = person_or_refuse(uow, earlier[-1].mentor_id)
            return already_done(
                request,
                uow,
                ctx,
                what_short="your request is withdrawn",
                command="WITHDRAW REQUEST",
                what=f"you withdrew your request to {mentor.name}.",
            )
        raise DomainError(
            "You have no request to a mentor waiting for an answer, so there is nothing to"
            " withdraw. Reply STATUS to see where you are in the programme."
        )
    rules.withdraw_approach(pending, ctx.now)
    approach_event(uow, pending, "withdrawn", by=mentee)
    mentor = person_or_refuse(uow, pending.mentor_id)
    others = free_mentors(uow, mentee, pending.round_id, besides=mentor.id)
    return [
        email_to(
            mentor,
            "approach_withdrawn",
            f"approach-withdrawn:{pending.id}",
            uow,
            ctx,
            context={"mentee": partner_card(uow, mentee, pending.round_id, ctx)},
        ),
        email_to(
            mentee,
            "request_withdrawn",
            f"request-withdrawn:{pending.id}",
            uow,
            ctx,
            request=request,
            context={
                "mentor": partner_card(uow, mentor, pending.round_id, ctx),
                "other_mentors": numbered(others),
            },
        ),
    ]


def _offer(s: Standing) -> tuple[str, str]:
    """KEEP with the numbers of the speed mentors they may ask now ("KEEP 3")."""
    return f"KEEP {or_list([str(n) for n in s.keep_choices])}", KEEP_HELP


KEEP_HELP = "ask that speed mentor to be your long-term mentor"
KEEP: EmailCommand = EmailCommand(
    verb="keep",
    spellings=("keep",),
    handler=keep,
    shown="KEEP 1, 2 or 3",
    help=KEEP_HELP,
    available=lambda s: s.may_keep,
    offer=_offer,
    arguments=choice,
    arguments_in_subject=True,
)
WITHDRAW_REQUEST: EmailCommand = EmailCommand(
    verb="withdraw_request",
    spellings=("withdraw request", "cancel request"),
    handler=withdraw_request,
    shown="WITHDRAW REQUEST",
    help="take back your request to your chosen mentor",
    available=lambda s: s.pending_approach is not None,
    destructive=True,
)
