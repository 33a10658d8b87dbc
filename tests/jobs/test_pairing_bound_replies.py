"""A check-in names its pairing: a mentor with two mentees who answers one check-in with
MET logs the meeting on that pairing, and only that pairing counts it as a sign of life."""

from __future__ import annotations

from freezegun import freeze_time

from tests.jobs.world import World, at


def test_met_reply_to_a_check_in_lands_on_that_pairing(world: World) -> None:
    world.add_person("eli", roles="mentee", grade="HEO", department="HM Revenue and Customs")
    first = world.pair("bo", "ash", at(0))
    second = world.pair("bo", "eli", at(0))
    with freeze_time(at(42)) as frozen:
        world.run(at(42))
        check_ins = [s for s in world.inbox("bo") if "How is your mentoring" in s.subject]
        assert len(check_ins) == 2
        about_eli = next(s for s in check_ins if "Eli" in s.subject or "Eli" in s.text)
        frozen.move_to(at(43))
        world.programme.send(world.programme.reply(about_eli, "MET 30 mins yesterday"))
    with world.app.uow() as uow:
        assert uow.repo.minutes_met(second) == 30
        assert uow.repo.minutes_met(first) == 0
    assert world.pairing(second).mentor_last_seen_at is not None
    assert world.pairing(first).mentor_last_seen_at is None
