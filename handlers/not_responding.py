"""NOT RESPONDING (a member of a pairing says their partner has gone quiet) and
NOT CONTACTED (a mentor says a speed mentee never got in touch).

NOT RESPONDING only starts the unresponsiveness ladder on the pairing; the nudges, the
coordinators' escalation and the blameless unpairing are the scheduled jobs' work.
NOT CONTACTED marks the introduction so the jobs can nudge the mentee and the
coordinators can see it.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.partners import (
    already_done,
    latest,
    mentees_of,
    partner_card,
    person_or_refuse,
    role_in,
    the_pairing,
)
from service.bus import CommandRequest, Context
from service.domain import liveness
from service.domain.choices import choose, quiet_mentees
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound.commands import optional_number
from service.messages import Email
from service.purpose import PurposeKind, of
from service.store.unit_of_work import UnitOfWork


def not_responding(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    reporter = request.person
    assert reporter.id is not None
    pairing = the_pairing(uow, request, ctx)
    partner = person_or_refuse(uow, pairing.partner_of(reporter.id))
    if not liveness.start_ladder(pairing, reporter.id, ctx.now):
        return already_done(
            request,
            uow,
            ctx,
            what_short=f"we are already contacting {partner.first_name}",
            command="NOT RESPONDING",
            what=f"we are already trying to reach {partner.name} for you.",
        )
    uow.audit(
        "pairing.ladder_started",
        f"pairing:{pairing.id}",
        {"silent": partner.id, "reported_by": role_in(pairing, reporter.id)},
        actor=f"person:{reporter.id}",
    )
    timings = ctx.config.timings
    return [
        email_to(
            reporter,
            "not_responding_noted",
            f"not-responding:{pairing.id}:{pairing.ladder_started_at:%Y%m%d%H%M%S}",
            uow,
            ctx,
            request=request,
            purpose=of(PurposeKind.PAIRING, pairing.id),
            context={
                "partner": partner_card(uow, partner, pairing.round_id, ctx),
                "nudges": timings.unresponsive_nudges,
                "spacing_days": timings.unresponsive_nudge_spacing,
            },
        )
    ]


def not_contacted(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    mentor = request.person
    assert mentor.id is not None
    round_, registration = latest(uow, mentor)
    options = mentees_of(uow, mentor, round_.id) if round_ and round_.id else []
    if not options or registration is None:
        raise DomainError(
            "We have not introduced you to any speed-mentoring mentees in this round, so"
            " there is nobody who should have contacted you. Reply STATUS to see where you"
            " are in the programme."
        )
    if request.command.choice:
        chosen = choose(request.command.choice, options, what="speed mentees")
        if chosen is None:
            raise DomainError("Please use the number of the mentee from your match email.")
        named = [chosen]
    elif request.about.kind is PurposeKind.INTRODUCTION:
        named = [o for o in options if o.introduction.id == request.about.purpose.id]
    else:
        named = []
    asked = {a.mentee_id for a in uow.repo.pending_approaches_to(mentor.id)} if not named else set()
    candidates = quiet_mentees(options, named, asked)
    fresh = [o for o in candidates if o.introduction.not_contacted_at is None]
    if not fresh:
        return already_done(
            request,
            uow,
            ctx,
            what_short="we know your mentees have not been in touch",
            command="NOT CONTACTED",
            what="you already told us, and we are reminding them.",
        )
    for option in fresh:
        option.introduction.not_contacted_at = ctx.now
        uow.audit(
            "introduction.not_contacted",
            f"introduction:{option.introduction.id}",
            actor=f"person:{mentor.id}",
        )
    return [
        email_to(
            mentor,
            "not_contacted_noted",
            f"not-contacted:{mentor.id}:" + ",".join(str(o.introduction.id) for o in fresh),
            uow,
            ctx,
            request=request,
            context={"mentees": [{"number": o.number, "name": o.person.name} for o in fresh]},
        )
    ]


NOT_RESPONDING: EmailCommand = EmailCommand(
    verb="not_responding",
    spellings=("not responding",),
    handler=not_responding,
    shown="NOT RESPONDING",
    help="your mentoring partner has gone quiet",
    available=lambda s: bool(s.pairings),
)
NOT_CONTACTED: EmailCommand = EmailCommand(
    verb="not_contacted",
    spellings=("not contacted",),
    handler=not_contacted,
    shown="NOT CONTACTED",
    help="a mentee we matched you with has not been in touch",
    available=lambda s: bool(s.introductions_as_mentor) and not s.pairings,
    arguments=optional_number,
)
