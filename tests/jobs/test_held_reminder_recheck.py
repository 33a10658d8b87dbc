"""A reminder held for working hours is asked again when Monday morning lets it go: a
check-in queued on Saturday is not sent to someone who wrote to us over the weekend,
nor to a pair whose meeting was logged meanwhile (issue 16)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from freezegun import freeze_time

from service import clock
from service.domain.model import Meeting
from service.mail import outbox
from service.store.outbox_records import OutboxRecords
from tests.jobs.world import World, at

SATURDAY = at(45, hour=10)  # 15 August 2026: the day-42 check-in of pairings begun on day 3
SUNDAY = at(46, hour=12)
MONDAY_8AM = datetime(2026, 8, 17, 7, 0, tzinfo=UTC)  # 08:00 in London


def _check_ins(world: World, name: str) -> int:
    return sum("How is your mentoring" in s.subject for s in world.inbox(name))


def test_a_held_check_in_is_dropped_when_it_is_no_longer_due(world: World) -> None:
    world.add_person("eli", roles="mentee", grade="EO", department="HM Revenue and Customs")
    met = world.pair("bo", "ash", at(3))
    world.pair("cy", "eli", at(3))
    with freeze_time(SATURDAY):
        world.run(SATURDAY)
        assert OutboxRecords(world.app.db).unsent() >= 4  # two check-ins a pairing, held
    with freeze_time(SUNDAY):
        clock.set_now(None)
        programme = world.programme
        # Ash writes to us (and is answered at once); the pair's meeting is logged.
        programme.send(programme.plain(world.email("ash"), "STATUS", "STATUS"))
        with world.app.uow() as uow:
            uow.add(Meeting(met, world.ids["bo"], date(2026, 8, 15), 30, clock.now()))
            uow.commit()
    with freeze_time(MONDAY_8AM):
        clock.set_now(None)
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert (_check_ins(world, "ash"), _check_ins(world, "bo")) == (0, 0)
    # The pair nothing happened to hears on Monday morning, as before.
    assert (_check_ins(world, "cy"), _check_ins(world, "eli")) == (1, 1)
    assert OutboxRecords(world.app.db).unsent() == 0


DECIDE = "Time to decide: would you like a long-term mentor?"


def test_a_held_decide_email_goes_to_a_mentee_who_logged_no_session_but_wrote(
    world: World,
) -> None:
    # Ash logged no speed session: the decide email is the first to say how to choose
    # (`decide_reminders._gives_way`), so writing to us while it waits does not drop it.
    evening = at(28, hour=20)  # 21:00 in London: held until the morning
    with freeze_time(evening):
        world.run(evening)
    assert DECIDE not in world.subjects("ash")
    with freeze_time(at(28, hour=21)):
        clock.set_now(None)
        programme = world.programme
        programme.send(programme.plain(world.email("ash"), "STATUS", "STATUS"))
    with freeze_time(datetime(2026, 7, 30, 7, 0, tzinfo=UTC)):  # 08:00 in London
        clock.set_now(None)
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    with world.app.uow() as uow:
        decide = uow.repo.latest_email(world.ids["ash"], "decide_long_term")
    assert decide is not None and decide.status == "sent", decide and decide.last_error
    assert world.subjects("ash").count(DECIDE) == 1


def test_a_held_decide_email_is_dropped_once_the_mentee_asked_a_mentor(world: World) -> None:
    evening = at(28, hour=20)
    with freeze_time(evening):
        world.run(evening)
    world.approach("ash", "bo", at(28, hour=21))  # KEEP 1 while it waited
    with freeze_time(datetime(2026, 7, 30, 7, 0, tzinfo=UTC)):
        clock.set_now(None)
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert DECIDE not in world.subjects("ash")
    assert OutboxRecords(world.app.db).unsent() == 0


def test_a_held_decide_email_is_dropped_once_the_mentee_was_paired(world: World) -> None:
    evening = at(28, hour=20)
    with freeze_time(evening):
        world.run(evening)
    world.pair("cy", "ash", at(28, hour=21))  # a coordinator paired them meanwhile
    with freeze_time(datetime(2026, 7, 30, 7, 0, tzinfo=UTC)):
        clock.set_now(None)
        outbox.drain(world.app.db, world.app.transport, config=world.app.config)
    assert DECIDE not in world.subjects("ash")
