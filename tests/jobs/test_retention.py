"""Data retention: people whose last round ended longer ago than the retention period
are erased by the daily rules, and the coordinators' digest says how many."""

from __future__ import annotations

from datetime import datetime

from jobs.digest import send_digest
from service import clock
from service.domain.model import EndReason, PairingStatus
from service.mail import outbox
from tests.jobs.world import World, at

# The round's programme year ends a year after matches went out (day 0); the data of
# those whose part ended there goes a year later still.
ROUND_END = 365
RETENTION = 365


def _erased(world: World, name: str) -> bool:
    with world.app.uow() as uow:
        person = uow.repo.person(world.ids[name])
        assert person is not None
        return person.erased


def _digest(world: World, when: datetime) -> str:
    clock.set_now(when)
    send_digest(world.app, when)
    outbox.drain(world.app.db, world.app.transport)
    [digest] = world.coordinator_mail()[-1:]
    return digest.text


def test_retention_erases_a_year_after_the_round_or_the_last_pairing_ended(
    world: World,
) -> None:
    pairing = world.pair("bo", "ash", at(40))
    # Continued past the programme year, then completed on day 500.
    world.update_pairing(
        pairing,
        status=PairingStatus.ENDED,
        ended_at=at(500),
        end_reason=EndReason.COMPLETED,
    )
    world.run(at(ROUND_END + RETENTION - 1))
    assert not any(_erased(world, n) for n in ("ash", "bo", "cy", "di"))

    world.run(at(ROUND_END + RETENTION))
    # Cy and Di were only speed mentors: their part ended with the round.
    assert _erased(world, "cy") and _erased(world, "di")
    # Ash and Bo's pairing ended on day 500: their data is kept for a year after that.
    assert not _erased(world, "ash") and not _erased(world, "bo")
    text = _digest(world, at(ROUND_END + RETENTION, hour=10))
    assert "2 people's data were erased under the retention period" in text

    world.run(at(500 + RETENTION))
    assert _erased(world, "ash") and _erased(world, "bo")
    with world.app.uow() as uow:
        person = uow.repo.person(world.ids["ash"])
        assert person is not None and person.email.endswith("@invalid")
        assert person.first_name == ""


def test_someone_still_in_a_pairing_is_kept(world: World) -> None:
    pairing = world.pair("bo", "ash", at(40))
    # Still active long after the round: it was continued.
    world.update_pairing(pairing, ends_at=at(2000))
    world.run(at(ROUND_END + RETENTION + 30))
    assert not _erased(world, "ash") and not _erased(world, "bo")
    assert _erased(world, "cy")


def test_an_erasure_on_request_is_not_counted_as_retention(world: World) -> None:
    from service.privacy import erase_person

    world.approach("ash", "bo", at(3))  # some news, so a digest goes out
    world.days(4, 16)  # expires after 10 working days: day 16
    clock.set_now(at(16, hour=9))
    with world.app.uow() as uow:
        person = uow.repo.person(world.ids["di"])
        assert person is not None
        erase_person(uow, person, at(16, hour=9))
        uow.commit()
    text = _digest(world, at(16, hour=10))
    assert "Expired long-term requests (1)" in text
    assert "retention period" not in text
