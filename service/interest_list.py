"""The interest list: addresses that asked to hear when registrations open again.

An address joins it with a registration form sent while registrations are closed
(`handlers.register`), and leaves it by replying WITHDRAW to the email that told it so
(`registrations_closed`). When a round's registration window opens, everyone on it is
written to once for that round (`registrations_open`, `jobs.interest_list_opening`), and
WITHDRAW to that email works the same way. Such an address has no participant record, so
these emails carry no reply token. The proof that the reply comes from that mailbox is one of our
Message-IDs, sent to that same address, in its In-Reply-To or References: the way an
out-of-office proves itself (`service.bounces`). From alone proves nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from service.messages import Email, Recipient

if TYPE_CHECKING:
    from service.bus import Thread
    from service.config import ProgrammeConfig
    from service.domain.model import Round
    from service.email_command import CommandTable
    from service.inbound.classify import Classification
    from service.store.unit_of_work import UnitOfWork

LEAVE_HELP = "take your address off our interest list"


def leave_footer(table: CommandTable) -> list[tuple[str, str]]:
    """The footer of an email to someone on the list: the one command that works for them."""
    return [(table["withdraw"].shown, LEAVE_HELP)]


def leave(c: Classification, uow: UnitOfWork, thread: Thread) -> list[Email] | None:
    """WITHDRAW from an address on the list, replying to our email to that address: the
    address leaves the list and is told so. None when the message is not that."""
    if c.commands is None or [cmd.verb for cmd in c.commands.commands] != ["withdraw"]:
        return None
    entry = uow.repo.interest_entry(c.sender) if c.sender else None
    if entry is None or not _answers_our_mail(c, uow):
        return None
    uow.delete(entry)
    uow.audit("interest.left", "interest_list")  # no address: the audit holds no personal data
    return [
        Email(
            key=f"interest-left:{thread.message_id or '-'}",
            template="interest_left",
            to=Recipient(address=entry.email),
            context={
                "person": {"first_name": "", "last_name": "", "email": entry.email},
                "commands": [],  # off the list, nothing more works without a token
            },
            automatic_answer=True,
            **thread.reply_headers(),
        )
    ]


def _answers_our_mail(c: Classification, uow: UnitOfWork) -> bool:
    sender = c.sender.strip().lower()
    for message_id in c.our_references:
        sent = uow.repo.outbound_by_message_id(message_id)
        if sent is not None and sent.to_address.strip().lower() == sender:
            return True
    return False


def opened_emails(
    uow: UnitOfWork, round_: Round, config: ProgrammeConfig, table: CommandTable
) -> list[Email]:
    """The "registrations are open" email to everyone on the list who has not registered
    for this round yet; its key names the round and the entry, so each is written once."""
    from service.domain import timeline

    emails = []
    for entry in uow.repo.interest_entries():
        if _registered(uow, entry.email, round_):
            continue
        emails.append(
            Email(
                key=f"interest-open:{round_.id}:{entry.id}",
                template="registrations_open",
                to=Recipient(address=entry.email),
                context={
                    "person": {"first_name": "", "last_name": "", "email": entry.email},
                    "commands": leave_footer(table),
                    "round": timeline.round_context(round_, config),
                },
            )
        )
    return emails


def _registered(uow: UnitOfWork, address: str, round_: Round) -> bool:
    person = uow.repo.person_by_email(address)
    if person is None or person.id is None or round_.id is None:
        return False
    return uow.repo.registration(round_.id, person.id) is not None
