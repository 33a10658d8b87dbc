"""PAUSE [until DATE] and RESUME, by email replies through the real pipeline.

A pause stops new requests to and from the person, the time rules' emails to them and
the ladder; the partner of an active pairing hears once, kindly; it ends on RESUME or
at the start of the day given; STATUS says so; bad dates get one clear answer.
"""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import select

from jobs.time_rules import run_due
from service import clock
from service.domain.model import Approach, Person
from service.mail import outbox
from service.store.records import OutboundMessage
from tests.harness import Programme, Sent
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"
SAM = "sam.oneill@justice.gov.uk"


def person(programme: Programme, address: str) -> Person:
    with programme.app.uow() as uow:
        found = uow.repo.person_by_email(address)
        assert found is not None
        return found


def templates_to(programme: Programme, address: str) -> list[str]:
    with programme.app.uow() as uow:
        rows = uow.session.scalars(select(OutboundMessage)).all()
        return [r.template for r in rows if r.to_address == address]


def footer(email: Sent) -> str:
    return email.text.split("WHAT YOU CAN DO NOW")[1]


def paired(programme: Programme) -> Sent:
    """Alex and Priya in a long-term pairing; Alex's "your partnership starts" email."""
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "ACCEPT"))
    [started] = [m for m in programme.inbox_of(ALEX) if "starts now" in m.subject]
    return started


def test_pause_until_a_date_is_confirmed_and_the_partner_told_once(programme: Programme) -> None:
    started = paired(programme)
    before = len(programme.inbox_of(PRIYA))

    programme.send(programme.reply(started, "PAUSE until 1 July"))

    confirmation = programme.last_to(ALEX)
    assert confirmation.subject.startswith("Your mentoring is paused")
    assert "We have paused your mentoring until 1 July 2026." in confirmation.text
    assert "We have let Priya Shah know" in confirmation.text
    assert "RESUME" in footer(confirmation) and "PAUSE" not in footer(confirmation)
    [notice] = programme.inbox_of(PRIYA)[before:]
    assert "Alex is taking a break" in notice.subject
    assert "until 1 July 2026" in notice.text and ALEX in notice.text
    assert "no reflection on you" in notice.text
    assert person(programme, ALEX).paused_until is not None

    # A second PAUSE moves the end; the partner is not told again.
    programme.send(programme.reply(confirmation, "PAUSE until 8 July"))
    assert "until 8 July 2026" in programme.last_to(ALEX).text
    assert len(programme.inbox_of(PRIYA)) == before + 1

    programme.send(programme.reply(programme.last_to(ALEX), "STATUS"))
    status = programme.last_to(ALEX)
    assert "You have paused your mentoring until 8 July 2026." in status.text


def test_no_request_to_or_from_a_paused_person(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(PRIYA), "PAUSE"))
    assert "until you reply RESUME" in programme.last_to(PRIYA).text

    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    refusal = programme.last_to(ALEX)
    assert "Priya Shah is taking a break from mentoring" in refusal.text
    assert "KEEP" in footer(refusal)

    programme.send(programme.reply(refusal, "PAUSE"))
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 2"))
    assert "Reply RESUME first" in programme.last_to(ALEX).text
    with programme.app.uow() as uow:
        assert uow.session.scalars(select(Approach)).all() == []

    # Back: the request goes through.
    programme.send(programme.reply(programme.last_to(ALEX), "RESUME"))
    welcome_back = programme.last_to(ALEX)
    assert "Your pause is over" in welcome_back.text
    assert "PAUSE" in footer(welcome_back) and "RESUME" not in footer(welcome_back)
    programme.send(programme.reply(welcome_back, "KEEP 2"))
    assert "would like you to be their long-term mentor" in programme.last_to(SAM).subject


def test_nudges_wait_while_paused_and_the_pause_ends_by_itself(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "PAUSE for 3 weeks"))
    assert "until 10 June 2026" in programme.last_to(ALEX).text

    # Day 8 and day 15: the contact nudges fall due, but Alex is paused.
    for _ in range(2):
        frozen.tick(timedelta(days=7, hours=1))
        run_due(programme.app, clock.now())
    assert "contact_nudge" not in templates_to(programme, ALEX)

    # 10 June: the pause has ended by itself; STATUS no longer mentions it.
    frozen.move_to("2026-06-10 09:00:00")
    programme.send(programme.reply(programme.last_to(ALEX), "STATUS"))
    status = programme.last_to(ALEX)
    assert "paused" not in status.text.lower().split("what you can do now")[0]
    assert "PAUSE" in footer(status) and "RESUME" not in footer(status)
    outbox.drain(programme.app.db, programme.app.transport)


def test_bad_dates_get_one_clear_answer_and_change_nothing(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    matches = programme.last_to(ALEX)
    count = len(programme.inbox_of(ALEX))

    programme.send(programme.reply(matches, "PAUSE until yesterday"))
    [answer] = programme.inbox_of(ALEX)[count:]
    assert "19 May 2026, is not in the future" in answer.text
    assert person(programme, ALEX).paused_at is None

    programme.send(programme.reply(matches, "PAUSE until blursday"))
    [answer] = programme.inbox_of(ALEX)[count + 1 :]
    assert "We could not read “blursday” as a date" in answer.text
    assert "PAUSE until 1 September" in answer.text
    assert person(programme, ALEX).paused_at is None

    programme.send(programme.reply(matches, "RESUME"))
    assert "not paused, so there is nothing to resume" in programme.last_to(ALEX).text
