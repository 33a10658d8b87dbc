"""How one participant is shown to another: the one place that decides it.

Match emails, requests, acceptances, partners' notices and reminders all show the other
person through `participant_card`. It copies a fixed list of fields, never the
registration as a whole, so a characteristic (or whether someone asked to be matched on
one) cannot reach another person, whatever is added to the form later. Someone's own data
(STATUS, MY DATA) is theirs and is built elsewhere.
"""

from __future__ import annotations

from service.config import ProgrammeConfig
from service.domain.model import Person, Registration

CARD_FIELDS = ("name", "first_name", "email", "grade_name", "department", "profession", "bio")
"""Everything another participant may see about someone (bio: their own words, written
to be shown to a match)."""


def participant_card(
    person: Person, registration: Registration | None, config: ProgrammeConfig
) -> dict[str, str]:
    """`person` as their match or partner sees them: `CARD_FIELDS`, from their registration
    in that round (None when there is none: then only names and address)."""
    reg = registration
    return {
        "name": person.name,
        "first_name": person.first_name,
        "email": person.email,
        "grade_name": config.vocabulary.grade_names.get(reg.grade, reg.grade) if reg else "",
        "department": reg.department if reg else "",
        "profession": reg.profession if reg else "",
        "bio": reg.bio if reg else "",
    }
