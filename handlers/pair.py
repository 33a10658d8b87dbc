"""PAIR: a coordinator pairs a mentor and a mentee by hand, after the matching.

From the coordinators only (`PAIR mentor@… mentee@…` from a verified coordinator address,
or `mentoring pairing add`). The long-term partnership starts at once in the mentee's
round, as if the mentor had accepted a request; both are told with `pairing_started`. A
request the mentee had waiting closes: accepted when it was to this mentor, otherwise
withdrawn, and that mentor is told.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.correcting import answer, participant, record
from handlers.partners import approach_event, latest, partner_card
from service import corrections
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import ApproachStatus, Pairing, Person
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound.coordinator_args import two_people
from service.messages import Email
from service.purpose import PurposeKind, of
from service.store.unit_of_work import UnitOfWork


def pair(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    mentee = participant(uow, request.command.choice, "mentee")
    assert mentor.id is not None and mentee.id is not None
    round_, mentee_reg = latest(uow, mentee)
    if round_ is None or round_.id is None:
        raise DomainError(f"{mentee.email} is not registered for a round.")
    mentor_reg = uow.repo.registration(round_.id, mentor.id)
    corrections.ensure_may_pair(
        mentor, mentee, mentor_reg, mentee_reg, uow.repo.active_pairing_of_mentee(mentee.id)
    )
    assert mentor_reg is not None
    notices = _close_waiting_request(uow, mentee, mentor, ctx)
    pairing = corrections.pair_by_hand(mentor_reg, mentee.id, ctx.now, ctx.config)
    uow.add(pairing)
    uow.flush()
    uow.audit(
        "pairing.started",
        f"pairing:{pairing.id}",
        {"mentor": mentor.id, "mentee": mentee.id, "round": pairing.round_id, "by": "coordinator"},
        actor="coordinator",
    )
    made = record(uow, request, "pairing.paired", ctx, person=mentee, pairing=pairing)
    emails = [*notices, *started_emails(uow, pairing, mentor, mentee, ctx, "by_hand")]
    return answer(request, uow, ctx, made, emails)


def _close_waiting_request(
    uow: UnitOfWork, mentee: Person, mentor: Person, ctx: Context
) -> list[Email]:
    """One request at a time, and none beside a partnership: a waiting one closes."""
    assert mentee.id is not None
    waiting = uow.repo.pending_approach(mentee.id)
    if waiting is None:
        return []
    if waiting.mentor_id == mentor.id:
        waiting.status = ApproachStatus.ACCEPTED
        waiting.answered_at = ctx.now
        approach_event(uow, waiting, "accepted", detail={"by": "coordinator"})
        return []
    rules.withdraw_approach(waiting, ctx.now)
    approach_event(uow, waiting, "withdrawn", detail={"by": "coordinator"})
    asked = uow.repo.person(waiting.mentor_id)
    if asked is None or asked.erased:
        return []
    return [
        email_to(
            asked,
            "approach_withdrawn",
            f"approach-withdrawn:{waiting.id}",
            uow,
            ctx,
            context={"mentee": {"name": mentee.name, "first_name": mentee.first_name}},
        )
    ]


def started_emails(
    uow: UnitOfWork, pairing: Pairing, mentor: Person, mentee: Person, ctx: Context, how: str
) -> list[Email]:
    """`pairing_started` to both sides, saying a coordinator paired (or reopened) them."""
    purpose = of(PurposeKind.PAIRING, pairing.id)
    weeks = max(1, ctx.config.timings.check_in_every // 7)
    mentor_card = partner_card(uow, mentor, pairing.round_id, ctx)
    mentee_card = partner_card(uow, mentee, pairing.round_id, ctx)
    stamp = ctx.now.strftime("%Y%m%d%H%M%S")
    return [
        email_to(
            to,
            "pairing_started",
            f"pairing-{how}:{pairing.id}:{stamp}:{role}",
            uow,
            ctx,
            purpose=purpose,
            context={"role": role, "partner": card, "check_in_weeks": weeks, "how": how},
        )
        for to, role, card in ((mentee, "mentee", mentor_card), (mentor, "mentor", mentee_card))
    ]


PAIR: EmailCommand = EmailCommand(
    verb="pair",
    spellings=("pair",),
    handler=pair,
    shown="PAIR",
    help="pair a mentor and a mentee by hand",
    # Never offered to participants: coordinators only.
    available=lambda _s: False,
    arguments=two_people,
    targeted=True,
    coordinator_shown="PAIR <mentor> <mentee>",
    coordinator_help="pair a mentor and a mentee by hand (both are told)",
    verified_only=True,
)
