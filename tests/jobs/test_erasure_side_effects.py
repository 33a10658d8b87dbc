"""No surprises when someone is erased: the only email about them goes to a partner in
an active partnership ("has left the programme", once); old speed matches and requests
close quietly; a mentee left behind may choose again."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from service import clock
from service.cli.main import cli
from service.store.orm import outbound_messages
from tests.jobs.world import World, at


def _erase(world: World, name: str, day: int) -> None:
    clock.set_now(at(day))
    result = CliRunner().invoke(
        cli,
        ["person", "erase", world.email(name), "--yes", "--now", at(day).isoformat()],
        obj={"app": world.app},
    )
    assert result.exit_code == 0, result.output


def _sent_to(world: World, name: str) -> list[str]:
    """Templates sent to `name`: the sent folder's copies that name the erased person are
    deleted with their data, so the outbox's records (template, address) are read."""
    with world.app.db.engine.connect() as c:
        rows = c.execute(
            select(outbound_messages.c.template)
            .where(outbound_messages.c.to_address == world.email(name))
            .order_by(outbound_messages.c.id)
        )
        return [t for (t,) in rows]


def test_an_unused_speed_match_from_long_ago_emails_nobody(world: World) -> None:
    world.approach("ash", "bo", at(1))
    _erase(world, "ash", 420)  # 14 months later: the matches with Cy and Di were never used
    for other in ("bo", "cy", "di"):
        assert _sent_to(world, other) == []


def test_the_partner_hears_once_and_only_the_partner(world: World) -> None:
    world.pair("bo", "ash", at(0))
    _erase(world, "ash", 30)  # Ash's matches with Cy and Di are still open
    assert _sent_to(world, "cy") == [] and _sent_to(world, "di") == []
    assert _sent_to(world, "bo") == ["partner_withdrew"]


def test_the_mentee_left_behind_may_choose_again(world: World) -> None:
    world.pair("bo", "ash", at(0))
    _erase(world, "bo", 30)
    assert _sent_to(world, "ash") == ["partner_withdrew", "new_choice"]
    assert _sent_to(world, "cy") == [] and _sent_to(world, "di") == []
    # The new choice names no one erased, so its copy stays: Cy and Di are offered.
    [choice] = world.inbox("ash")
    assert "Cy Tester" in choice.text and "Di Tester" in choice.text
