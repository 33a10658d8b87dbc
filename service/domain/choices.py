"""Which speed-mentoring match a person means: "KEEP 2", "keep Priya", "keep zoe@dept.gov.uk".

Numbers are as listed in the person's match email. Names are compared without case or
accents; a first name is enough when only one of the matches has it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from service.domain.model import Introduction, Person
from service.errors import DomainError


@dataclass(frozen=True)
class Option:
    """One of the person's matches: the introduction, the other person in it, and the
    number it has in the person's own match email (a mentor's list of mentees is
    numbered separately from each mentee's list of mentors)."""

    introduction: Introduction
    person: Person
    number: int


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: 'Zoë  O’Neill' and 'zoe o'neill' agree."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def listing(options: Sequence[Option]) -> str:
    """'1 Priya Shah, 2 Sam O'Neill': for sentences that ask the person to choose again."""
    return ", ".join(f"{o.number} {o.person.name}" for o in options)


def choose(choice: str, options: Sequence[Option], *, what: str = "speed mentors") -> Option | None:
    """The option the person named, or None when they named an address we did not match
    them with (the caller decides what that means). Refuses a number or name that fits
    none of them, or a first name that fits several."""
    wanted = fold(choice).removeprefix("number ").strip(" .<>")
    if not options:
        raise DomainError(f"We have no {what} on record for you in this round.")
    if wanted.isdigit():
        for option in options:
            if option.number == int(wanted):
                return option
        raise DomainError(
            f"You do not have a number {wanted} among your {what}. They are: {listing(options)}."
        )
    if "@" in wanted:
        for option in options:
            if fold(option.person.email) == wanted:
                return option
        return None
    said = choice.title()  # the command reader lower-cases what it read
    full = [o for o in options if fold(o.person.name) == wanted]
    if len(full) == 1:
        return full[0]
    first = [o for o in options if fold(o.person.first_name) == wanted]
    if len(first) == 1:
        return first[0]
    if len(first) > 1 or len(full) > 1:
        raise DomainError(
            f"More than one of your {what} is called {said}. Please use their number"
            f" instead: {listing(options)}."
        )
    raise DomainError(
        f"None of your {what} is called {said}. Please use their number instead:"
        f" {listing(options)}."
    )
