"""How a coordinator's corrections by email are read (PAIR, REOPEN, NOTE, EDIT MEETING, ...).

Each reader is an `ArgumentParser` for its `EmailCommand`. They read only a coordinator's
mail: from anyone else the line is not a command at all (None), so a participant who
starts a sentence with "Note" or "Pair" is read as writing in their own words.

    PAIR mentor@… mentee@…          REOPEN someone@… [partner@…]
    NOTE someone@… [partner@…] text EDIT MEETING someone@… 2 [45 mins] [12/03]
    DELETE MEETING someone@… 2      RESEND someone@… matches_mentee
    REINSTATE someone@…
"""

from __future__ import annotations

import re

from service.inbound.commands import Command, Words, _duration
from service.inbound.dates import parse_date

_ADDRESS = re.compile(r"<?([^@\s<>]+@[^@\s<>]+\.[^@\s<>]+?)>?(?=\s|$)")


def _addresses(text: str, most: int) -> tuple[list[str], str]:
    """Up to `most` addresses at the start of `text`, and what follows them."""
    found: list[str] = []
    rest = text.strip()
    while len(found) < most:
        match = _ADDRESS.match(rest)
        if match is None:
            break
        found.append(match.group(1).lower())
        rest = rest[match.end() :].strip()
    return found, rest


def _original(words: Words, rest: str) -> str:
    """`rest` (read lower-cased) as the coordinator wrote it."""
    found = re.search(re.escape(rest), words.line, re.I) if rest else None
    return found.group(0) if found else rest


def two_people(words: Words) -> Command | str | None:
    """PAIR mentor@… mentee@…; REOPEN someone@… [partner@…]."""
    if not words.coordinator:
        return None
    people, rest = _addresses(words.rest, 2)
    if not people or rest:
        return f"Write {words.verb.upper()} then the participants' addresses."
    if words.verb == "pair" and len(people) != 2:
        return "Write PAIR, the mentor's address, then the mentee's address."
    return Command(words.verb, target=people[0], choice=people[1] if len(people) > 1 else None)


def note(words: Words) -> Command | str | None:
    """NOTE someone@… [partner@…] the note's words."""
    if not words.coordinator:
        return None
    people, rest = _addresses(words.rest, 2)
    if not people or not rest:
        return "Write NOTE, the participant's address (and their partner's), then the note."
    other = people[1] if len(people) > 1 else None
    return Command(words.verb, target=people[0], choice=other, note=_original(words, rest))


def meeting_number(words: Words) -> Command | str | None:
    """DELETE MEETING someone@… N, or EDIT MEETING someone@… N [length] [day]."""
    if not words.coordinator:
        return None
    people, rest = _addresses(words.rest, 1)
    number, _, change = rest.partition(" ")
    if not people or not number.isdigit():
        return (
            f"Write {words.verb.replace('_', ' ').upper()}, the participant's address, then"
            " the meeting's number as their STATUS lists it."
        )
    if words.verb == "delete_meeting":
        return None if change else Command(words.verb, target=people[0], choice=number)
    minutes, leftover = _duration(change.strip())
    on = parse_date(leftover, words.today, future=False) if leftover else None
    if leftover and on is None:
        return f"We could not read “{leftover}” as the day of the meeting."
    if minutes is None and on is None:
        return "Write the meeting's new length (45 mins), its day (12/03), or both."
    return Command(words.verb, target=people[0], choice=number, minutes=minutes, on=on)


def person_and_name(words: Words) -> Command | str | None:
    """RESEND someone@… the email's name (as their STATUS lists it)."""
    if not words.coordinator:
        return None
    people, rest = _addresses(words.rest, 1)
    if not people or not re.fullmatch(r"[a-z_ ]+", rest):
        return "Write RESEND, the participant's address, then the email's name."
    return Command(words.verb, target=people[0], choice=rest)


def person(words: Words) -> Command | str | None:
    """REINSTATE someone@…."""
    if not words.coordinator:
        return None
    people, rest = _addresses(words.rest, 1)
    if not people or rest:
        return f"Write {words.verb.upper()} then the participant's address."
    return Command(words.verb, target=people[0])
