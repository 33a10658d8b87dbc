"""Turning a validated form (from email or a spreadsheet import) into a registration.

One mechanism for both ways in, so the CSV import applies exactly the rules the form
handler does.
"""

from __future__ import annotations

from datetime import datetime

from service.config import ProgrammeConfig
from service.domain.model import Person, Registration, RegistrationStatus, Role
from service.inbound import forms
from service.store.unit_of_work import UnitOfWork


def apply_form(
    reg: Registration, data: forms.Registration, config: ProgrammeConfig, now: datetime
) -> None:
    reg.roles = ",".join(sorted(r.value for r in data.roles))
    reg.grade = data.grade
    reg.department = data.department
    reg.profession = data.profession or "Other"
    reg.job_title = data.job_title
    reg.profession_of_interest = data.profession_of_interest
    # Special-category data only when the person asked to be matched on it.
    reg.wants_shared_characteristic = data.wants_shared_characteristic
    reg.characteristics = ",".join(data.characteristics) if data.wants_shared_characteristic else ""
    reg.bio = data.bio
    cap = config.capacity
    if Role.MENTOR in reg.role_set:
        offered = data.long_term_capacity or cap.mentor_long_term_default
        reg.long_term_capacity = min(offered, cap.mentor_long_term_max)
    else:
        reg.long_term_capacity = 0
    reg.speed_capacity = cap.mentor_introductions
    reg.updated_at = now


def upsert_registration(
    uow: UnitOfWork, round_id: int, data: forms.Registration, config: ProgrammeConfig, now: datetime
) -> tuple[Person, Registration, bool]:
    """Create or update the person and their registration. Returns (person, reg, updated)."""
    person = uow.repo.person_by_email(data.email)
    if person is None:
        person = Person(
            email=data.email.strip().lower(),
            first_name=data.first_name,
            last_name=data.last_name,
            created_at=now,
        )
        uow.add(person)
    else:
        person.first_name, person.last_name = data.first_name, data.last_name
    uow.flush()
    assert person.id is not None
    reg = uow.repo.registration(round_id, person.id)
    updating = reg is not None
    if reg is None:
        reg = Registration(
            round_id=round_id,
            person_id=person.id,
            roles="",
            grade=data.grade,
            department=data.department,
            profession="",
            created_at=now,
        )
        uow.add(reg)
    apply_form(reg, data, config, now)
    uow.flush()
    return person, reg, updating


def registration_context(reg: Registration, config: ProgrammeConfig) -> dict[str, object]:
    """What the registration emails show about a registration (never a characteristic)."""
    return {
        "roles": sorted(r.value for r in reg.role_set),
        "grade_name": config.vocabulary.grade_names.get(reg.grade, reg.grade),
        "department": reg.department,
        "profession": reg.profession,
        "confirmed": reg.status is RegistrationStatus.CONFIRMED,
    }
