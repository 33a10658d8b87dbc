"""People with both roles get one copy of the guidance shared by every pairing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from service.store.orm import outbound_messages
from tests.jobs.world import World, at


def _guidance_to(world: World) -> Counter[str]:
    with world.app.db.engine.connect() as c:
        rows = c.execute(
            select(outbound_messages.c.to_address).where(
                outbound_messages.c.template.like("guidance_%")
            )
        )
        return Counter(address.split("@")[0] for (address,) in rows)


def test_a_mentor_who_is_also_a_mentee_gets_each_guidance_email_once(world: World) -> None:
    world.add_person("eve", roles="mentor,mentee", grade="HEO", department="Cabinet Office")
    world.pair("bo", "eve", at(0))  # Eve is Bo's mentee
    world.pair("eve", "ash", at(2))  # and Ash's mentor
    for day in range(0, 95, 3):
        world.run(at(day))
    guidance = len(world.app.config.timings.guidance_after)
    assert _guidance_to(world) == {"bo": guidance, "ash": guidance, "eve": guidance}
