"""Mail at human hours: automatic email waits for the working window (Mon–Fri 08:00–18:00
in London, bank holidays off); an answer to someone's own email goes at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from zoneinfo import ZoneInfo

from freezegun import freeze_time

from jobs.time_rules import run_due
from service import clock
from service.config import ProgrammeConfig
from service.domain import working_time
from service.mail import outbox
from service.mail.transport import SendResult, TransportError
from service.pipeline import process_mailbox
from service.store.outbox_records import OutboxRecords
from tests.harness import Programme
from tests.jobs.world import World, at

LONDON = ZoneInfo("Europe/London")


def _london(y: int, m: int, d: int, h: int, minute: int = 0) -> datetime:
    return datetime(y, m, d, h, minute, tzinfo=LONDON)


def test_the_window_is_weekdays_eight_to_six_in_london(config: ProgrammeConfig) -> None:
    hours, tz = config.working_hours, config.programme.timezone
    assert working_time.is_working_time(_london(2026, 7, 10, 8), hours, tz)  # Friday 08:00
    assert working_time.is_working_time(_london(2026, 7, 10, 17, 59), hours, tz)
    assert not working_time.is_working_time(_london(2026, 7, 10, 18), hours, tz)
    assert not working_time.is_working_time(_london(2026, 7, 10, 7, 59), hours, tz)
    assert not working_time.is_working_time(_london(2026, 7, 11, 12), hours, tz)  # Saturday
    # 08:00 in London is 07:00 UTC in summer and 08:00 UTC in winter.
    assert working_time.is_working_time(datetime(2026, 7, 10, 7, 0, tzinfo=UTC), hours, tz)
    assert not working_time.is_working_time(datetime(2026, 12, 1, 7, 30, tzinfo=UTC), hours, tz)


def test_next_working_time_skips_the_weekend_and_bank_holidays(config: ProgrammeConfig) -> None:
    hours, tz = config.working_hours, config.programme.timezone
    monday = _london(2026, 7, 13, 8)
    assert working_time.next_working_time(_london(2026, 7, 10, 18), hours, tz) == monday
    assert working_time.next_working_time(_london(2026, 7, 11, 9), hours, tz) == monday
    assert working_time.next_working_time(_london(2026, 7, 13, 6), hours, tz) == monday
    inside = _london(2026, 7, 14, 11, 30)
    assert working_time.next_working_time(inside, hours, tz) == inside
    # Christmas 2026: Friday 25 and Monday 28 December are bank holidays.
    christmas_eve = _london(2026, 12, 24, 19)
    assert working_time.next_working_time(christmas_eve, hours, tz) == _london(2026, 12, 29, 8)
    # Late August bank holiday, Monday 31 August 2026.
    assert working_time.next_working_time(_london(2026, 8, 29, 10), hours, tz) == _london(
        2026, 9, 1, 8
    )


def test_working_days_are_counted_past_days_off(config: ProgrammeConfig) -> None:
    hours, tz = config.working_hours, config.programme.timezone
    friday = _london(2026, 7, 10, 9)
    assert working_time.add_working_days(friday, 1, hours, tz) == _london(2026, 7, 13, 9)
    assert working_time.add_working_days(friday, 5, hours, tz) == _london(2026, 7, 17, 9)
    # Thursday 24 December + 1 working day is Tuesday 29 December.
    assert working_time.working_days_after(date(2026, 12, 24), 1, hours) == date(2026, 12, 29)
    assert working_time.working_days_after(date(2026, 12, 24), 0, hours) == date(2026, 12, 24)


def test_a_nudge_due_on_saturday_waits_for_monday_morning_and_goes_once(world: World) -> None:
    # The contact nudge falls due on day 7; the rules next run on Saturday (day 10).
    with freeze_time(at(10, hour=11)):  # Saturday 11 July, noon in London
        clock.set_now(None)
        run_due(world.app, clock.now())
        outbox.drain(world.app.db, world.app.transport)
        assert world.inbox("ash") == []
        assert OutboxRecords(world.app.db).unsent() == 1
    with freeze_time(datetime(2026, 7, 13, 6, 59, tzinfo=UTC)):  # Monday 07:59 in London
        outbox.drain(world.app.db, world.app.transport)
        assert world.inbox("ash") == []
    with freeze_time(datetime(2026, 7, 13, 7, 0, tzinfo=UTC)):  # Monday 08:00 in London
        outbox.drain(world.app.db, world.app.transport)
        outbox.drain(world.app.db, world.app.transport)
        run_due(world.app, clock.now())  # the rule asked again: already queued, nothing new
        outbox.drain(world.app.db, world.app.transport)
    [nudge] = world.inbox("ash")
    assert "contacted your speed mentors" in nudge.subject
    # Its Date is when it went, not when the rule queued it on Saturday.
    assert parsedate_to_datetime(str(nudge.message["Date"])) == datetime(
        2026, 7, 13, 7, 0, tzinfo=UTC
    )


def test_an_answer_to_someones_own_email_goes_at_once_on_a_sunday(world: World) -> None:
    programme = Programme(world.app)
    with freeze_time(datetime(2026, 7, 12, 22, 30, tzinfo=UTC)):  # Sunday 23:30 in London
        clock.set_now(None)
        programme.send(programme.plain(world.email("ash"), "STATUS", "STATUS"))
        [answer] = world.inbox("ash")
        assert parsedate_to_datetime(str(answer.message["Date"])) == datetime(
            2026, 7, 12, 22, 30, tzinfo=UTC
        )


def _refuse_once(world: World, retry_after: float) -> None:
    """The provider refuses the next send for a while (a busy server's Retry-After)."""
    transport = world.app.transport
    real_send = transport.send
    refused: list[bool] = []

    def send(raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        if not refused:
            refused.append(True)
            raise TransportError("421 try again later", retry_after=retry_after)
        return real_send(raw, recipients=recipients)

    transport.send = send  # type: ignore[method-assign]


def test_a_retry_that_would_go_after_six_waits_for_the_next_morning(world: World) -> None:
    # Wednesday 8 July 17:58 in London (day 7): the nudge is due and goes, but the
    # provider refuses it for 4 minutes, which would retry it at 18:02.
    _refuse_once(world, retry_after=4 * 60)
    with freeze_time(_london(2026, 7, 8, 17, 58)):
        clock.set_now(None)
        run_due(world.app, clock.now())
        report = outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert report.deferred == 1 and world.inbox("ash") == []
    with freeze_time(_london(2026, 7, 8, 18, 5)):
        report = outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert report.sent == 0 and world.inbox("ash") == []
    with freeze_time(_london(2026, 7, 9, 7, 59)):
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert world.inbox("ash") == []
    with freeze_time(_london(2026, 7, 9, 8, 0)):
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    [nudge] = world.inbox("ash")
    assert "contacted your speed mentors" in nudge.subject


def test_a_worker_back_after_six_sends_answers_but_holds_automatic_mail(world: World) -> None:
    with freeze_time(_london(2026, 7, 8, 17, 30)):
        clock.set_now(None)
        run_due(world.app, clock.now())  # the nudge is queued; nobody drains until 19:00
    assert OutboxRecords(world.app.db).unsent() == 1
    programme = Programme(world.app)
    with freeze_time(_london(2026, 7, 8, 19, 0)):
        clock.set_now(None)
        programme.deliver(programme.plain(world.email("ash"), "STATUS", "STATUS"))
        process_mailbox(world.app)
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert [s for s in world.subjects("ash") if "contacted" in s] == []
    assert len(world.inbox("ash")) == 1  # the answer to STATUS went at once
    held = OutboxRecords(world.app.db)
    assert held.unsent() == 1
    with freeze_time(_london(2026, 7, 9, 8, 0)):
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert held.unsent() == 0
