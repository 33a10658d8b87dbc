"""When a pause ends (its date comes, or RESUME), the unresponsiveness ladder goes on
from where it stopped: the days paused do not count toward the unpairing."""

from __future__ import annotations

from datetime import timedelta

from service.domain import rules, timeline
from service.domain.model import EndReason, PairingStatus, Person
from tests.jobs.world import World, at

NUDGE = "Ash Tester is trying to reach you"


def test_the_ladder_does_not_unpair_at_once_when_a_pause_ends(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.not_responding(pairing, "ash", at(20))
    world.days(20, 27)  # nudges on day 20 and day 27; the unpairing would be on day 34
    assert len([s for s in world.subjects("bo") if s == NUDGE]) == 2
    # Bo pauses on day 28 until day 48 (Tuesday 18 August).
    world.update_person("bo", paused_at=at(28), paused_until=at(48))
    world.days(28, 48)
    assert world.pairing(pairing).status is PairingStatus.ACTIVE
    # One day of the five had passed before the pause (day 27 to 28); the other four
    # working days come after it: Monday 24 August (day 54).
    world.days(49, 53)
    assert world.pairing(pairing).status is PairingStatus.ACTIVE
    world.run(at(54))
    p = world.pairing(pairing)
    assert p.status is PairingStatus.ENDED and p.end_reason is EndReason.UNRESPONSIVE
    assert p.ended_at == at(54)


def test_resume_ends_the_pause_and_keeps_its_days_out_of_the_count() -> None:
    bo = Person(email="bo@dept.example", first_name="Bo", last_name="Tester", created_at=at(0))
    rules.pause(bo, at(28), None, "Europe/London")
    assert rules.is_paused(bo, at(40))
    rules.resume(bo, at(40))
    assert not rules.is_paused(bo, at(40))
    # A nudge on day 27: twelve paused days (28 to 40) move it on to day 39.
    assert timeline.without_pause(at(27), bo) == at(27) + timedelta(days=12)
    # A step counted from after the pause is not moved.
    assert timeline.without_pause(at(41), bo) == at(41)
    # Someone who never paused: nothing moves.
    never = Person(email="cy@dept.example", first_name="Cy", last_name="T", created_at=at(0))
    assert timeline.without_pause(at(27), never) == at(27)
