"""STATUS: what we hold about someone's place now (HELP, what they can send, is
`handlers/help_.py`).

A coordinator's `STATUS <email>` gets the same picture of that participant, sent to the
coordinator and not to the participant. Nothing here changes state.
"""

from __future__ import annotations

from typing import Any

from handlers.common import answer_key, email_to, grade_name
from handlers.stage import stage_sentence
from service.bus import CommandRequest, Context
from service.domain.model import Introduction, IntroductionStatus, Person, RegistrationStatus, Role
from service.domain.rules import approach_deadline, cpd_points, paused_sentence
from service.email_command import EmailCommand
from service.messages import Attachment, Email, Recipient, person_context
from service.standing import Standing, standing
from service.store.unit_of_work import UnitOfWork
from service.story import gather, lines

_MENTEE_STATES = {
    IntroductionStatus.SENT: "waiting for you to get in touch",
    IntroductionStatus.MET: "you have met",
    IntroductionStatus.NOT_MET: "you did not meet",
    IntroductionStatus.CLOSED: "closed",
}
_MENTOR_STATES = {
    IntroductionStatus.SENT: "waiting for them to get in touch",
    IntroductionStatus.MET: "you have met",
    IntroductionStatus.NOT_MET: "you did not meet",
    IntroductionStatus.CLOSED: "closed",
}

# The coordinator's copy speaks about the participant, not to them.
_THIRD_PERSON_STATES = {
    IntroductionStatus.SENT: "not in touch yet",
    IntroductionStatus.MET: "they have met",
    IntroductionStatus.NOT_MET: "they did not meet",
    IntroductionStatus.CLOSED: "closed",
}


def _held(i: Introduction) -> IntroductionStatus:
    """A speed session that was held stays "met" after NONE closed the matches."""
    if i.status is IntroductionStatus.CLOSED and i.contacted_at is not None:
        return IntroductionStatus.MET
    return i.status


def _introductions(
    s: Standing, names: dict[int, Person], *, third_person: bool = False
) -> list[dict[str, Any]]:
    def row(i: Introduction, number: int, role: str, states: dict[IntroductionStatus, str]) -> Any:
        states = _THIRD_PERSON_STATES if third_person else states
        other = names.get(i.mentor_id if role == "mentor" else i.mentee_id)
        return {
            "number": number,
            "name": other.name if other else "someone who has left",
            "role": role,  # the other person's role to the recipient
            "state": states.get(_held(i), i.status.value),
        }

    rows = [row(i, i.number, "mentor", _MENTEE_STATES) for i in s.introductions_as_mentee]
    rows += [
        row(i, n, "mentee", _MENTOR_STATES)
        for n, i in enumerate(s.introductions_as_mentor, start=len(rows) + 1)
    ]
    return rows


def status_context(
    uow: UnitOfWork, person: Person, ctx: Context, *, about: str | None = None
) -> dict[str, Any]:
    """The `status` template's context for `person` (never a characteristic).

    `about` (the participant's name) makes it the coordinator's copy, in the third person.
    """
    s = standing(uow, person)
    ids = {i.mentor_id for i in s.introductions_as_mentee}
    ids |= {i.mentee_id for i in s.introductions_as_mentor}
    ids |= {p.partner_of(person.id) for p in s.pairings if person.id is not None}
    if s.pending_approach is not None:
        ids.add(s.pending_approach.mentor_id)
    names = uow.repo.people(sorted(ids)) if ids else {}
    reg = s.registration
    registration = None
    if reg is not None and reg.status is not RegistrationStatus.WITHDRAWN:
        registration = {
            "roles": sorted(r.value for r in reg.role_set),
            "grade_name": grade_name(ctx.config, reg.grade),
            "department": reg.department,
            "profession": reg.profession,
            "profession_of_interest": reg.profession_of_interest or "",
            "long_term_capacity": reg.long_term_capacity if reg.has_role(Role.MENTOR) else None,
            "confirmed": reg.status is RegistrationStatus.CONFIRMED,
        }
    approach = None
    if s.pending_approach is not None:
        mentor = names.get(s.pending_approach.mentor_id)
        approach = {
            "mentor_name": mentor.name if mentor else "your chosen mentor",
            "sent_on": s.pending_approach.created_at,
            "expires_on": approach_deadline(s.pending_approach, ctx.config),
        }
    pairing = None
    current = s.mentee_pairing or (s.mentor_pairings[0] if s.mentor_pairings else None)
    if current is not None and current.id is not None and person.id is not None:
        partner = names.get(current.partner_of(person.id))
        hours = cpd_points(uow.repo.minutes_met(current.id))
        pairing = {
            "partner_name": partner.name if partner else "your partner",
            "role": "mentee" if current.mentee_id == person.id else "mentor",
            "started_on": current.started_at,
            "meetings": len(uow.repo.distinct_meetings(current.id)),
            "hours": hours,
        }
    return {
        "round": {"name": s.round.name, "closes_on": s.round.closes_at} if s.round else None,
        "stage": stage_sentence(s, ctx.now, ctx.config, about=about),
        "paused": paused_sentence(person, ctx.now, ctx.tz),
        "registration": registration,
        "introductions": _introductions(s, names, third_person=about is not None),
        "approach": approach,
        "pairing": pairing,
    }


def coordinator_status(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> Email:
    """The participant's status, addressed to the coordinator who asked."""
    assert request.coordinator is not None
    person = request.person
    about = person.name or person.email
    story = lines(gather(uow, person), ctx.tz)
    return Email(
        key=answer_key(request, f"coordinator-status:{request.coordinator}"),
        template="status",
        to=Recipient(address=request.coordinator, name="Mentoring coordinators"),
        context={
            "person": person_context(person),
            "about": about,
            "commands": ctx.commands.for_coordinators(),
            "story_entries": len(story),
            **status_context(uow, person, ctx, about=about),
        },
        # Their whole story (`mentoring person show`), too long for the email's body.
        attachments=(
            Attachment("story.txt", "text/plain", ("\n".join(story) + "\n").encode("utf-8")),
        ),
        **request.thread.reply_headers(),
    )


def status(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    if request.coordinator is not None:
        return [coordinator_status(request, uow, ctx)]
    person = request.person
    return [
        email_to(
            person,
            "status",
            answer_key(request, "status"),
            uow,
            ctx,
            context=status_context(uow, person, ctx),
            request=request,
            automatic_answer=True,
        )
    ]


STATUS: EmailCommand = EmailCommand(
    verb="status",
    spellings=("status",),
    handler=status,
    shown="STATUS",
    help="what we hold about your place in the programme",
    targeted=True,
    coordinator_help="what we hold about one participant",
    always_offered=True,
    changes_nothing=True,
)
