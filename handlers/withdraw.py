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
from handlers.correcting import record
from handlers.partners import approach_event
from handlers.status import coordinator_status
from handlers.unpair import new_choice
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.departure import Departure, close_introduction, plan_departure
from service.domain.model import (
    Approach,
    EndReason,
    Introduction,
    IntroductionStatus,
    Pairing,
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
    # "by" names the leaver, so the partner's story can say who left (not "one of them").
    detail: dict[str, object] = {"reason": reason.value, "by": person.id}
    closing = _Closing(uow, ctx, person, _names(uow, person, plan), detail)
    # An erasure tells nobody about the erased person beyond what their own partnership
    # needs: the partner hears once that they left; old matches and requests close quietly.
    closing.quiet = reason is EndReason.DATA_ERASED
    if plan.own_request is not None:
        closing.own_request(plan.own_request)
    for request in plan.requests_to_them:
        closing.request_to_them(request)
    for intro in plan.introductions:
        closing.introduction(intro)
    for pairing in plan.pairings:
        closing.pairing(pairing, reason)
    return closing.done


@dataclass
class _Closing:
    """One departure under way: each method closes one kind of thing and tells the other
    person, the notice keyed by the thing that closed."""

    uow: UnitOfWork
    ctx: Context
    person: Person  # the one leaving
    people: dict[int, Person]  # the others concerned
    detail: dict[str, object]  # the audit detail: why it closed
    done: Leaving = field(default_factory=Leaving)
    quiet: bool = False  # notices only to a partner in an active partnership (erasure)

    @property
    def leaver(self) -> dict[str, str]:
        return {"name": self.person.name, "first_name": self.person.first_name}

    def own_request(self, request: Approach) -> None:
        rules.withdraw_approach(request, self.ctx.now)
        approach_event(self.uow, request, "withdrawn", detail=self.detail)
        self.done.ended.append(
            f"We closed your request to {_name(self.people, request.mentor_id)}."
        )
        mentor = self.people.get(request.mentor_id)
        if mentor is not None and not mentor.erased and not self.quiet:
            self.uow.flush()
            self.done.notices.append(
                email_to(
                    mentor,
                    "approach_withdrawn",
                    f"approach-withdrawn:{request.id}",
                    self.uow,
                    self.ctx,
                    context={"mentee": self.leaver},
                )
            )

    def request_to_them(self, request: Approach) -> None:
        rules.withdraw_approach(request, self.ctx.now)
        approach_event(self.uow, request, "withdrawn", detail=self.detail)
        self.done.ended.append(
            "We closed the request from"
            f" {_name(self.people, request.mentee_id)} to be their mentor."
        )
        self._notify(request.mentee_id, "mentee", "approach", f"approach:{request.id}")

    def introduction(self, intro: Introduction) -> None:
        known = intro.status is IntroductionStatus.SENT  # PROPOSED were never shown
        close_introduction(intro)
        self.uow.audit("introduction.closed", f"introduction:{intro.id}", self.detail)
        if not known:
            return
        as_mentee = intro.mentee_id == self.person.id
        other_id = intro.mentor_id if as_mentee else intro.mentee_id
        self.done.ended.append(
            f"We closed your speed-mentoring match with {_name(self.people, other_id)}."
        )
        role = "mentor" if as_mentee else "mentee"
        self._notify(other_id, role, "speed", f"speed:{intro.id}")

    def pairing(self, pairing: Pairing, reason: EndReason) -> None:
        assert self.person.id is not None
        rules.end_pairing(pairing, reason, self.ctx.now)
        self.uow.audit("pairing.ended", f"pairing:{pairing.id}", self.detail)
        other_id = pairing.partner_of(self.person.id)
        self.done.ended.append(
            f"We ended your mentoring partnership with {_name(self.people, other_id)}."
        )
        role = "mentee" if pairing.mentee_id == other_id else "mentor"
        self._notify(other_id, role, "pairing", f"pairing:{pairing.id}")
        mentee = self.people.get(other_id)
        if role == "mentee" and mentee is not None and not mentee.erased:
            # The mentee left behind may choose again among their speed mentors.
            self.done.notices.append(new_choice(self.uow, pairing, mentee, self.person, self.ctx))

    def _notify(self, other_id: int, role: str, relationship: str, what: str) -> None:
        other = self.people.get(other_id)
        if other is None or other.erased or (self.quiet and relationship != "pairing"):
            return
        self.uow.flush()  # so the footer's commands reflect what just closed
        self.done.notices.append(
            email_to(
                other,
                "partner_withdrew",
                f"partner-withdrew:{what}",
                self.uow,
                self.ctx,
                context={
                    "role": role,
                    "partner": self.leaver,
                    "relationship": relationship,
                    "new_choice_follows": relationship == "pairing" and role == "mentee",
                },
            )
        )


def _already_left(
    request: CommandRequest, uow: UnitOfWork, ctx: Context, round_name: str
) -> list[Email]:
    """WITHDRAW again: the coordinator gets the status, the person "already done"."""
    person = request.person
    if request.coordinator is not None and not request.answer_coordinator:
        raise DomainError(f"{person.email} has already left the {round_name} round.")
    if request.coordinator is not None:
        return [coordinator_status(request, uow, ctx)]
    return [
        email_to(
            person,
            "already_done",
            answer_key(request, "withdraw"),
            uow,
            ctx,
            request=request,
            context={
                "what_short": "you have left the round",
                "command": "WITHDRAW",
                "what": f"you have already left the {round_name} round.",
            },
            automatic_answer=True,
        )
    ]


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
        return _already_left(request, uow, ctx, round_.name)
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
        ctx,
        context={
            "round": {"name": round_.name, "closes_on": round_.closes_at},
            "ended": leaving.ended,
        },
        request=None if request.coordinator else request,
    )
    emails = [*leaving.notices, confirmation]
    if request.coordinator is not None:
        record(
            uow,
            request,
            "registration.withdrawn",
            ctx,
            person=person,
            detail={"round": round_.name},
        )
        if request.answer_coordinator:
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
