"""Registration (from the form) and CONFIRM (the double opt-in).

Registration is only open inside a round's window. The same address registering twice
updates the registration and says so. Every new registration is confirmed by its owner
replying CONFIRM (or "yes"): the form could have been filled in for someone else.
"""

from __future__ import annotations

from handlers import form_update
from handlers.common import answer_key, email_to
from service import clock
from service.bus import CommandRequest, Context, FormRequest
from service.config import ProgrammeConfig
from service.domain import rules, timeline
from service.domain.model import RegistrationStatus, Role
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound import forms
from service.interest_list import leave_footer
from service.messages import Email, Recipient
from service.purpose import GENERAL, PurposeKind, of
from service.registration import registration_context, upsert_registration
from service.store.records import InterestEntry
from service.store.unit_of_work import UnitOfWork


def _round_context(uow: UnitOfWork, round_id: int, config: ProgrammeConfig) -> dict[str, object]:
    round_ = uow.repo.round(round_id)
    assert round_ is not None
    return timeline.round_context(round_, config)


def _to_address(
    address: str,
    template: str,
    key: str,
    context: dict[str, object],
    commands: list[tuple[str, str]] | None = None,
    first_name: str = "",
) -> Email:
    """An answer to someone who is not (yet) a participant: no token, so `commands` holds
    only what works without one (leaving the interest list). Greeted by the first name
    the form gave, if it gave one."""
    return Email(
        key=key,
        template=template,
        to=Recipient(address=address),
        context={
            "person": {"first_name": first_name, "last_name": "", "email": address},
            "commands": commands or [],
            **context,
        },
        automatic_answer=True,
    )


def register(request: FormRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    form = request.form
    msg = request.thread.message_id or "-"
    round_ = uow.repo.round_open_at(ctx.now)
    if form.registration is None:
        if form.contact is None:
            return []  # nobody to tell: the raw message stays for the coordinators
        return [
            _to_address(
                form.contact,
                "registration_problems",
                f"registration-problems:{msg}",
                {"problems": list(form.problems), "round": _round_or_none(round_)},
                first_name=form.first_name,
            )
        ]
    data = form.registration
    if round_ is None:
        return [_closed(uow, data, ctx, msg)]
    try:
        rules.ensure_roles_allowed(
            {Role(r.value) for r in data.roles}, data.grade, ctx.config.vocabulary
        )
    except DomainError as refusal:
        return [
            _to_address(
                data.email,
                "registration_problems",
                f"registration-problems:{msg}",
                {"problems": [str(refusal)], "round": _round_or_none(round_)},
                first_name=data.first_name,
            )
        ]
    assert round_.id is not None
    existing = uow.repo.person_by_email(data.email)
    if not request.confirmed and form_update.needs_confirmation(uow, existing, round_.id):
        assert existing is not None
        return form_update.ask(uow, existing, round_.id, data, ctx, f"form-update:{msg}")
    person, reg, updating = upsert_registration(uow, round_.id, data, ctx.config, ctx.now)
    if reg.status is RegistrationStatus.WITHDRAWN:
        reg.status = RegistrationStatus.PENDING_CONFIRMATION
        reg.withdrawn_at = None
    uow.flush()
    uow.audit(
        "registration.updated" if updating else "registration.created",
        f"registration:{reg.id}",
        {"roles": reg.roles, "status": reg.status.value},
        actor=f"person:{person.id}",
    )
    context = {
        "registration": registration_context(reg, ctx.config),
        "round": _round_context(uow, round_.id, ctx.config),
    }
    if updating:
        template, key = "registration_updated", f"registration-updated:{msg}"
    else:
        template, key = "confirm_address", f"confirm-address:{reg.id}"
    pending = reg.status is RegistrationStatus.PENDING_CONFIRMATION
    purpose = of(PurposeKind.REGISTRATION, reg.id) if pending else GENERAL
    return [email_to(person, template, key, uow, ctx, context=context, purpose=purpose)]


def _round_or_none(round_: object) -> dict[str, object] | None:
    from service.domain.model import Round

    if isinstance(round_, Round):
        return {"name": round_.name, "closes_on": round_.closes_at}
    return None


def _closed(uow: UnitOfWork, data: forms.Registration, ctx: Context, msg: str) -> Email:
    next_round = uow.repo.next_round_after(ctx.now)
    listed = False
    if data.interest_list:
        if uow.repo.interest_entry(data.email) is None:
            uow.add(InterestEntry(email=data.email.lower(), added_at=clock.now()))
        listed = True
    return _to_address(
        data.email,
        "registrations_closed",
        f"registrations-closed:{msg}",
        {
            "next_round_opens": next_round.opens_at if next_round else None,
            "on_interest_list": listed,
        },
        leave_footer(ctx.commands) if listed else [],
        data.first_name,
    )


def confirm(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    if request.about.kind is PurposeKind.FORM_UPDATE:
        # CONFIRM to "please confirm the changes": apply the form it was about.
        form = form_update.proposed_form(uow, request.about.purpose, person, ctx)
        uow.audit("registration.update_confirmed", f"person:{person.id}")
        return register(FormRequest(form, request.thread, confirmed=True), uow, ctx)
    round_ = uow.repo.latest_round_for(person.id)
    reg = uow.repo.registration(round_.id, person.id) if round_ and round_.id else None
    if reg is None:
        raise DomainError("We do not have a registration for you to confirm.")
    changed = rules.confirm_registration(reg, ctx.now)
    assert round_ is not None and round_.id is not None
    if not changed:
        return [
            email_to(
                person,
                "already_done",
                answer_key(request, "confirm"),
                uow,
                ctx,
                request=request,
                context={
                    "what_short": "your address is confirmed",
                    "command": "CONFIRM",
                    "what": "you have already confirmed your registration.",
                },
                automatic_answer=True,
            )
        ]
    uow.audit("registration.confirmed", f"registration:{reg.id}", actor=f"person:{person.id}")
    context = {
        "registration": registration_context(reg, ctx.config),
        "round": _round_context(uow, round_.id, ctx.config),
    }
    return [
        email_to(
            person,
            "registration_received",
            f"registration-received:{reg.id}",
            uow,
            ctx,
            context=context,
            request=request,
        )
    ]


CONFIRM: EmailCommand = EmailCommand(
    verb="confirm",
    spellings=("confirm",),
    handler=confirm,
    shown="CONFIRM",
    help="confirm that it was you who registered",
    answer_help="go ahead",
    available=lambda s: s.pending_confirmation,
    always_offered=True,
    yes_to=frozenset(
        {
            PurposeKind.REGISTRATION,
            PurposeKind.CONFIRM,
            PurposeKind.COORDINATOR,
            PurposeKind.FORM_UPDATE,
        }
    ),
)
