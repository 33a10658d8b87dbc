"""Confirmation round trips: "reply CONFIRM to withdraw Carol King".

When the evidence for a command that ends something is not strong enough (a coordinator
whose mail we cannot verify, a participant's reply token older than allowed), we do not
act: we email the address the command claims to come from (never its Reply-To) and act
only on a reply carrying the fresh token, which is bound to that address and purpose.
"""

from __future__ import annotations

from service.bus import Thread
from service.domain.model import Person
from service.email_command import CommandTable
from service.emails import coordinator_person
from service.messages import Email, Recipient, person_context, recipient
from service.purpose import Purpose, PurposeKind

_ACTIONS = {
    "unpair": "end the mentoring partnership of {name}",
    "withdraw": "withdraw {name} from the programme",
    "delete_my_data": "delete the information we hold about {name}",
}

_OWN = {
    "unpair": "end your mentoring partnership",
    "withdraw": "take you out of this round of the programme",
    "delete_my_data": "delete the information we hold about you",
}


def action(verb: str, name: str) -> str:
    return _ACTIONS.get(verb, verb.replace("_", " ") + " for {name}").format(name=name)


def ask_coordinator(
    coordinator: str, target: Person, verb: str, thread: Thread, table: CommandTable
) -> Email:
    """Ask a coordinator address to confirm a command about `target`."""
    assert target.id is not None
    purpose = Purpose(PurposeKind.COORDINATOR, verb=verb)
    return Email(
        key=f"coordinator-confirm:{verb}:{target.id}:{thread.message_id or '-'}:{coordinator}",
        template="confirm_command",
        to=Recipient(address=coordinator, name="Mentoring coordinators"),
        context={
            "person": coordinator_person(coordinator),
            "for_coordinators": True,  # the layout's greeting, sign-off and reply note
            "commands": table.answers(purpose.kind),
            "action": action(verb, target.name or target.email),
            "why": "We could not verify that the email came from a coordinator's mailbox,"
            " so we check with that mailbox before acting.",
        },
        purpose=purpose,
        token_for=target.id,
        automatic_answer=True,
        **thread.reply_headers(),
    )


def ask_person(person: Person, verb: str, thread: Thread, table: CommandTable) -> Email:
    """Ask a participant to confirm a command sent with an old reply token."""
    purpose = Purpose(PurposeKind.CONFIRM, verb=verb)
    return Email(
        key=f"confirm:{verb}:{person.id}:{thread.message_id or '-'}",
        template="confirm_command",
        to=recipient(person),
        context={
            "person": person_context(person),
            "commands": table.answers(purpose.kind),
            "action": _OWN.get(verb, verb.replace("_", " ")),
            "why": "You replied to an older email of ours, so we check with you first.",
        },
        purpose=purpose,
        automatic_answer=True,
        **thread.reply_headers(),
    )
