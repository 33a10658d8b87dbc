"""MY DATA and DELETE MY DATA: the person's data rights, by email.

MY DATA answers with a readable summary and the complete record as a JSON attachment.
DELETE MY DATA is two steps, because it cannot be undone: we ask first (`erasure_confirm`,
whose reply token carries the purpose ERASURE), and only a "yes" or DELETE MY DATA sent
in answer to that question erases. The people concerned are told before anything is
blanked; `erasure_done` goes to the address captured before erasure.
A coordinator (the CLI's `person erase EMAIL --yes`) erases directly.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from handlers.common import answer_key, email_to
from handlers.withdraw import carry_out, departure_of, preview
from service import privacy
from service.bus import CommandRequest, Context
from service.domain import rules
from service.domain.model import EndReason, Person
from service.email_command import EmailCommand
from service.messages import Attachment, Email, Recipient
from service.purpose import Purpose, PurposeKind
from service.store.unit_of_work import UnitOfWork

ERASURE_PURPOSE = Purpose(PurposeKind.ERASURE)


def _confirm_within(ctx: Context) -> timedelta:
    """How long a "yes" to the erasure question counts ([limits] erasure_confirm_days).
    Older answers get the question again."""
    return timedelta(days=ctx.config.limits.erasure_confirm_days)


def my_data(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    rules.ensure_active_person(person)
    export = privacy.export_person(uow, person)
    export["exported_at"] = ctx.now.isoformat()
    data = json.dumps(export, indent=2, ensure_ascii=False).encode("utf-8")
    uow.audit("person.exported", f"person:{person.id}", actor=f"person:{person.id}")
    summary = email_to(
        person,
        "data_export",
        answer_key(request, "my-data"),
        uow,
        ctx,
        context={
            "attachment_name": privacy.EXPORT_FILENAME,
            "sections": privacy.summary_sections(export, ctx.config),
        },
        request=request,
    )
    attachment = Attachment(privacy.EXPORT_FILENAME, "application/json", data)
    return [replace(summary, attachments=(attachment,))]


def _asked_recently(uow: UnitOfWork, person: Person, ctx: Context) -> bool:
    """Did we ask this person the erasure question recently enough?"""
    assert person.id is not None
    asked = uow.repo.latest_email(person.id, "erasure_confirm")
    return asked is not None and ctx.now - asked.created_at <= _confirm_within(ctx)


def delete_my_data(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    rules.ensure_active_person(person)
    confirmed = request.coordinator is not None or (
        request.about.kind is PurposeKind.ERASURE and _asked_recently(uow, person, ctx)
    )
    if not confirmed:
        return [ask(request, uow, ctx)]
    return erase(request, uow, ctx)


def ask(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> Email:
    person = request.person
    plan = departure_of(uow, person, None)
    uow.audit("person.erasure_asked", f"person:{person.id}", actor=f"person:{person.id}")
    return email_to(
        person,
        "erasure_confirm",
        answer_key(request, "erasure-confirm"),
        uow,
        ctx,
        context={
            "ends": preview(uow, person, plan),
            "confirm_by": ctx.now + _confirm_within(ctx),
        },
        purpose=ERASURE_PURPOSE,
        request=request,
    )


def erase(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    """End everything with notices, then anonymise; the last email goes to the old address."""
    person = request.person
    assert person.id is not None
    address, first_name = person.email, person.first_name
    plan = departure_of(uow, person, None)
    leaving = carry_out(uow, person, plan, EndReason.DATA_ERASED, ctx)
    privacy.erase_person(uow, person, ctx.now)
    if request.coordinator is None and uow.inbound_id is not None:
        privacy.blank_inbound(uow, uow.inbound_id)  # the request itself names them too
    done = Email(
        key=f"erasure-done:{person.id}",
        template="erasure_done",
        # No person id: the erased person gets no token and nothing to act on.
        to=Recipient(address=address),
        context={
            "person": {"first_name": first_name, "last_name": "", "email": address},
            "commands": [],
        },
        **({} if request.coordinator else request.thread.reply_headers()),
    )
    return [*leaving.notices, done]


MY_DATA: EmailCommand = EmailCommand(
    verb="my_data",
    spellings=("my data",),
    handler=my_data,
    shown="MY DATA",
    help="a copy of everything we hold about you",
    always_offered=True,
)
DELETE_MY_DATA: EmailCommand = EmailCommand(
    verb="delete_my_data",
    spellings=("delete my data", "erase my data"),
    handler=delete_my_data,
    shown="DELETE MY DATA",
    help="erase your personal data",
    destructive=True,
    ends_something=True,
    asks_first=True,
    always_offered=True,
    yes_to=frozenset({PurposeKind.ERASURE}),
)
