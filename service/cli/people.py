"""`mentoring person …` and `mentoring export`: one participant's record, and the state.

`person erase` goes through the same DELETE MY DATA handler as the email route (found on
the message bus, as `service` may not import `handlers`), acting as a coordinator who has
already confirmed with `--yes`; the notices it causes are sent straight away.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from service import clock
from service.cli.corrections import PERSON_COMMANDS
from service.cli.options import now_option, with_app
from service.errors import NotFound

if TYPE_CHECKING:
    from service.app import App
    from service.domain.model import Person
    from service.store.unit_of_work import UnitOfWork


def _person(uow: UnitOfWork, email: str) -> Person:
    person = uow.repo.person_by_email(email)
    if person is None or person.erased:
        raise NotFound(f"No participant has the address {email.strip()}.")
    return person


@click.group("person")
def person_group() -> None:
    """Look at one participant's story, correct it (note, withdraw, reinstate, resend),
    export or erase it."""


for _command in PERSON_COMMANDS:
    person_group.add_command(_command)


@person_group.command("show")
@click.argument("email")
@now_option
@with_app
def person_show(app: App, email: str) -> None:
    """One participant's whole story, in time order (reads only; never a characteristic).

    Registrations, introductions, requests and answers, partnerships and how they ended,
    meetings (numbered for `mentoring meeting edit`), every email sent (subject, name for
    `mentoring person resend`, state) and received (how it was read), bounces,
    out-of-office, and the coordinators' notes and corrections with who made them.
    """
    from service.story import gather, lines, now_lines

    app.db.ensure_ready()
    with app.uow() as uow:
        person = _person(uow, email)
        facts = gather(uow, person)
    click.echo(f"{person.name or person.email} <{person.email}>")
    for line in now_lines(facts, app.config.vocabulary.grade_names, clock.now()):
        click.echo(f"  {line}")
    click.echo("Story, oldest first")
    for line in lines(facts, app.config.programme.timezone):
        click.echo(f"  {line}")


@person_group.command("export")
@click.argument("email")
@click.option("--json", "as_json", is_flag=True, help="The complete record as JSON.")
@now_option
@with_app
def person_export(app: App, email: str, as_json: bool) -> None:
    """A participant's own copy of their data (a subject access request).

    With --json this is the complete record the person would get by replying MY DATA,
    including their own matching preferences: give it only to them.
    """
    from service.privacy import export_person, summary_sections

    app.db.ensure_ready()
    with app.uow() as uow:
        export = export_person(uow, _person(uow, email))
    if as_json:
        click.echo(json.dumps(export, indent=2, ensure_ascii=False))
        return
    for section in summary_sections(export, app.config):
        click.echo(section["heading"])
        for label, value in section["items"]:
            click.echo(f"  {label}: {value}")


@person_group.command("erase")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Confirm: erasure cannot be undone.")
@now_option
@with_app
def person_erase(app: App, email: str, yes: bool) -> None:
    """Erase a participant's personal data, ending their relationships with notices."""
    if not yes:
        raise click.UsageError("Erasure cannot be undone: add --yes to go ahead.")
    from service import bus
    from service.inbound.commands import Command
    from service.mail import outbox
    from service.purpose import Purpose, PurposeKind, Resolved

    app.db.ensure_ready()
    erase = app.commands["delete_my_data"]
    with app.uow(actor="coordinator") as uow:
        person = _person(uow, email)
        request = bus.CommandRequest(
            Command(erase.verb),
            person,
            Resolved(Purpose(PurposeKind.ERASURE)),
            coordinator="command line",
        )
        emails = erase.handler(request, uow, bus.Context(app.config, clock.now(), app.commands))
        outbox.queue_all(uow, emails, app.config)
        uow.commit()
        person_id = person.id
    report = outbox.drain(app.db, app.transport)
    click.echo(
        f"Erased participant {person_id}: {len(emails)} email(s) queued, {report.sent} sent."
    )


@click.command("export")
@click.option("--json", "as_json", is_flag=True, help="Print the whole state as JSON.")
@now_option
@with_app
def export(app: App, as_json: bool) -> None:
    """The programme's state (no characteristic is ever included)."""
    from service.privacy import export_state

    app.db.ensure_ready()
    with app.uow() as uow:
        state = export_state(uow)
    if as_json:
        click.echo(json.dumps(state, indent=2, ensure_ascii=False))
        return
    for name, rows in state.items():
        size = len(rows) if isinstance(rows, list) else rows
        click.echo(f"{name}: {size}")
