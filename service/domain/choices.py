"""Which speed-mentoring match a person means: "KEEP 2", "keep Priya", "keep zoe@dept.gov.uk".

Numbers are as listed in the person's match email. Names are compared without case or
accents; a first name is enough when only one of the matches has it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from service.domain.model import Introduction, IntroductionStatus, Person
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


def quiet_mentees(
    options: Sequence[Option], named: Sequence[Option], asked: Collection[int]
) -> list[Option]:
    """The speed mentees a mentor's NOT CONTACTED is about: the ones they named, or else
    every mentee who has neither met them nor asked them (`asked`: mentee ids with a
    request waiting). Refuses a mentee already met, and says so when nobody is left."""
    if named:
        candidates = list(named)
    else:
        candidates = [
            o
            for o in options
            if o.introduction.status is IntroductionStatus.SENT and o.person.id not in asked
        ]
    for option in candidates:
        if option.introduction.status is not IntroductionStatus.SENT:
            raise DomainError(
                f"We have already recorded that you met {option.person.name}, so we have"
                " changed nothing. If that is wrong, just reply in your own words and a"
                " coordinator will correct it."
            )
    if not candidates:
        raise DomainError(
            "All the mentees we introduced you to have already been in touch, as far as we"
            " know, so we have changed nothing."
        )
    return candidates


def session_match(choice: str | None, options: Sequence[Option]) -> Option:
    """The speed match a MET is about: the one named, else the only match, else the only
    one still waiting for its session. Refuses when that cannot be told."""
    if choice:
        chosen = choose(choice, options, what="speed-mentoring matches")
        if chosen is None:
            raise DomainError(
                f"{choice} is not one of your speed-mentoring matches. Reply MET with the"
                f" number from your match email: {listing(options)}."
            )
        return chosen
    waiting = [o for o in options if o.introduction.status is IntroductionStatus.SENT]
    if len(options) == 1:
        return options[0]
    if len(waiting) == 1:
        return waiting[0]
    raise DomainError(
        "We could not tell which of your speed-mentoring matches you met. Reply MET"
        f" with their number from your match email, for example MET 1: {listing(options)}."
    )
