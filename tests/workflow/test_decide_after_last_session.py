"""Issue 16: fewer emails that say the same thing. A mentee who tells us they met their
last speed mentor before the speed window ends is asked then, in the answer to that MET,
whether they would like a long-term mentor; the day-28 "time to decide" email, which
would ask the same again, is not sent. The reminder a week later still comes if they do
not answer, and a mentee who met only some of their mentors gets the day-28 email."""

from __future__ import annotations

from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory

from jobs.time_rules import run_due
from service import clock
from service.mail import outbox
from tests.harness import Programme
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"
SAM = "sam.oneill@justice.gov.uk"
DECIDE = "Time to decide: would you like a long-term mentor?"
REMINDER = "Reminder: would you like to keep one of your mentors?"


def _days(programme: Programme, frozen: FrozenDateTimeFactory, days: int) -> None:
    for _ in range(days):
        frozen.tick(timedelta(days=1))
        run_due(programme.app, clock.now())
        outbox.drain(programme.app.db, programme.app.transport, config=programme.app.config)


def _count(programme: Programme, address: str, subject: str) -> int:
    """How many emails to `address` had this subject (before its reply reference)."""
    return sum(m.subject.startswith(subject) for m in programme.inbox_of(address))


def test_the_answer_to_the_last_met_asks_to_decide_and_day_28_stays_quiet(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    matches = programme.last_to(ALEX)
    programme.send(programme.reply(matches, "MET 1"))
    first = programme.last_to(ALEX)
    assert "noted your speed-mentoring session with Priya Shah" in first.text
    assert "You have now met all your speed mentors" not in first.text
    programme.send(programme.reply(matches, "MET 2"))
    last = programme.last_to(ALEX)
    # One email: the session noted, and the question, with what to reply.
    assert last.subject.startswith("Session with Sam Oneill noted: would you like a long-term")
    assert "noted your speed-mentoring session with Sam Oneill" in last.text
    assert "You have now met all your speed mentors" in last.text
    offered = last.text.split("WHAT YOU CAN DO NOW")[1]
    assert "KEEP" in offered and "NONE" in offered
    assert last.message["In-Reply-To"]  # an answer to their own email, in its thread
    _days(programme, frozen, 33)  # past day 28; the reminder is due on day 35
    assert _count(programme, ALEX, DECIDE) == 0
    _days(programme, frozen, 5)
    assert _count(programme, ALEX, REMINDER) == 1
    # Replying KEEP to the answer works like replying to the decide email.
    programme.send(programme.reply(last, "KEEP 2"))
    programme.send_held(frozen)  # the request reaches Sam in working hours
    assert "would like you to be their long-term mentor" in programme.last_to(SAM).subject


def test_a_mentee_who_met_only_some_mentors_gets_the_day_28_email(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "MET 1"))
    assert "You have now met all" not in programme.last_to(ALEX).text
    _days(programme, frozen, 30)
    assert _count(programme, ALEX, DECIDE) == 1
