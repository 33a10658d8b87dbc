"""A ladder a human can interrupt: the coordinators hear with the second nudge and can
HOLD it; an out-of-office's return date gets a working day before any unpairing; every
nudge names the partner and their address; the partner left behind gets a route on."""

from __future__ import annotations

from service.domain.model import PairingStatus
from service.store.records import InboundStatus
from tests.harness import Programme, Sent
from tests.jobs.world import World, at

NUDGE = "Ash Tester is trying to reach you"


def _quiet_bo(world: World) -> int:
    """Bo (mentor) goes quiet; Ash said NOT RESPONDING on day 20 (a Tuesday)."""
    pairing = world.pair("bo", "ash", at(0))
    world.not_responding(pairing, "ash", at(20))
    return pairing


def _notice(world: World) -> Sent:
    [notice] = [m for m in world.coordinator_mail() if "has not answered" in m.subject]
    return notice


def _coordinator(world: World) -> str:
    return world.app.config.coordinators.addresses[0]


def test_the_coordinators_hear_with_the_second_nudge_and_every_nudge_names_the_partner(
    world: World,
) -> None:
    _quiet_bo(world)
    world.days(20, 26)
    assert world.coordinator_mail() == []  # one nudge so far
    world.days(27, 27)
    nudges = [m for m in world.inbox("bo") if m.subject.startswith(NUDGE)]
    assert len(nudges) == 2
    # Every nudge names the partner and gives their address (issue 16 item 4).
    assert all("Ash Tester" in n.text and "at ash@dept.example." in n.text for n in nudges)
    notice = _notice(world)
    assert "Bo Tester has not answered 2 reminders" in notice.text
    assert "on or after 4 August 2026" in notice.text  # five working days after the second
    assert "HOLD" in notice.text.split("WHAT YOU CAN DO NOW")[1]


def test_hold_from_a_verified_coordinator_keeps_the_partnership(world: World) -> None:
    pairing = _quiet_bo(world)
    world.days(20, 27)
    programme = Programme(world.app)
    reply = programme.reply(_notice(world), "HOLD", sender=_coordinator(world))
    programme.send(programme.authenticated(reply))
    [ack] = [m for m in world.coordinator_mail() if m.subject.startswith("Reminders stopped")]
    assert "Bo Tester (bo@dept.example)" in ack.text
    world.days(28, 45)
    p = world.pairing(pairing)
    assert p.status is PairingStatus.ACTIVE and p.silent_id is None
    assert len([m for m in world.inbox("bo") if m.subject.startswith(NUDGE)]) == 2
    assert not [m for m in world.inbox("ash") if "has ended" in m.subject]
    # The coordinator's reply is no sign of life from Bo: Bo was never "seen".
    assert p.mentor_last_seen_at is None


def test_hold_from_an_unverified_coordinator_is_confirmed_first(world: World) -> None:
    pairing = _quiet_bo(world)
    world.days(20, 27)
    programme = Programme(world.app)
    programme.send(programme.reply(_notice(world), "HOLD", sender=_coordinator(world)))
    assert world.pairing(pairing).silent_id == world.ids["bo"]  # not yet
    ask = programme.last_to(_coordinator(world))
    assert "stop the reminders to Bo Tester" in ask.text
    programme.send(programme.reply(ask, "CONFIRM", sender=_coordinator(world)))
    assert world.pairing(pairing).silent_id is None
    world.days(28, 45)
    assert world.pairing(pairing).status is PairingStatus.ACTIVE


def test_hold_with_the_token_from_another_address_changes_nothing(world: World) -> None:
    pairing = _quiet_bo(world)
    world.days(20, 27)
    programme = Programme(world.app)
    reply = programme.reply(_notice(world), "HOLD", sender="ash@dept.example")
    report = programme.send(programme.authenticated(reply))
    assert report.outcomes == {InboundStatus.NEEDS_ATTENTION.value: 1}
    world.days(28, 34)
    assert world.pairing(pairing).status is PairingStatus.ENDED


def test_the_unpairing_waits_a_working_day_after_the_out_of_office_return(world: World) -> None:
    pairing = _quiet_bo(world)
    world.days(20, 30)
    # Bo's out-of-office says they are back on Tuesday 4 August, the day the ladder ends.
    world.update_person("bo", away_until=at(34).date())
    world.days(31, 34)
    assert world.pairing(pairing).status is PairingStatus.ACTIVE
    world.run(at(35))  # Wednesday: a whole working day after their return
    assert world.pairing(pairing).status is PairingStatus.ENDED


def test_a_return_on_friday_waits_until_monday(world: World) -> None:
    pairing = _quiet_bo(world)
    world.days(20, 30)
    world.update_person("bo", away_until=at(37).date())  # Friday 7 August
    world.days(31, 39)  # through the weekend
    assert world.pairing(pairing).status is PairingStatus.ACTIVE
    world.run(at(40))  # Monday 10 August
    assert world.pairing(pairing).status is PairingStatus.ENDED


def test_the_mentee_left_behind_may_choose_again(world: World) -> None:
    pairing = _quiet_bo(world)
    world.days(20, 34)
    assert world.pairing(pairing).status is PairingStatus.ENDED
    [ended] = [m for m in world.inbox("ash") if "has ended" in m.subject]
    assert "nothing you need to do" not in ended.text.lower()
    assert "you can choose a new mentor" in ended.text
    [choice] = [m for m in world.inbox("ash") if m.subject != ended.subject and "KEEP" in m.text]
    assert "Cy Tester" in choice.text and "Di Tester" in choice.text
    assert "Bo Tester" not in choice.text.split("WHAT YOU CAN DO NOW")[0]


def test_the_mentor_left_behind_hears_their_place_is_free(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.not_responding(pairing, "bo", at(20))  # Ash (mentee) goes quiet
    world.days(20, 34)
    assert world.pairing(pairing).status is PairingStatus.ENDED
    [ended] = [m for m in world.inbox("bo") if "has ended" in m.subject]
    assert "long-term place is free again" in ended.text
