"""The coordinators' corrections from the command line: `mentoring pairing …`,
`mentoring meeting …` and `mentoring person note|withdraw|reinstate|resend`.

Each runs the same handler as the coordinator's email command (PAIR, UNPAIR, REOPEN,
EDIT MEETING, DELETE MEETING, NOTE, WITHDRAW, REINSTATE, RESEND), found on the App's
command table (`service` may not import `handlers`), in one unit of work: the change, its
audit record (naming the coordinator given by `--by`) and the emails to the people told
are committed together or not at all; the emails are then sent. A mistake (an unknown
address, no such partnership, a meeting number out of range) is one line.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import click

from service import clock
from service.cli.options import now_option, with_app
from service.errors import DomainError, NotFound

if TYPE_CHECKING:
    from service.app import App
    from service.domain.model import Pairing, Person
    from service.store.unit_of_work import UnitOfWork

by_option = click.option(
    "--by",
    metavar="ADDRESS",
    envvar="MENTORING_COORDINATOR",
    help="The coordinator making the correction (one of [coordinators] addresses); also"
    " MENTORING_COORDINATOR. It is recorded with the change.",
)


def _person(uow: UnitOfWork, email: str) -> Person:
    person = uow.repo.person_by_email(email)
    if person is None or person.erased:
        raise NotFound(f"No participant has the address {email.strip()}.")
    return person


def _active_between(uow: UnitOfWork, person: Person, other: Person | None) -> Pairing:
    assert person.id is not None
    found = [
        p
        for p in uow.repo.active_pairings_of(person.id)
        if other is None or other.id in (p.mentor_id, p.mentee_id)
    ]
    if len(found) != 1:
        with_whom = f" with {other.email}" if other is not None else ""
        raise DomainError(
            f"{person.email} has no open partnership{with_whom}."
            if not found
            else f"{person.email} has several open partnerships: say which with --with."
        )
    return found[0]


def correct(
    app: App,
    by: str | None,
    verb: str,
    email: str,
    *,
    partner: str | None = None,
    **fields: object,
) -> None:
    """Run the `verb` correction about `email` as coordinator `by`, and say what it did."""
    from service import bus, corrections
    from service.inbound.commands import Command
    from service.mail import outbox
    from service.purpose import NOTHING, PurposeKind, Resolved, of

    app.db.ensure_ready()
    coordinator = corrections.coordinator_address(by, app.config)
    with app.uow(actor="coordinator") as uow:
        person = _person(uow, email)
        about = NOTHING
        if verb == "unpair":
            pairing = _active_between(uow, person, _person(uow, partner) if partner else None)
            about = Resolved(of(PurposeKind.PAIRING, pairing.id), pairing=pairing)
        elif partner is not None:
            fields["choice"] = _person(uow, partner).email
        request = bus.CommandRequest(
            Command(verb, target=person.email, **fields),  # type: ignore[arg-type]
            person,
            about,
            coordinator=coordinator,
            answer_coordinator=False,
        )
        context = bus.Context(app.config, clock.now(), app.commands)
        emails = app.commands[verb].handler(request, uow, context)
        queued = outbox.queue_all(uow, emails, app.config)
        uow.flush()
        assert person.id is not None
        made = max(uow.repo.corrections_about(person.id), key=lambda c: c.id or 0, default=None)
        if made is None:
            raise DomainError("Nothing needed changing, so nothing was changed.")
        ids = [i for i in (made.person_id, made.partner_id) if i is not None]
        names = {i: p.name or p.email for i, p in uow.repo.people(ids).items()}
        told = sorted({q.to_address for q in queued if q.person_id is not None})
        new = [q for q in uow.repo.emails_of(person.id) if q.created_at == context.now]
        told = sorted({*told, *(q.to_address for q in new)})
        uow.commit()
    click.echo(f"Done: {corrections.correction_words(made, names)}.")
    click.echo(f"Emailed: {', '.join(told)}." if told else "Nobody was emailed.")
    if told:
        report = outbox.drain(app.db, app.transport)
        click.echo(f"{report.sent} email(s) sent now; any others go at the next send.")


@click.group("pairing")
def pairing_group() -> None:
    """Correct long-term partnerships by hand (each change is recorded with --by)."""


@pairing_group.command("add")
@click.argument("mentor")
@click.argument("mentee")
@by_option
@now_option
@with_app
def pairing_add(app: App, mentor: str, mentee: str, by: str | None) -> None:
    """Pair MENTOR and MENTEE by hand, in the mentee's round, starting now.

    Both are emailed that a coordinator paired them. A request the mentee had waiting
    closes (its mentor is told). Refused if the mentee already has a mentor.
    """
    correct(app, by, "pair", mentor, partner=mentee)


@pairing_group.command("end")
@click.argument("email")
@click.option("--with", "partner", metavar="EMAIL", help="The partner, if they have several.")
@by_option
@now_option
@with_app
def pairing_end(app: App, email: str, partner: str | None, by: str | None) -> None:
    """End EMAIL's partnership without blame (as UNPAIR <email> by email).

    Both partners are emailed the usual no-blame notice; a mentee whose mentor it was
    may choose again when it ended early.
    """
    correct(app, by, "unpair", email, partner=partner)


@pairing_group.command("reopen")
@click.argument("email")
@click.option("--with", "partner", metavar="EMAIL", help="The partner, if there were several.")
@by_option
@now_option
@with_app
def pairing_reopen(app: App, email: str, partner: str | None, by: str | None) -> None:
    """Reopen EMAIL's latest ended partnership (closed as stale, unpaired, …).

    It is open again from now with a clean slate for check-ins and reminders, its end
    date moved on if it had passed. Both partners are emailed that it is open again.
    """
    correct(app, by, "reopen", email, partner=partner)


@pairing_group.command("note")
@click.argument("email")
@click.argument("partner")
@click.argument("text")
@by_option
@now_option
@with_app
def pairing_note(app: App, email: str, partner: str, text: str, by: str | None) -> None:
    """Keep a note about the partnership of EMAIL and PARTNER. Nobody is emailed.

    Both partners see the note in their own data export (MY DATA).
    """
    correct(app, by, "note", email, partner=partner, note=text)


@click.group("meeting")
def meeting_group() -> None:
    """Correct a logged meeting (numbered as `mentoring person show` lists them)."""


@meeting_group.command("edit")
@click.argument("email")
@click.argument("number", type=int)
@click.option("--minutes", type=int, help="The meeting's length in minutes.")
@click.option("--date", "met_on", metavar="YYYY-MM-DD", help="The day they met.")
@by_option
@now_option
@with_app
def meeting_edit(
    app: App, email: str, number: int, minutes: int | None, met_on: str | None, by: str | None
) -> None:
    """Change the length or day of EMAIL's meeting NUMBER. Nobody is emailed."""
    on = _day(met_on) if met_on else None
    correct(app, by, "edit_meeting", email, choice=str(number), minutes=minutes, on=on)


