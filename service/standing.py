"""A person's standing in the programme: what each command's `available` is decided on.

Read once per unit of work and shared by every email's footer, HELP, STATUS and the
pipeline's problem answers (`CommandTable.offered`), so every email lists the same
commands for the same situation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from service import clock
from service.domain.mail_budget import ASKING_TO_DECIDE
from service.domain.model import (
    Approach,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    Round,
)
from service.domain.rules import is_paused
from service.speed_mentors import free_mentors
from service.store.unit_of_work import UnitOfWork


@dataclass
class Standing:
    """Where one person is in the programme right now (their latest round)."""

    person: Person
    round: Round | None = None
    registration: Registration | None = None
    introductions_as_mentee: list[Introduction] = field(default_factory=list)
    introductions_as_mentor: list[Introduction] = field(default_factory=list)
    pending_approach: Approach | None = None  # theirs, as a mentee
    approaches_to_answer: list[Approach] = field(default_factory=list)  # to them, as a mentor
    pairings: list[Pairing] = field(default_factory=list)  # active
    # Asked to choose (the decide email went) or asked someone before this round: KEEP
    # and NONE are offered even if no meeting was logged.
    asked_to_decide: bool = False
    # The numbers their emails give the speed matches they have not told us they met
    # (MET's footer line), and, read only once KEEP is offered, those of the speed
    # mentors they may keep now (KEEP's): each as their own match email numbers them.
    unmet_numbers: tuple[int, ...] = ()
    keep_numbers: tuple[int, ...] = ()

    @property
    def keep_choices(self) -> tuple[int, ...]:
        """The numbers KEEP may name now; a standing built by hand (no reads) names
        every speed mentor it holds."""
        return self.keep_numbers or tuple(sorted({i.number for i in self.introductions_as_mentee}))

    @property
    def met_choices(self) -> tuple[int, ...]:
        """The numbers MET may name now; a standing built by hand numbers what it holds."""
        assert self.person.id is not None
        held = self.introductions_as_mentee + self.introductions_as_mentor
        return self.unmet_numbers or _unmet_numbers(self.person.id, held)

    @property
    def registered(self) -> bool:
        return self.registration is not None and self.registration.active

    @property
    def mentee_pairing(self) -> Pairing | None:
        return next((p for p in self.pairings if p.mentee_id == self.person.id), None)

    @property
    def mentor_pairings(self) -> list[Pairing]:
        return [p for p in self.pairings if p.mentor_id == self.person.id]

    @property
    def choosing_mentor(self) -> bool:
        """A mentee who has had their speed mentors and may now keep one (or none)."""
        reg = self.registration
        return (
            self.pending_approach is None
            and bool(self.introductions_as_mentee)
            and self.mentee_pairing is None
            and reg is not None
            and reg.active
        )

    @property
    def met_a_speed_mentor(self) -> bool:
        """They told us they met (or contacted) one of their speed mentors."""
        return any(
            i.status is IntroductionStatus.MET or i.contacted_at is not None
            for i in self.introductions_as_mentee
        )

    @property
    def may_keep(self) -> bool:
        """KEEP and NONE are offered once there is something to choose on: a speed
        mentor met, or the speed window over (the decide email), never in the match
        email before anyone has met (MET comes first)."""
        return self.choosing_mentor and (self.met_a_speed_mentor or self.asked_to_decide)

    @property
    def paused(self) -> bool:
        """They said PAUSE and are not back yet (`rules.is_paused`, at the one clock's now)."""
        return is_paused(self.person, clock.now())

    @property
    def mentor_this_round(self) -> bool:
        """Registered as a mentor in their latest round, and still taking part."""
        reg = self.registration
        return reg is not None and reg.active and reg.has_role(Role.MENTOR)

    @property
    def pending_confirmation(self) -> bool:
        reg = self.registration
        return reg is not None and reg.status is RegistrationStatus.PENDING_CONFIRMATION


def standing(uow: UnitOfWork, person: Person) -> Standing:
    """Read once per unit of work while nothing changes (see `UnitOfWork.remember`)."""
    assert person.id is not None
    return uow.remember(("standing", person.id), lambda: _read_standing(uow, person))


def _read_standing(uow: UnitOfWork, person: Person) -> Standing:
    assert person.id is not None
    # Read-only copies in four queries, past the ORM: every email's footer is read from
    # a standing, and loading these through the ORM cost more than the rest of the footer.
    round_, registration, intros, pending, pairings = uow.repo.standing_rows(person.id)
    # Proposed introductions are not yet known to anyone; closed ones are over.
    visible = [
        i
        for i in intros
        if i.status not in (IntroductionStatus.PROPOSED, IntroductionStatus.CLOSED)
    ]
    # Both sides' pending requests: at most one is theirs as a mentee.
    found = Standing(
        person=person,
        round=round_,
        registration=registration,
        introductions_as_mentee=[i for i in visible if i.mentee_id == person.id],
        introductions_as_mentor=[i for i in visible if i.mentor_id == person.id],
        pending_approach=next((a for a in pending if a.mentee_id == person.id), None),
        approaches_to_answer=[a for a in pending if a.mentor_id == person.id],
        pairings=pairings,
        unmet_numbers=_unmet_numbers(person.id, intros),
    )
    if found.choosing_mentor and not found.met_a_speed_mentor and round_ is not None:
        found.asked_to_decide = _asked_to_decide(uow, person.id, round_)
    if found.may_keep:
        found.keep_numbers = _keep_numbers(uow, found)
    return found


def _unmet_numbers(person_id: int, intros: Sequence[Introduction]) -> tuple[int, ...]:
    """Sent speed matches not yet met, numbered as the match emails number them: a
    mentee's mentors by their introduction's number, a mentor's mentees in order
    (`handlers.partners.mentees_of`)."""
    sent = [i for i in intros if i.status is not IntroductionStatus.PROPOSED]
    as_mentor = enumerate((i for i in sent if i.mentor_id == person_id), start=1)
    unmet = {i.number for i in sent if i.mentee_id == person_id and _unmet(i)}
    unmet |= {n for n, i in as_mentor if _unmet(i)}
    return tuple(sorted(unmet))


def _unmet(intro: Introduction) -> bool:
    return intro.status is IntroductionStatus.SENT


def _keep_numbers(uow: UnitOfWork, found: Standing) -> tuple[int, ...]:
    """The speed mentors a mentee choosing may ask now: still taking part with a place
    free, not one who declined them, closed or whose partnership with them ended this
    round. Should none be left we do not know better than their match email, so all
    of their open matches are named (KEEP then refuses with a clear reason)."""
    person, round_ = found.person, found.round
    assert person.id is not None and round_ is not None and round_.id is not None
    ended = {
        p.mentor_id
        for p in uow.repo.pairings_of(person.id)
        if p.round_id == round_.id and not p.active
    }
    free = [
        o.number
        for o in free_mentors(uow, person, round_.id)
        if o.introduction.status is not IntroductionStatus.CLOSED and o.person.id not in ended
    ]
    return tuple(sorted(free or {i.number for i in found.introductions_as_mentee}))


def asking_to_decide(uow: UnitOfWork, person: Person) -> None:
    """The decide email being built offers KEEP and NONE, met or not (its footer is read
    from this unit of work's standing before the email is queued)."""
    found = standing(uow, person)
    found.asked_to_decide = True
    if found.may_keep and not found.keep_numbers:
        found.keep_numbers = _keep_numbers(uow, found)


def _asked_to_decide(uow: UnitOfWork, person_id: int, round_: Round) -> bool:
    """An email asking them to choose (the decide email, or a new choice after a
    departure or a late second chance) went to them in this round, or they already asked
    a mentor in it (a declined or expired request leaves them choosing again). Read only
    for a mentee choosing without a meeting logged: the rarer case."""
    if uow.repo.approaches_of_mentee(person_id, round_.id):
        return True
    began = round_.matches_sent_at
    for template in ASKING_TO_DECIDE:
        asked = uow.repo.latest_email(person_id, template)
        if asked is not None and (began is None or asked.created_at >= began):
            return True
    return False
