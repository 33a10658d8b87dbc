"""What the speed-mentoring rules read about one round: its introductions that went out,
the long-term requests made in it, and which mentees are already paired."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.config import ProgrammeConfig
from service.domain import timeline
from service.domain.model import Approach, Introduction, IntroductionStatus, Round
from service.store.unit_of_work import UnitOfWork


@dataclass
class RoundFacts:
    round: Round
    introductions: list[Introduction]
    approaches: list[Approach]
    paired_mentees: set[int]

    def about(self, mentee_id: int, now: datetime, config: ProgrammeConfig) -> dict[str, Any]:
        """The keyword arguments the timeline's speed-mentoring rules take for a mentee."""
        return {
            "introductions": self.introductions,
            "approaches": self.approaches,
            "has_pairing": mentee_id in self.paired_mentees,
            "now": now,
            "config": config,
        }

    def live_introductions(self, mentee_id: int) -> list[Introduction]:
        """The mentee's introductions they can still act on."""
        return [
            i
            for i in self.introductions
            if i.mentee_id == mentee_id and i.status in timeline.LIVE_INTRODUCTIONS
        ]


def per_person(facts: RoundFacts) -> dict[int, RoundFacts]:
    """The round's facts cut per person, as `person_round_facts` reads them: each person's
    own introductions and the requests they made or were asked, in the round's order.
    Asking a rule of one person's cut gives its answer on the whole round (the rules
    look at nothing else) without scanning every introduction for every person."""
    intros: dict[int, list[Introduction]] = {}
    for i in facts.introductions:
        intros.setdefault(i.mentee_id, []).append(i)
        if i.mentor_id != i.mentee_id:
            intros.setdefault(i.mentor_id, []).append(i)
    asked: dict[int, list[Approach]] = {}
    for a in facts.approaches:
        asked.setdefault(a.mentee_id, []).append(a)
        if a.mentor_id != a.mentee_id:
            asked.setdefault(a.mentor_id, []).append(a)
    return {
        pid: RoundFacts(
            facts.round,
            intros.get(pid, []),
            asked.get(pid, []),
            {pid} & facts.paired_mentees,
        )
        for pid in intros.keys() | asked.keys()
    }


def round_facts(uow: UnitOfWork, round_: Round) -> RoundFacts:
    assert round_.id is not None
    intros = [
        i for i in uow.repo.introductions(round_.id) if i.status is not IntroductionStatus.PROPOSED
    ]
    asked = list(uow.repo.approaches_in(round_.id))
    paired = {p.mentee_id for p in uow.repo.all_active_pairings()}
    return RoundFacts(round_, intros, asked, paired)


def person_round_facts(uow: UnitOfWork, round_: Round, person_id: int) -> RoundFacts:
    """The round's facts as far as one person goes: their own introductions and the
    requests they made or were asked, and whether they are a paired mentee. What each
    speed-mentoring rule asks of one person (`service.domain.timeline`) looks at nothing
    else, so one transaction reads a few rows instead of the whole round."""
    assert round_.id is not None
    intros = sorted(
        (
            i
            for i in uow.repo.introductions_of(person_id, round_.id)
            if i.status is not IntroductionStatus.PROPOSED
        ),
        key=lambda i: i.id or 0,  # in the order `round_facts` reads them
    )
    made = uow.repo.approaches_of_mentee(person_id, round_.id)
    asked = [a for a in uow.repo.approaches_to(person_id) if a.round_id == round_.id]
    mine = sorted({a.id: a for a in [*made, *asked]}.values(), key=lambda a: a.id or 0)
    paired = {
        p.mentee_id for p in uow.repo.active_pairings_of(person_id) if p.mentee_id == person_id
    }
    return RoundFacts(round_, intros, mine, paired)


def live_rounds(uow: UnitOfWork, now: datetime, config: ProgrammeConfig) -> list[Round]:
    """Rounds whose speed-mentoring stage may still have something due."""
    t = config.timings
    horizon = timeline.days(t.speed_window + t.decide_reminder_after + 1)
    live = []
    for r in uow.repo.rounds():
        if r.id is None:
            continue
        sent = uow.repo.first_introduction_sent_at(r.id)
        if sent is not None and now < sent + horizon:
            live.append(r)
    return live