@meeting_group.command("delete")
@click.argument("email")
@click.argument("number", type=int)
@by_option
@now_option
@with_app
def meeting_delete(app: App, email: str, number: int, by: str | None) -> None:
    """Delete EMAIL's meeting NUMBER (logged by mistake, or twice). Nobody is emailed."""
    correct(app, by, "delete_meeting", email, choice=str(number))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise DomainError(f"--date: “{text}” is not a date like 2027-03-12.") from None


@click.command("note")
@click.argument("email")
@click.argument("text")
@by_option
@now_option
@with_app
def person_note(app: App, email: str, text: str, by: str | None) -> None:
    """Keep a note about one participant, shown in their story. Nobody is emailed.

    The participant sees the note in their own data export (MY DATA), so write it as
    you would to them.
    """
    correct(app, by, "note", email, note=text)


@click.command("withdraw")
@click.argument("email")
@by_option
@now_option
@with_app
def person_withdraw(app: App, email: str, by: str | None) -> None:
    """Withdraw EMAIL from their round (as WITHDRAW <email> by email).

    They are emailed a confirmation; their partner, a mentor they asked and their speed
    matches are told what closed.
    """
    correct(app, by, "withdraw", email)


@click.command("reinstate")
@click.argument("email")
@by_option
@now_option
@with_app
def person_reinstate(app: App, email: str, by: str | None) -> None:
    """Undo EMAIL's withdrawal: their registration is confirmed again (or waits for
    confirmation). They are emailed their status. What the withdrawal closed stays
    closed (see `mentoring pairing reopen`)."""
    correct(app, by, "reinstate", email)


@click.command("resend")
@click.argument("email")
@click.argument("name")
@by_option
@now_option
@with_app
def person_resend(app: App, email: str, name: str, by: str | None) -> None:
    """Send EMAIL our latest email called NAME again (`person show` lists the names).

    Only this person is emailed: the same email as a new message, recorded as a resend.
    """
    correct(app, by, "resend", email, choice=name)


PERSON_COMMANDS: tuple[click.Command, ...] = (
    person_note,
    person_withdraw,
    person_reinstate,
    person_resend,
)
