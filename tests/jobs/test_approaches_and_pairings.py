"""Approach reminders and expiry; guidance, check-ins, staleness, the unresponsiveness
ladder and the end of the programme, day by day through the real store and outbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time

from service.domain.model import EndReason, PairingStatus
from tests.conftest import BOTH_BACKENDS
from tests.jobs.world import World, at


@pytest.fixture(params=BOTH_BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    # The core rules also run on PostgreSQL, as in production.
    return str(request.param)


def test_approach_reminder_on_day_5_and_expiry_on_day_10(world: World) -> None:
    approach = world.approach("ash", "bo", at(30))
    world.days(30, 34)
    assert world.subjects("bo") == []
    world.days(35, 39)
    assert world.subjects("bo") == ["Reminder: Ash Tester is waiting for your answer"]
    assert world.approach_status(approach) == "pending"
    world.days(40, 45)
    assert world.approach_status(approach) == "expired"
    assert world.subjects("bo")[-1] == "Ash Tester's request has now closed"
    expired = [s for s in world.subjects("ash") if "did not hear back" in s]
    assert expired == ["We did not hear back from Bo Tester"]
    assert "Cy Tester" in world.inbox("ash")[-1].text  # who else they may ask


def test_an_answered_approach_is_neither_reminded_nor_expired(world: World) -> None:
    approach = world.approach("ash", "bo", at(30))
    with world.app.uow() as uow:
        a = uow.repo.approach(approach)
        assert a is not None
        from service.domain import rules

        rules.decline_approach(a, at(32))
        uow.commit()
    world.days(30, 45)
    assert not any(s.startswith("Reminder") for s in world.subjects("bo"))
    assert world.approach_status(approach) == "declined"
    assert not any("did not hear back" in s for s in world.subjects("ash"))


def test_guidance_emails_go_to_both_in_order_in_the_first_months(world: World) -> None:
    pairing = world.pair("bo", "ash", at(40))
    for day in range(40, 40 + 100):
        world.run(at(day))
        # Somebody answers each check-in, so only guidance and check-ins arrive.
        world.update_pairing(pairing, mentor_last_seen_at=at(day), mentee_last_seen_at=at(day))
    tips = [s for s in world.subjects("ash") if s.startswith("Mentoring tips")]
    # The first meeting's tips came with pairing_started; four follow in order.
    assert len(tips) == 4
    assert tips[0] == "Mentoring tips: your learning contract"
    assert len([s for s in world.subjects("bo") if s.startswith("Mentoring tips")]) == 4


def test_check_ins_unanswered_make_the_pairing_stale_then_closed(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    with freeze_time(at(0)) as frozen:
        for day in range(0, 150):
            frozen.move_to(at(day))
            world.run(at(day))
    check_ins = [s for s in world.subjects("ash") if s.startswith("How is your mentoring")]
    assert len(check_ins) == 2  # day 42 and day 84; nobody answered either
    assert world.subjects("ash").count("Is your mentoring with Bo Tester still going?") == 1
    p = world.pairing(pairing)
    assert p.status is PairingStatus.ENDED and p.end_reason is EndReason.STALE
    assert p.ended_at == at(126 + 14)
    closed = "We've closed your mentoring partnership with Bo Tester"
    assert world.subjects("ash").count(closed) == 1
    assert (
        world.subjects("bo").count("We've closed your mentoring partnership with Ash Tester") == 1
    )


def test_a_reply_after_the_stale_warning_keeps_the_pairing(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.days(0, 126)
    assert world.pairing(pairing).stale_warned_at == at(126)
    world.update_pairing(pairing, mentee_last_seen_at=at(127))  # CONTINUE
    world.days(127, 150)
    p = world.pairing(pairing)
    assert p.status is PairingStatus.ACTIVE
    assert p.stale_warned_at is None
    assert not any("closed your mentoring" in s for s in world.subjects("ash"))


def test_ladder_two_nudges_then_escalation_and_unpairing(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.not_responding(pairing, "ash", at(20))
    world.days(20, 40)
    nudges = [s for s in world.subjects("bo") if s == "Ash Tester is trying to reach you"]
    assert len(nudges) == 2
    p = world.pairing(pairing)
    assert p.status is PairingStatus.ENDED and p.end_reason is EndReason.UNRESPONSIVE
    assert p.ended_at == at(34)  # nudges on day 20 and 27, escalation a week later
    told, escalation = world.coordinator_mail()  # with the second nudge, then the unpairing
    assert "Bo Tester has not answered" in told.subject
    assert escalation.subject.startswith("Unpaired for no response: Bo Tester and Ash Tester")
    ended = "Your mentoring partnership with {} has ended"
    assert world.subjects("ash").count(ended.format("Bo Tester")) == 1
    assert world.subjects("bo").count(ended.format("Ash Tester")) == 1


def test_ladder_stops_when_the_silent_side_speaks_up(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.not_responding(pairing, "ash", at(20))
    world.run(at(20))
    world.update_pairing(pairing, mentor_last_seen_at=at(22))
    world.days(21, 40)
    assert world.subjects("bo").count("Ash Tester is trying to reach you") == 1
    p = world.pairing(pairing)
    assert p.status is PairingStatus.ACTIVE and p.silent_id is None
    assert world.coordinator_mail() == []


def test_ladder_pauses_while_the_silent_side_is_away(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.not_responding(pairing, "ash", at(20))
    world.update_person("bo", away_until=at(30).date())
    world.days(20, 29)
    assert "Ash Tester is trying to reach you" not in world.subjects("bo")
    world.run(at(30))
    assert world.subjects("bo").count("Ash Tester is trying to reach you") == 1


def test_one_side_answering_check_ins_starts_the_ladder_for_the_other(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.days(40, 42)
    world.update_pairing(pairing, mentee_last_seen_at=at(43))  # Ash answered, Bo did not
    world.days(43, 85)
    p = world.pairing(pairing)
    assert p.silent_id == world.ids["bo"]
    # Ash never said NOT RESPONDING: the nudge must not say they did.
    assert "Ash Tester is trying to reach you" not in world.subjects("bo")
    assert "Checking in about your mentoring with Ash Tester" in world.subjects("bo")
    # The check-in that found Bo silent went to Ash only: Bo heard from the ladder's
    # nudge instead, not from both (`mail_budget.asked_at_check_in`).
    asked = "How is your mentoring with {} going?"
    assert world.subjects("bo").count(asked.format("Ash Tester")) == 1  # the first only
    assert world.subjects("ash").count(asked.format("Bo Tester")) == 2
    [nudge] = [m for m in world.inbox("bo") if "Checking in about" in m.subject]
    assert "has told us" not in nudge.text  # the partner did not report it: we noticed
    assert "since our last check-in" in nudge.text


def test_a_nudge_after_not_responding_says_the_partner_asked(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    world.not_responding(pairing, "ash", at(20))
    world.run(at(20))
    [nudge] = [m for m in world.inbox("bo") if "trying to reach you" in m.subject]
    assert "Ash Tester has told us they cannot reach you" in nudge.text


def test_programme_end_then_completed_unless_continued(world: World) -> None:
    ended = world.pair("bo", "ash", at(0))
    world.add_person("eli", roles="mentee", grade="EO", department="Cabinet Office")
    kept = world.pair("cy", "eli", at(0))
    length = world.app.config.timings.programme_length
    for pairing_id in (ended, kept):  # both keep answering, so only the ending matters
        world.update_pairing(pairing_id, last_check_in_at=at(length - 1))
    world.run(at(length))
    world.run(at(length + 1))
    thanks = "Your mentoring year with {}: thank you"
    assert world.subjects("ash").count(thanks.format("Bo Tester")) == 1
    assert world.subjects("eli").count(thanks.format("Cy Tester")) == 1
    # Eli replied CONTINUE: the agreed period moves on a year.
    p = world.pairing(kept)
    world.update_pairing(kept, ends_at=p.ends_at + timedelta(days=length), period=2)
    world.run(at(length + 14))
    assert world.pairing(ended).end_reason is EndReason.COMPLETED
    assert world.pairing(kept).status is PairingStatus.ACTIVE
