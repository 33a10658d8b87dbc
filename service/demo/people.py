"""The demo's synthetic participants: a grade pyramid across departments and professions.

Everything is drawn from one seeded `random.Random`, so a seed always gives the same
people. Grades, professions and characteristics come from the programme configuration;
departments are written the way people type them (aliases), which exercises the same
name matching real forms go through.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass

from service.config import ProgrammeConfig

# Roles and grades in the order people are created. Any prefix is a workable programme:
# mentees and mentors alternate, and every mentee grade has a mentor one or two rungs up
# early on (an AA mentee needs an AO or EO mentor, so an EO mentor comes before them).
PYRAMID: tuple[tuple[str, str], ...] = (
    ("Mentee", "EO"),
    ("Mentor", "SEO"),
    ("Mentee", "HEO"),
    ("Mentor", "G7"),
    ("Mentee", "EO"),
    ("Both", "SEO"),
    ("Mentee", "AO"),
    ("Mentor", "EO"),
    ("Mentee", "EO"),
    ("Mentor", "G6"),
    ("Mentee", "HEO"),
    ("Mentor", "SEO"),
    ("Mentee", "AA"),
    ("Both", "HEO"),
    ("Mentee", "EO"),
    ("Mentor", "G7"),
    ("Mentee", "SEO"),
    ("Mentor", "SCS1"),
    ("Mentee", "AO"),
    ("Mentor", "HEO"),
)

# How people write their department on the form, and their email domain.
DEPARTMENTS: tuple[tuple[str, str], ...] = (
    ("HMRC", "hmrc.gov.uk"),
    ("DWP", "dwp.gov.uk"),
    ("Home Office", "homeoffice.gov.uk"),
    ("MoJ", "justice.gov.uk"),
    ("Cabinet Office", "cabinetoffice.gov.uk"),
    ("DfE", "education.gov.uk"),
    ("Scottish Government", "gov.scot"),
    ("Welsh Government", "gov.wales"),
    ("NICS", "finance-ni.gov.uk"),
    ("ONS", "ons.gov.uk"),
    ("Defra", "defra.gov.uk"),
    ("DfT", "dft.gov.uk"),
    ("MOD", "mod.gov.uk"),
    ("FCDO", "fcdo.gov.uk"),
)

# Names from several cultures; pairs are drawn without repetition.
FIRST_NAMES: tuple[str, ...] = (
    "Alex",
    "Priya",
    "Sam",
    "Chidi",
    "Siobhan",
    "Mateusz",
    "Aisha",
    "Rhys",
    "Mei",
    "Kwame",
    "Eilidh",
    "Tomás",
    "Yusuf",
    "Niamh",
    "Arjun",
    "Zainab",
    "Ioana",
    "Kai",
    "Fatima",
    "Cerys",
    "Hamza",
    "Ngozi",
    "Oisín",
    "Leila",
    "Dev",
    "Hana",
    "Callum",
    "Amara",
    "Jamal",
    "Anya",
    "Rohan",
    "Morgan",
    "Efua",
    "Bartek",
    "Saoirse",
    "Ji-woo",
    "Tariq",
    "Olumide",
    "Gwen",
    "Ravi",
    "Chloé",
    "Darius",
    "Maryam",
    "Finn",
)
LAST_NAMES: tuple[str, ...] = (
    "Morgan",
    "Shah",
    "O'Neill",
    "Okafor",
    "Nowak",
    "Khan",
    "Evans",
    "Chen",
    "Mensah",
    "MacLeod",
    "García",
    "Ahmed",
    "Murphy",
    "Patel",
    "Hussain",
    "Popescu",
    "Williams",
    "Adeyemi",
    "Byrne",
    "Rahman",
    "Kowalski",
    "Nguyen",
    "Campbell",
    "Boateng",
    "Singh",
    "Jones",
    "Kaur",
    "Davies",
    "Ali",
    "Fraser",
    "Osei",
    "Dubois",
    "Hughes",
    "Lewis",
    "Kim",
    "Begum",
    "Thomas",
    "Costa",
    "Reid",
    "Bello",
)

JOB_TITLES = {
    "AA": "Administrative assistant",
    "AO": "Caseworker",
    "EO": "Team officer",
    "HEO": "Senior caseworker",
    "SEO": "Team leader",
    "G7": "Policy lead",
    "G6": "Head of team",
    "SCS1": "Deputy director",
}


@dataclass(frozen=True)
class Participant:
    """One synthetic person and how they fill in the registration form."""

    first_name: str
    last_name: str
    email: str
    roles: str  # as ticked on the form: "Mentor", "Mentee" or "Both"
    grade: str
    department: str  # as typed
    profession: str
    profession_of_interest: str
    long_term_capacity: int
    # Used only by the matcher; the demo never prints it.
    characteristic: str | None

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def mentors(self) -> bool:
        return self.roles in ("Mentor", "Both")

    @property
    def mentee(self) -> bool:
        return self.roles in ("Mentee", "Both")

    def answers(self, **changes: str) -> dict[str, str]:
        """The form as this person fills it in; `changes` replace or blank answers."""
        answers = {
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "roles": self.roles,
            "job_title": JOB_TITLES.get(self.grade, "Officer"),
            "department": self.department,
            "grade": self.grade,
            "profession": self.profession,
            "profession_of_interest": self.profession_of_interest,
            "wants_shared_characteristic": "Yes" if self.characteristic else "No",
            "characteristics": self.characteristic or "",
            "bio": (
                f"{self.first_name} works in {self.profession.lower()} at {self.department}"
                " and enjoys helping colleagues grow."
            ),
            "long_term_capacity": str(self.long_term_capacity) if self.mentors else "",
            "eligible": "Yes",
            "consent": "Yes",
        }
        answers.update(changes)
        return {k: v for k, v in answers.items() if v or k in changes}


def _local_part(first: str, last: str) -> str:
    """'Tomás O'Neill' -> 'tomas.oneill': how a mail system spells a name."""

    def plain(text: str) -> str:
        folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return "".join(c for c in folded.lower() if c.isalnum())

    return f"{plain(first)}.{plain(last)}"


def population(count: int, seed: int, config: ProgrammeConfig) -> list[Participant]:
    """`count` people, the same ones for the same seed."""
    rng = random.Random(seed)
    professions = [p for p in config.form.professions if p != "Other"]
    characteristics = [c for c in config.form.characteristics if c != "Other"]
    # Shuffled separately so first names repeat only once every name has been used.
    firsts, lasts = list(FIRST_NAMES), list(LAST_NAMES)
    rng.shuffle(firsts)
    rng.shuffle(lasts)
    people: list[Participant] = []
    used: set[str] = set()
    for index in range(count):
        roles, grade = PYRAMID[index % len(PYRAMID)]
        first = firsts[index % len(firsts)]
        last = lasts[(index + index // len(lasts)) % len(lasts)]
        department, domain = DEPARTMENTS[rng.randrange(len(DEPARTMENTS))]
        address = f"{_local_part(first, last)}@{domain}"
        while address in used:  # two people with one name in one department
            address = address.replace("@", f"{rng.randrange(2, 9)}@", 1)
        used.add(address)
        mentors = roles in ("Mentor", "Both")
        people.append(
            Participant(
                first_name=first,
                last_name=last,
                email=address,
                roles=roles,
                grade=grade,
                department=department,
                profession=rng.choice(professions),
                profession_of_interest=rng.choice(professions),
                long_term_capacity=(rng.choice((1, 1, 2)) if roles == "Mentor" else 1)
                if mentors
                else 0,
                characteristic=rng.choice(characteristics) if rng.random() < 0.3 else None,
            )
        )
    return people
