"""WITHDRAW: leave the round, and everything leaving closes (also used by erasure).

Leaving withdraws the registration; the person's pending request to a mentor is
withdrawn (the mentor is told), requests waiting for their answer close (the mentees are
told), speed matches not yet held close (the other side is told when they knew of it),
and active pairings end without blame (the partner is told). Every notice is keyed by the
thing that closed, so a replayed message sends nothing new.

A coordinator's `WITHDRAW <email>` does the same for that participant; the coordinator
gets the participant's status afterwards as the acknowledgement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.common import answer_key, email_to
from handlers.status import coordinator_status
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.departure import Departure, close_introduction, plan_departure
from service.domain.model import (
    EndReason,
    IntroductionStatus,
    Person,
    RegistrationStatus,
)
from service.email_command import EmailCommand
from service.errors import DomainError
from service.messages import Email
from service.purpose import PurposeKind
from service.store.unit_of_work import UnitOfWork


@dataclass
class Leaving:
    """What a departure did: sentences for the person, notices for the others."""

    ended: list[str] = field(default_factory=list)  # "We ended your partnership with X."
    ends: list[str] = field(default_factory=list)  # "your partnership with X ends" (preview)
    notices: list[Email] = field(default_factory=list)


def departure_of(uow: UnitOfWork, person: Person, round_id: int | None) -> Departure:
    """Gather the facts and let the rule pick what a departure closes."""
    assert person.id is not None
    approaches = [*uow.repo.approaches_of_mentee(person.id)]
    approaches += uow.repo.pending_approaches_to(person.id)
    return plan_departure(
        person.id,
        approaches=approaches,
        introductions=uow.repo.introductions_of(person.id),
        pairings=uow.repo.pairings_of(person.id),
        round_id=round_id,
    )


def _names(uow: UnitOfWork, person: Person, plan: Departure) -> dict[int, Person]:
    assert person.id is not None
    ids: set[int] = set()
    if plan.own_request is not None:
        ids.add(plan.own_request.mentor_id)
    ids |= {a.mentee_id for a in plan.requests_to_them}
    ids |= {i.mentor_id if i.mentee_id == person.id else i.mentee_id for i in plan.introductions}
    ids |= {p.partner_of(person.id) for p in plan.pairings}
    return uow.repo.people(sorted(ids)) if ids else {}


def _name(people: dict[int, Person], person_id: int) -> str:
    found = people.get(person_id)
    return found.name if found is not None and not found.erased else "a participant"


def preview(uow: UnitOfWork, person: Person, plan: Departure) -> list[str]:
    """What leaving would end, for the erasure question ("... ends")."""
    assert person.id is not None
    people = _names(uow, person, plan)
    lines = [
        f"your mentoring partnership with {_name(people, p.partner_of(person.id))} ends"
        for p in plan.pairings
    ]
    if plan.own_request is not None:
        lines.append(f"your request to {_name(people, plan.own_request.mentor_id)} is withdrawn")
    lines += [
        f"the request from {_name(people, a.mentee_id)} closes" for a in plan.requests_to_them
    ]
    met_soon = [i for i in plan.introductions if i.status is IntroductionStatus.SENT]
    if met_soon:
        lines.append("your speed-mentoring matches that have not happened yet close")
    return lines


def carry_out(
    uow: UnitOfWork, person: Person, plan: Departure, reason: EndReason, ctx: Context
) -> Leaving:
    """Close everything in `plan` and write the notices to the people concerned.

    The notices are built here, before any erasure, so they still carry the leaver's name.
    """
    assert person.id is not None
    people = _names(uow, person, plan)
    done = Leaving()
    leaver = {"name": person.name, "first_name": person.first_name}
    detail: dict[str, object] = {"reason": reason.value}

    if plan.own_request is not None:
        request = plan.own_request
        rules.withdraw_approach(request, ctx.now)
        uow.audit("approach.withdrawn", f"approach:{request.id}", detail)
        done.ended.append(f"We closed your request to {_name(people, request.mentor_id)}.")
        mentor = people.get(request.mentor_id)
        if mentor is not None and not mentor.erased:
            uow.flush()
            done.notices.append(
                email_to(
                    mentor,
                    "approach_withdrawn",
                    f"approach-withdrawn:{request.id}",
                    uow,
                    context={"mentee": leaver},
                )
            )
    for request in plan.requests_to_them:
        rules.withdraw_approach(request, ctx.now)
        uow.audit("approach.withdrawn", f"approach:{request.id}", detail)
        done.ended.append(
            f"We closed the request from {_name(people, request.mentee_id)} to be their mentor."
        )
        _notify(
            done,
            uow,
            other=people.get(request.mentee_id),
            role="mentee",
            relationship="approach",
            leaver=leaver,
            key=f"partner-withdrew:approach:{request.id}",
        )
    for intro in plan.introductions:
        known = intro.status is IntroductionStatus.SENT  # PROPOSED were never shown
        close_introduction(intro)
        uow.audit("introduction.closed", f"introduction:{intro.id}", detail)
        if not known:
            continue
        as_mentee = intro.mentee_id == person.id
        other_id = intro.mentor_id if as_mentee else intro.mentee_id
        done.ended.append(f"We closed your speed-mentoring match with {_name(people, other_id)}.")
        _notify(
            done,
            uow,
            other=people.get(other_id),
            role="mentor" if as_mentee else "mentee",
            relationship="speed",
            leaver=leaver,
            key=f"partner-withdrew:speed:{intro.id}",
        )
    for pairing in plan.pairings:
        rules.end_pairing(pairing, reason, ctx.now)
        uow.audit("pairing.ended", f"pairing:{pairing.id}", detail)
        other_id = pairing.partner_of(person.id)
        done.ended.append(f"We ended your mentoring partnership with {_name(people, other_id)}.")
        role = "mentee" if pairing.mentee_id == other_id else "mentor"
        _notify(
            done,
            uow,
            other=people.get(other_id),
            role=role,
            relationship="pairing",
            leaver=leaver,
            key=f"partner-withdrew:pairing:{pairing.id}",
        )
    return done


def _notify(
    done: Leaving,
    uow: UnitOfWork,
    *,
    other: Person | None,
    role: str,
    relationship: str,
    leaver: dict[str, str],
    key: str,
) -> None:
    if other is None or other.erased:
        return
    uow.flush()  # so the footer's commands reflect what just closed
    done.notices.append(
        email_to(
            other,
            "partner_withdrew",
            key,
            uow,
            context={
                "role": role,
                "partner": leaver,
                "relationship": relationship,
                # The other helpers' UNPAIR flow offers a new choice; leaving does not.
                "new_choice_follows": False,
            },
        )
    )


def withdraw(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    rules.ensure_active_person(person)
    round_ = uow.repo.latest_round_for(person.id)
    reg = uow.repo.registration(round_.id, person.id) if round_ and round_.id else None
    if round_ is None or reg is None:
        raise DomainError(
            "You are not registered for a round, so there is nothing to withdraw from."
            " Reply STATUS to see what we hold about you."
        )
    if reg.status is RegistrationStatus.WITHDRAWN:
        if request.coordinator is not None:
            return [coordinator_status(request, uow, ctx)]
        return [
            email_to(
                person,
                "already_done",
                answer_key(request, "withdraw"),
                uow,
                request=request,
                context={
                    "what_short": "you have left the round",
                    "command": "WITHDRAW",
                    "what": f"you have already left the {round_.name} round.",
                },
                automatic_answer=True,
            )
        ]
    plan = departure_of(uow, person, round_.id)
    leaving = carry_out(uow, person, plan, EndReason.WITHDRAWN, ctx)
    rules.withdraw_registration(reg, ctx.now)
    uow.audit(
        "registration.withdrawn",
        f"registration:{reg.id}",
        {"by": "coordinator" if request.coordinator else "person"},
        actor="coordinator" if request.coordinator else f"person:{person.id}",
    )
    uow.flush()
    assert reg.withdrawn_at is not None
    confirmation = email_to(
        person,
        "withdrawn_confirmation",
        f"withdrawn:{reg.id}:{reg.withdrawn_at.isoformat()}",
        uow,
        context={
            "round": {"name": round_.name, "closes_on": round_.closes_at},
            "ended": leaving.ended,
        },
        request=None if request.coordinator else request,
    )
    emails = [*leaving.notices, confirmation]
    if request.coordinator is not None:
        emails.append(coordinator_status(request, uow, ctx))
    return emails


WITHDRAW: EmailCommand = EmailCommand(
    verb="withdraw",
    spellings=("withdraw",),
    handler=withdraw,
    shown="WITHDRAW",
    help="leave this round of the programme",
    available=lambda s: s.registered,
    destructive=True,
    targeted=True,
    coordinator_help="take that participant out of their round",
    ends_something=True,
    no_to=frozenset({PurposeKind.REGISTRATION}),
)
