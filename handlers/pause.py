"""PAUSE [until DATE]: a break from mentoring, without leaving.

While paused (`rules.is_paused`) nobody new can ask them to be a long-term mentor and
they cannot ask anyone, a new round's matching leaves them out, and the time rules send
them no nudges, check-ins or ladder steps (`timeline.away`). A partner in an active
pairing is told kindly, once per pause. It ends on RESUME (`handlers/resume.py`) or at
the start of the day they gave: "PAUSE until 1 September", "PAUSE for 3 weeks".
"""

from __future__ import annotations

import re
from datetime import timedelta

from handlers.common import email_to
from handlers.partners import partner_card, person_or_refuse
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import Pairing, Person
from service.email_command import EmailCommand
from service.inbound.commands import Command, Words
from service.inbound.dates import parse_date
from service.messages import Email
from service.standing import Standing
from service.store.unit_of_work import UnitOfWork

_UNTIL = re.compile(r"^(?:until|till|til|to|up to|up until)\s+(?P<date>.+)$")
_FOR = re.compile(r"^for\s+(?P<n>\d{1,2}|a|one|two|three|four|five|six)\s+(?P<unit>day|week)s?$")
_NUMBERS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_OPEN_ENDED = {"for now", "for a while", "for the moment", "my mentoring", "mentoring"}
_HOW = "Write it like PAUSE until 1 September, or PAUSE for 3 weeks, or just PAUSE."


def until(words: Words) -> Command | str | None:
    """PAUSE, PAUSE until DATE, PAUSE for N weeks: the day it ends in `Command.on`."""
    rest = words.rest
    if not rest or rest in _OPEN_ENDED:
        return Command(words.verb)
    ahead = _FOR.match(rest)
    if ahead:
        n = _NUMBERS.get(ahead.group("n")) or int(ahead.group("n"))
        length = timedelta(weeks=n) if ahead.group("unit") == "week" else timedelta(days=n)
        return Command(words.verb, on=words.today + length)
    asked = _UNTIL.match(rest)
    phrase = asked.group("date") if asked else rest
    when = parse_date(phrase, words.today, future=True)
    if when is not None:
        return Command(words.verb, on=when)
    if not asked and (words.strict or len(rest.split()) > 3):
        return None  # "pause and think about it": a sentence, not a command
    return f"We could not read “{phrase}” as a date. {_HOW}"


def pause(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    new = not rules.is_paused(person, ctx.now)
    rules.pause(person, ctx.now, request.command.on, ctx.tz)
    ends = person.paused_until.isoformat() if person.paused_until else None
    uow.audit("person.paused", f"person:{person.id}", {"until": ends, "new": new})
    pairings = list(uow.repo.active_pairings_of(person.id))
    context = {
        "until": rules.paused_sentence(person, ctx.now, ctx.tz),
        "ends_on": person.paused_until,
        "partners": [person_or_refuse(uow, p.partner_of(person.id)).name for p in pairings],
    }
    confirmation = email_to(
        person,
        "pause_confirmed",
        f"pause-confirmed:{person.id}:{request.thread.message_id or '-'}",
        uow,
        ctx,
        request=request,
        context=context,
    )
    return [confirmation, *(_tell_partner(uow, person, p, ctx) for p in pairings)]


def _tell_partner(uow: UnitOfWork, person: Person, pairing: Pairing, ctx: Context) -> Email:
    """Kindly, once a pause: the key names the pause's start, so a second PAUSE that only
    moves the end tells nobody again."""
    assert person.id is not None and person.paused_at is not None
    partner = person_or_refuse(uow, pairing.partner_of(person.id))
    return email_to(
        partner,
        "partner_paused",
        f"partner-paused:{pairing.id}:{person.id}:{person.paused_at:%Y%m%dT%H%M%S}",
        uow,
        ctx,
        context={
            "partner": partner_card(uow, person, pairing.round_id, ctx),
            # Their partner's RESUME is theirs to send: the partner reads "for a while".
            "until": f"until {rules.day(person.paused_until, ctx.tz)}"
            if person.paused_until
            else "for a while",
        },
    )


def _may_pause(s: Standing) -> bool:
    return (s.registered or bool(s.pairings)) and not s.paused


PAUSE: EmailCommand = EmailCommand(
    verb="pause",
    spellings=("pause",),
    handler=pause,
    shown="PAUSE or PAUSE until 1 September",
    help="take a break: no reminders, check-ins or new requests until then",
    available=_may_pause,
    arguments=until,
)
