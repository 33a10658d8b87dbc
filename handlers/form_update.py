"""A form for an address already registered only proposes a change.

Anyone can fill in the form with someone else's address, so a form naming an existing
participant changes nothing: we email that participant the old and new values (never a
characteristic: at most that their answer about being matched on one changed) and apply
the form only when they reply CONFIRM to that email. At most
`[security] form_updates_per_address_per_day` such emails per address per day.
"""

from __future__ import annotations

from datetime import datetime

from handlers.common import email_to, grade_name
from service import clock
from service.bus import Context
from service.domain.model import Person, Registration
from service.errors import DomainError
from service.inbound import forms
from service.inbound.mime import parse_mail
from service.messages import Email
from service.purpose import Purpose, PurposeKind, of
from service.store.unit_of_work import UnitOfWork

TEMPLATE = "form_update_confirm"


def needs_confirmation(uow: UnitOfWork, person: Person | None, round_id: int) -> bool:
    """Would this form change someone who is already here?"""
    if person is None or person.erased or person.id is None:
        return False
    return uow.repo.registration(round_id, person.id) is not None


def _asked_today(uow: UnitOfWork, address: str, now: datetime, tz: str) -> int:
    return uow.repo.emails_to_since(address, clock.start_of_local_day(now, tz), template=TEMPLATE)


def _changes(
    person: Person, reg: Registration | None, data: forms.Registration, ctx: Context
) -> list[dict[str, str]]:
    pairs = [
        ("First name", person.first_name, data.first_name),
        ("Last name", person.last_name, data.last_name),
    ]
    if reg is not None:
        pairs += [
            (
                "Roles",
                ", ".join(sorted(r.value for r in reg.role_set)),
                ", ".join(sorted(r.value for r in data.roles)),
            ),
            ("Grade", grade_name(ctx.config, reg.grade), grade_name(ctx.config, data.grade)),
            ("Department", reg.department, data.department),
            ("Profession", reg.profession, data.profession or "Other"),
            ("Job title", reg.job_title, data.job_title),
            (
                "Profession of interest",
                reg.profession_of_interest or "",
                data.profession_of_interest or "",
            ),
            ("About you", reg.bio, data.bio),
        ]
    return [{"label": label, "old": old, "new": new} for label, old, new in pairs if old != new]


def ask(
    uow: UnitOfWork, person: Person, round_id: int, data: forms.Registration, ctx: Context, key: str
) -> list[Email]:
    """Email the registered person the proposed change; change nothing yet."""
    assert person.id is not None
    if _asked_today(uow, person.email, ctx.now, ctx.config.programme.timezone) >= (
        ctx.config.security.form_updates_per_address_per_day
    ):
        uow.audit("registration.update_limited", f"person:{person.id}")
        return []
    reg = uow.repo.registration(round_id, person.id)
    wanted = ",".join(data.characteristics) if data.wants_shared_characteristic else ""
    match_preference_changed = reg is not None and (
        reg.wants_shared_characteristic != data.wants_shared_characteristic
        or reg.characteristics != wanted
    )
    uow.audit("registration.update_proposed", f"person:{person.id}")
    return [
        email_to(
            person,
            TEMPLATE,
            key,
            uow,
            ctx,
            context={
                "changes": _changes(person, reg, data, ctx),
                "match_preference_changed": match_preference_changed,
            },
            purpose=of(PurposeKind.FORM_UPDATE, uow.inbound_id),
            automatic_answer=True,
        )
    ]


def proposed_form(
    uow: UnitOfWork, purpose: Purpose, person: Person, ctx: Context
) -> forms.FormResult:
    """The form a form-update token is about, read again from the stored raw message."""
    inbound = uow.repo.inbound(purpose.id) if purpose.id is not None else None
    result = None
    if inbound is not None and inbound.raw:
        mail = parse_mail(inbound.raw, ctx.config.limits.max_message_bytes)
        result = forms.parse_form_email(mail, ctx.config)
    if result is None or result.registration is None:
        raise DomainError("we no longer have the form you were asked about.")
    if result.registration.email.strip().lower() != person.email:
        raise DomainError("that form was for a different address.")
    return result
