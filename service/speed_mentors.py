"""A mentee's speed mentors as their emails number them, and which of them could still
take them long term.

Below `service.standing` (the KEEP footer names the mentors free now) and shared by the
handlers, the late matching and the new-choice email: plain reads over the unit of work.
"""

from __future__ import annotations

from service.domain import rules
from service.domain.choices import Option
from service.domain.model import ApproachStatus, Introduction, IntroductionStatus, Person
from service.store.unit_of_work import UnitOfWork


def visible(intro: Introduction) -> bool:
    # Proposed introductions were never sent: the person does not know about them.
    return intro.status is not IntroductionStatus.PROPOSED


def mentors_of(uow: UnitOfWork, mentee: Person, round_id: int) -> list[Option]:
    """The mentee's speed mentors in a round, as numbered in their match email."""
    assert mentee.id is not None
    intros = [
        i
        for i in uow.repo.introductions_of(mentee.id, round_id)
        if i.mentee_id == mentee.id and visible(i)
    ]
    people = uow.repo.people([i.mentor_id for i in intros])
    return [Option(i, people[i.mentor_id], i.number) for i in intros if i.mentor_id in people]


def places_left(uow: UnitOfWork, mentor_id: int, round_id: int) -> int:
    """How many more long-term mentees this mentor offered to take."""
    return rules.long_term_places_left(
        uow.repo.registration(round_id, mentor_id), uow.repo.active_pairings_as_mentor(mentor_id)
    )


def free_mentors(
    uow: UnitOfWork, mentee: Person, round_id: int, *, besides: int | None = None
) -> list[Option]:
    """The mentee's other speed mentors who could still say yes: not `besides`, not one
    who already declined, still taking part, with a long-term place free."""
    assert mentee.id is not None
    declined = {
        a.mentor_id
        for a in uow.repo.approaches_of_mentee(mentee.id, round_id)
        if a.status is ApproachStatus.DECLINED
    }
    return [
        o
        for o in mentors_of(uow, mentee, round_id)
        if o.person.id != besides
        and o.person.id not in declined
        and not o.person.erased
        and places_left(uow, o.introduction.mentor_id, round_id) > 0
    ]
