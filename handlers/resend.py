"""RESEND: a coordinator sends a participant one of our emails again ("I never got it").

From the coordinators only (`RESEND someone@… matches_mentee` from a verified coordinator
address, or `mentoring person resend`). The email's name is as the person's story lists
it; their latest email of that name goes again, as a new message under a key that names
the resend (`service.mail.resend`): the only way the same email is sent twice.
"""

from __future__ import annotations

import re

from handlers.correcting import answer, record
from service import corrections
from service.bus import CommandRequest, Context
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound.coordinator_args import person_and_name
from service.mail.resend import copy_of
from service.messages import Email
from service.store.records import dedupe_key
from service.store.unit_of_work import UnitOfWork


def resend(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person = request.person
    assert person.id is not None
    name = _template(uow, person.id, request.command.choice or "")
    original = uow.repo.latest_email(person.id, name)
    if original is None:
        raise DomainError(
            f"We have sent {person.email} no email called “{name}” (`mentoring person show`"
            " lists each email's name)."
        )
    if person.bouncing_since is not None:
        raise DomainError(f"Mail to {person.email} bounces, so it would not arrive.")
    count = 1
    while uow.repo.outbound_by_key(dedupe_key(corrections.resend_key(original.dedupe_key, count))):
        count += 1
    key = dedupe_key(corrections.resend_key(original.dedupe_key, count))
    uow.add(copy_of(original, key, ctx.now))
    made = record(
        uow, request, "email.resent", ctx, person=person, detail={"template": name, "copy": count}
    )
    return answer(request, uow, ctx, made, [], told=[person.name or person.email])


def _template(uow: UnitOfWork, person_id: int, given: str) -> str:
    """The email's name as given ("matches_mentee"), also as email reading leaves it
    ("matchesmentee": underscores are dropped) or written with spaces."""
    wanted = re.sub(r"[\s_]+", "", given.lower())
    sent = {e.template for e in uow.repo.emails_of(person_id)}
    return next((t for t in sorted(sent) if t.replace("_", "") == wanted), given.strip().lower())


RESEND: EmailCommand = EmailCommand(
    verb="resend",
    spellings=("resend",),
    handler=resend,
    shown="RESEND",
    help="send one of our emails again",
    available=lambda _s: False,  # coordinators only
    arguments=person_and_name,
    targeted=True,
    coordinator_shown="RESEND <email> <email's name>",
    coordinator_help="send them that email again, as their STATUS names it",
    verified_only=True,
)
