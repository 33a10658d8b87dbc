"""CONTINUE: at the end of the agreed period, keep an active pairing going for another.

Asking twice in the same period extends it once (`rules.continue_pairing`); the second
answer says it is already done.
"""

from __future__ import annotations

from handlers.common import email_to
from handlers.partners import already_done, partner_card, person_or_refuse, the_pairing
from service.bus import CommandRequest, Context
from service.domain import rules
from service.email_command import EmailCommand
from service.messages import Email
from service.purpose import PurposeKind, of
from service.store.unit_of_work import UnitOfWork


def continue_(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    pairing = the_pairing(uow, request, ctx)
    partner = person_or_refuse(uow, pairing.partner_of(person.id))
    until = pairing.ends_at
    if not rules.continue_pairing(pairing, ctx.now, ctx.config):
        return already_done(
            request,
            uow,
            ctx,
            what_short=f"your partnership with {partner.first_name} carries on",
            command="CONTINUE",
            what=f"your partnership with {partner.name} is open until {rules.day(until, ctx.tz)}.",
        )
    uow.audit(
        "pairing.continued",
        f"pairing:{pairing.id}",
        {"period": pairing.period},
        actor=f"person:{person.id}",
    )
    card = partner_card(uow, partner, pairing.round_id, ctx)
    return [
        email_to(
            person,
            "continue_confirmed",
            f"continue-confirmed:{pairing.id}:{pairing.period}",
            uow,
            ctx,
            request=request,
            purpose=of(PurposeKind.PAIRING, pairing.id),
            context={"partner": card, "until": pairing.ends_at},
        )
    ]


CONTINUE: EmailCommand = EmailCommand(
    verb="continue",
    spellings=("continue",),
    handler=continue_,
    shown="CONTINUE",
    help="keep your mentoring going for another year",
    available=lambda s: bool(s.pairings),
    yes_to=frozenset({PurposeKind.CONTINUE}),
)
