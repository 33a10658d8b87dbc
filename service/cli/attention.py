"""`mentoring attention …`: the needs-attention worklist.

Every message the service set aside for a person to read is a numbered item here (the
number is the message's record id, as the digest shows it) until a coordinator resolves
it. Resolving changes only our record: the participant is not written to, and the
message stays in the mailbox's Needs attention folder for the coordinators to file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from service import clock
from service.cli.options import now_option, with_app
from service.errors import MentoringError, NotFound

if TYPE_CHECKING:
    from service.app import App
    from service.attention import Item
    from service.store.records import InboundMessage
    from service.store.unit_of_work import UnitOfWork

_BY_DEFAULT = "command line"


@click.group("attention")
def attention_group() -> None:
    """The needs-attention worklist: list, read and resolve messages set aside for a person."""


def _item(uow: UnitOfWork, number: int) -> InboundMessage:
    from service.store.records import InboundStatus

    record = uow.repo.inbound(number)
    if record is None or record.status is not InboundStatus.NEEDS_ATTENTION:
        raise NotFound(f"No needs-attention message has the number {number}.")
    return record


def _line(item: Item) -> str:
    late = "  OVER TWO WORKING DAYS" if item.overdue else ""
    return (
        f"#{item.id}  waited {item.waited}{late}\n"
        f"    from {item.sender}: “{item.subject}”\n"
        f"    {item.reason_class}: {item.reason}"
    )


@attention_group.command("list")
@click.option("--resolved", is_flag=True, help="List the resolved ones instead.")
@now_option
@with_app
def attention_list(app: App, resolved: bool) -> None:
    """The messages waiting for a coordinator, oldest first. Changes nothing; tells no one."""
    from service import attention

    app.db.ensure_ready()
    now = clock.now()
    with app.uow() as uow:
        records = uow.repo.needs_attention(resolved=resolved)
        items = [attention.item(r, now, app.config) for r in records]
    if not items:
        click.echo("Nothing resolved yet." if resolved else "Nothing is waiting.")
        return
    for item in items:
        click.echo(_line(item))
    overdue = sum(i.overdue for i in items) if not resolved else 0
    state = "resolved" if resolved else "waiting"
    click.echo(
        f"{len(items)} {state}" + (f", {overdue} over two working days." if overdue else ".")
    )


@attention_group.command("show")
@click.argument("number", type=int)
@now_option
@with_app
def attention_show(app: App, number: int) -> None:
    """One message on the worklist: who, why, its first lines. Changes nothing; tells no one.

    Only what the person wrote is quoted (never a form's answers), shortened.
    """
    from service import attention

    app.db.ensure_ready()
    with app.uow() as uow:
        record = _item(uow, number)
        item = attention.item(record, clock.now(), app.config)
        click.echo(_line(item))
        click.echo(f"    received {item.received_at:%Y-%m-%d %H:%M} UTC")
        if item.excerpt:
            click.echo(f"    they wrote: “{item.excerpt}”")
        if record.resolved_at is not None:
            note = f": {record.resolution_note}" if record.resolution_note else ""
            click.echo(
                f"    resolved {record.resolved_at:%Y-%m-%d %H:%M} by {record.resolved_by}{note}"
            )


def _by(app: App, by: str | None) -> str:
    if by is None:
        return _BY_DEFAULT
    address = by.strip().lower()
    if address not in {a.lower() for a in app.config.coordinators.addresses}:
        raise MentoringError(f"{by.strip()} is not a coordinator address in the configuration.")
    return address


@attention_group.command("resolve")
@click.argument("number", type=int)
@click.option("--note", default="", help="What was done (kept with the record, for coordinators).")
@click.option("--by", "by", metavar="ADDRESS", help="The coordinator who handled it.")
@now_option
@with_app
def attention_resolve(app: App, number: int, note: str, by: str | None) -> None:
    """Mark a message handled, with who and a note. It leaves the worklist and the digest.

    Changes only our record (audited); no one is written to. The message itself stays in
    the mailbox's Needs attention folder.
    """
    app.db.ensure_ready()
    who = _by(app, by)
    with app.uow(actor=f"coordinator:{who}") as uow:
        record = _item(uow, number)
        if record.resolved_at is not None:
            raise MentoringError(
                f"Message {number} was already resolved by {record.resolved_by}"
                f" on {record.resolved_at:%Y-%m-%d}."
            )
        record.resolved_at = clock.now()
        record.resolved_by = who
        record.resolution_note = note.strip()[:2000]
        uow.audit("attention.resolved", f"inbound:{number}", {"noted": bool(note.strip())})
        uow.commit()
    click.echo(f"Resolved message {number}; it is off the worklist. No one was written to.")
