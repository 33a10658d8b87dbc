"""Every footer offers only what the person may send now: the match email asks for MET
first and offers KEEP and NONE only once there is something to choose on (a speed mentor
met, or the decide email); the contact nudge and the mentor's check offer MET and, to a
mentor, NOT CONTACTED, never KEEP."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory

from jobs.time_rules import run_due
from service import clock
from service.mail import outbox
from tests.harness import Programme, Sent
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"
SAM = "sam.oneill@justice.gov.uk"


def footer(email: Sent) -> str:
    return email.text.split("WHAT YOU CAN DO NOW")[1]


def _run_rules_on(programme: Programme, frozen: FrozenDateTimeFactory, days: int) -> None:
    frozen.tick(timedelta(days=days))
    run_due(programme.app, clock.now())
    outbox.drain(programme.app.db, programme.app.transport, config=programme.app.config)


def test_the_match_email_asks_for_met_first_and_offers_keep_once_met(
    programme: Programme,
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    matches = programme.last_to(ALEX)
    offered = footer(matches)
    assert "MET" in offered
    assert "KEEP" not in offered and "NONE" not in offered
    programme.send(programme.reply(matches, "MET 1"))
    noted = programme.last_to(ALEX)
    assert "noted your speed-mentoring session with Priya Shah" in noted.text
    assert "KEEP" in footer(noted) and "NONE" in footer(noted)


def test_the_decide_email_offers_keep_and_none_without_a_meeting_logged(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    # Wednesday 20 May + 29 days: past the speed window, a working day at 09:00.
    _run_rules_on(programme, frozen, 29)
    decide = programme.last_to(ALEX)
    assert "Time to decide" in decide.subject
    assert "KEEP" in footer(decide) and "NONE" in footer(decide)


def test_nudge_and_mentor_check_offer_met_and_not_contacted_never_keep(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    _run_rules_on(programme, frozen, 7)  # Wednesday 27 May: the contact nudge
    nudge = programme.last_to(ALEX)
    assert "contacted your speed mentors" in nudge.subject
    assert "MET" in footer(nudge)
    assert "KEEP" not in footer(nudge) and "NONE" not in footer(nudge)
    _run_rules_on(programme, frozen, 7)  # Wednesday 3 June: the mentor's check
    check = programme.last_to(PRIYA)
    assert "mentees been in touch" in check.subject
    assert "MET" in footer(check) and "NOT CONTACTED" in footer(check)
    assert "KEEP" not in footer(check)
