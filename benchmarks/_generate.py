"""Seeded synthetic rounds with a realistic shape, for benchmarks (and shared tooling).

By default a round of N people is 62.5 % mentees and 37.5 % mentors (the 2022 round had
610 mentees and 371 mentors). Grades follow a pyramid: mentees are mostly AO to HEO,
mentors mostly HEO to Grade 6 with some SCS. Departments, professions and
characteristics come from the programme configuration, weighted so a few big
departments (HMRC, DWP, MoD) and professions (Operational Delivery, Policy, Digital)
dominate, as in the Civil Service. About 8 % of people register as both mentor and
mentee (they can never be matched with themselves: those pairs are forbidden).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from service.config import ProgrammeConfig, load_config
from service.matching import MatchProblem, MatchRules, Mentee, Mentor

# Share of mentees / mentors per grade code (missing codes get 0).
MENTEE_GRADES = {"AA": 6, "AO": 20, "EO": 27, "HEO": 22, "SEO": 14, "G7": 9, "G6": 2}
MENTOR_GRADES = {
    "AO": 2,
    "EO": 6,
    "HEO": 13,
    "SEO": 19,
    "G7": 25,
    "G6": 17,
    "SCS1": 11,
    "SCS2": 5,
    "SCS3": 2,
}
BIG_DEPARTMENTS = {
    "HM Revenue and Customs": 14,
    "Department for Work and Pensions": 14,
    "Ministry of Defence": 9,
    "Ministry of Justice": 8,
    "Home Office": 7,
    "Cabinet Office": 5,
}
BIG_PROFESSIONS = {
    "Operational Delivery": 25,
    "Policy": 14,
    "Digital, Data and Technology": 10,
    "Project Delivery": 6,
    "Finance": 5,
    "Human Resources": 5,
    "Tax": 5,
}
CHARACTERISTIC_WEIGHTS = {
    "Lesbian": 10,
    "Gay": 30,
    "Bisexual": 20,
    "Pansexual": 5,
    "Asexual": 4,
    "Queer": 8,
    "Trans": 6,
    "Non-binary": 6,
    "Intersex": 1,
    "Other": 3,
}


@dataclass(frozen=True)
class Person:
    """What a form gives us, kept for the comparison benchmark (names are synthetic)."""

    id: int
    email: str
    grade_rank: int
    department: str
    profession: str
    profession_of_interest: str | None
    characteristics: tuple[str, ...]
    wants_characteristic: bool


@dataclass(frozen=True)
class GeneratedRound:
    problem: MatchProblem
    mentee_people: tuple[Person, ...]
    mentor_people: tuple[Person, ...]
    grade_codes: tuple[str, ...]


def _weights(names: tuple[str, ...], big: dict[str, int], base: int = 1) -> list[int]:
    return [big.get(n, base) for n in names]


def generate_round(
    people: int,
    seed: int = 1,
    config: ProgrammeConfig | None = None,
    *,
    mentor_share: float = 0.375,
    mentor_capacity: int | None = None,
) -> GeneratedRound:
    """A round of ``people`` participants; ``mentor_share`` of them mentors (the rest
    mentees). ``mentor_capacity`` overrides the configured introductions per mentor (a
    scarce round: fewer mentors, or fewer places each)."""
    config = config or load_config()
    rng = random.Random(seed)
    codes = tuple(g.code for g in config.grades)
    departments = tuple(d.name for d in config.departments)
    professions = tuple(p for p in config.form.professions if p != "Other")
    characteristics = tuple(config.form.characteristics)
    dept_w = _weights(departments, BIG_DEPARTMENTS, 2)
    prof_w = _weights(professions, BIG_PROFESSIONS, 1)
    char_w = _weights(characteristics, CHARACTERISTIC_WEIGHTS, 1)
    mentee_w = [MENTEE_GRADES.get(c, 0) for c in codes]
    mentor_w = [MENTOR_GRADES.get(c, 0) for c in codes]

    n_mentors = round(people * mentor_share)
    n_mentees = people - n_mentors
    both = int(0.08 * n_mentees)

    def person(pid: int, grade_w: list[int]) -> Person:
        chars = set(rng.choices(characteristics, char_w, k=rng.choice([1, 1, 2])))
        poi = rng.choices(professions, prof_w)[0] if rng.random() < 0.75 else None
        return Person(
            id=pid,
            email=f"person{pid}@example.gov.uk",
            grade_rank=rng.choices(range(len(codes)), grade_w)[0],
            department=rng.choices(departments, dept_w)[0],
            profession=rng.choices(professions, prof_w)[0],
            profession_of_interest=poi,
            characteristics=tuple(sorted(chars)),
            wants_characteristic=rng.random() < 0.4,
        )

    mentee_people = [person(i + 1, mentee_w) for i in range(n_mentees)]
    mentor_people = [person(n_mentees + j + 1, mentor_w) for j in range(n_mentors)]
    # Some mentees also mentor: the same person (same email, grade, department).
    min_mentor = codes.index(config.eligibility.minimum_mentor_grade)
    forbidden: set[tuple[int, int]] = set()
    candidates = [p for p in mentee_people if p.grade_rank >= min_mentor]
    for k, mentee in enumerate(rng.sample(candidates, min(both, len(candidates)))):
        slot = k % n_mentors
        old = mentor_people[slot]
        mentor_people[slot] = Person(
            id=old.id,
            email=mentee.email,
            grade_rank=mentee.grade_rank,
            department=mentee.department,
            profession=mentee.profession,
            profession_of_interest=None,
            characteristics=mentee.characteristics,
            wants_characteristic=False,
        )
        forbidden.add((old.id, mentee.id))

    cap_mentee = config.capacity.mentee_introductions
    cap_mentor = mentor_capacity or config.capacity.mentor_introductions
    mentees = [
        Mentee(
            id=p.id,
            grade_rank=p.grade_rank,
            department=p.department,
            profession=p.profession,
            profession_of_interest=p.profession_of_interest,
            characteristics=frozenset(p.characteristics),
            wants_characteristic=p.wants_characteristic,
            max_mentors=cap_mentee,
        )
        for p in mentee_people
    ]
    mentors = [
        Mentor(
            id=p.id,
            grade_rank=p.grade_rank,
            department=p.department,
            profession=p.profession,
            characteristics=frozenset(p.characteristics),
            capacity=cap_mentor,
        )
        for p in mentor_people
    ]
    problem = MatchProblem.build(
        mentees, mentors, MatchRules.from_config(config), forbidden=forbidden
    )
    return GeneratedRound(problem, tuple(mentee_people), tuple(mentor_people), codes)
