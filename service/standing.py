"""A person's standing in the programme, and the commands open to them now.

Shared by the handlers (email footers, HELP, STATUS) and the pipeline (problem answers),
so every email lists the same commands for the same situation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from service.domain.model import (
    Approach,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.store.unit_of_work import UnitOfWork

Commands = list[tuple[str, str]]


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

    @property
    def registered(self) -> bool:
        return self.registration is not None and self.registration.active

    @property
    def mentee_pairing(self) -> Pairing | None:
        return next((p for p in self.pairings if p.mentee_id == self.person.id), None)

    @property
    def mentor_pairings(self) -> list[Pairing]:
        return [p for p in self.pairings if p.mentor_id == self.person.id]


def standing(uow: UnitOfWork, person: Person) -> Standing:
    """Read once per unit of work while nothing changes (see `UnitOfWork.remember`)."""
    assert person.id is not None
    return uow.remember(("standing", person.id), lambda: _read_standing(uow, person))


def _read_standing(uow: UnitOfWork, person: Person) -> Standing:
    assert person.id is not None
    round_ = uow.repo.latest_round_for(person.id)
    registration = uow.repo.registration(round_.id, person.id) if round_ and round_.id else None
    intros = uow.repo.introductions_of(person.id, round_.id) if round_ and round_.id else []
    # Proposed introductions are not yet known to anyone; closed ones are over.
    visible = [
        i
        for i in intros
        if i.status not in (IntroductionStatus.PROPOSED, IntroductionStatus.CLOSED)
    ]
    return Standing(
        person=person,
        round=round_,
        registration=registration,
        introductions_as_mentee=[i for i in visible if i.mentee_id == person.id],
        introductions_as_mentor=[i for i in visible if i.mentor_id == person.id],
        pending_approach=uow.repo.pending_approach(person.id),
        approaches_to_answer=list(uow.repo.pending_approaches_to(person.id)),
        pairings=list(uow.repo.active_pairings_of(person.id)),
    )


def available_commands(s: Standing) -> Commands:
    """The commands that make sense for this person at this moment (email footers, HELP)."""
    commands: Commands = []
    reg = s.registration
    if reg is not None and reg.status is RegistrationStatus.PENDING_CONFIRMATION:
        commands.append(("CONFIRM", "confirm that it was you who registered"))
    if s.approaches_to_answer:
        commands.append(("ACCEPT", "agree to be the long-term mentor of the mentee who asked"))
        commands.append(("DECLINE", "say no, kindly, so they can ask someone else"))
    if s.pending_approach is not None:
        commands.append(("WITHDRAW REQUEST", "take back your request to your chosen mentor"))
    elif s.introductions_as_mentee and s.mentee_pairing is None and reg is not None and reg.active:
        commands.append(("KEEP 1, 2 or 3", "ask that speed mentor to be your long-term mentor"))
        commands.append(("NONE", "you do not want a long-term mentor this time"))
    if s.introductions_as_mentor and not s.pairings:
        commands.append(("NOT CONTACTED", "a mentee we matched you with has not been in touch"))
    if s.pairings:
        commands.append(("MET 45 mins 12/03", "log a meeting: how long, and when"))
        commands.append(("CONTINUE", "keep your mentoring going for another year"))
        commands.append(("NOT RESPONDING", "your mentoring partner has gone quiet"))
        commands.append(("UNPAIR", "end the mentoring pairing, without blame"))
    if s.registered:
        commands.append(("WITHDRAW", "leave this round of the programme"))
    commands += [
        ("STATUS", "what we hold about your place in the programme"),
        ("HELP", "the commands you can send"),
        ("MY DATA", "a copy of everything we hold about you"),
        ("DELETE MY DATA", "erase your personal data"),
    ]
    return commands
