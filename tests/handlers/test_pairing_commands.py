"""What partners send about their pairing: MET, CONTINUE, NOT RESPONDING, UNPAIR,
and a mentor's NOT CONTACTED about a speed mentee, on the in-memory unit of work."""

from __future__ import annotations

from datetime import date

from handlers.continue_ import continue_
from handlers.met import met
from handlers.not_responding import not_contacted, not_responding
from handlers.unpair import unpair
from service.domain.model import EndReason, IntroductionStatus, PairingStatus
from tests.handlers.build import ask
from tests.handlers.world import World, key, sent
from tests.inbound.helpers import Verb


def test_met_logs_a_meeting_once(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    pairing = world.pair(mentor, mentee)
    request = ask(mentee, Verb.MET, minutes=45, on=date(2026, 6, 30), note="good chat")
    assert sent(world.run(met, request)) == [("meeting_logged", "alex@dept.gov.uk")]
    assert world.read(lambda uow: uow.repo.minutes_met(key(pairing))) == 45
    [meeting] = world.read(lambda uow: uow.repo.meetings(key(pairing)))
    assert (meeting.logged_by, meeting.note) == (mentee.id, "good chat")
    assert sent(world.run(met, request)) == [("already_done", "alex@dept.gov.uk")]
    assert world.events() == [f"meeting.logged pairing:{pairing.id}"]


def test_met_with_a_number_records_a_speed_session(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    intro = world.introduce(mentor, mentee)
    emails = world.run(met, ask(mentee, Verb.MET, choice="1"))
    assert [to for _, to in sent(emails)] == ["alex@dept.gov.uk"]
    assert world.fresh(intro).status is IntroductionStatus.MET


def test_met_without_a_partner_or_a_match_is_refused(world: World) -> None:
    mentee = world.person("Alex")
    refusal = world.refused(met, ask(mentee, Verb.MET, minutes=30))
    assert "there is no meeting to log" in refusal


def test_continue_moves_the_end_on_near_the_end_of_the_period(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    pairing = world.pair(mentor, mentee, days_ago=360)
    emails = world.run(continue_, ask(mentor, Verb.CONTINUE))
    assert sent(emails) == [("continue_confirmed", "sam@dept.gov.uk")]
    found = world.fresh(pairing)
    assert found.period == 2 and found.ends_at > pairing.ends_at
    assert world.events() == [f"pairing.continued pairing:{pairing.id}"]


def test_not_responding_starts_the_nudges_once(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    pairing = world.pair(mentor, mentee)
    emails = world.run(not_responding, ask(mentee, Verb.NOT_RESPONDING))
    assert sent(emails) == [("not_responding_noted", "alex@dept.gov.uk")]
    found = world.fresh(pairing)
    assert found.silent_id == mentor.id and found.ladder_started_at == world.now
    again = world.run(not_responding, ask(mentee, Verb.NOT_RESPONDING))
    assert sent(again) == [("already_done", "alex@dept.gov.uk")]


def test_not_contacted_marks_the_mentees_who_never_wrote(world: World) -> None:
    mentor, quiet, keen = world.mentor("Sam"), world.person("Alex"), world.person("Kim")
    silent = world.introduce(mentor, quiet)
    world.introduce(mentor, keen, status=IntroductionStatus.MET)
    emails = world.run(not_contacted, ask(mentor, Verb.NOT_CONTACTED))
    assert sent(emails) == [("not_contacted_noted", "sam@dept.gov.uk")]
    assert [m["name"] for m in emails[0].context["mentees"]] == ["Alex Example"]
    found = world.fresh(silent)
    assert found.not_contacted_at == world.now
    assert world.events() == [f"introduction.not_contacted introduction:{silent.id}"]


def test_unpair_ends_the_pairing_and_tells_both(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    pairing = world.pair(mentor, mentee, days_ago=300)
    emails = world.run(unpair, ask(mentee, Verb.UNPAIR, reason="moving on"))
    assert sent(emails) == [
        ("unpaired_notice", "sam@dept.gov.uk"),
        ("unpaired_confirmation", "alex@dept.gov.uk"),
    ]
    found = world.fresh(pairing)
    assert found.status is PairingStatus.ENDED
    assert found.end_reason is EndReason.UNPAIRED_BY_MENTEE
    again = world.run(unpair, ask(mentee, Verb.UNPAIR))
    assert sent(again) == [("already_done", "alex@dept.gov.uk")]


def test_a_mentor_unpairing_early_lets_the_mentee_choose_again(world: World) -> None:
    mentee, mentor, other = world.person("Alex"), world.mentor("Sam"), world.mentor("Kim")
    world.introduce(mentor, mentee, 1)
    world.introduce(other, mentee, 2)
    pairing = world.pair(mentor, mentee, days_ago=30)
    emails = world.run(unpair, ask(mentor, Verb.UNPAIR))
    assert ("new_choice", "alex@dept.gov.uk") in sent(emails)
    assert [o["name"] for o in emails[-1].context["options"]] == ["Kim Example"]
    assert f"mentee.may_choose_again pairing:{pairing.id}" in world.events()


def test_a_coordinator_unpairs_and_both_partners_are_told(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    pairing = world.pair(mentor, mentee, days_ago=300)
    request = ask(mentee, Verb.UNPAIR, coordinator="coordinator@dept.gov.uk")
    emails = world.run(unpair, request)
    assert {to for template, to in sent(emails) if template == "unpaired_notice"} == {
        "alex@dept.gov.uk",
        "sam@dept.gov.uk",
    }
    found = world.fresh(pairing)
    assert found.end_reason is EndReason.UNPAIRED_BY_COORDINATOR


def test_pairing_commands_without_a_pairing_are_refused(world: World) -> None:
    mentee = world.person("Alex")
    for handler, verb in ((unpair, Verb.UNPAIR), (continue_, Verb.CONTINUE)):
        assert "do not have a long-term mentoring partnership" in world.refused(
            handler, ask(mentee, verb)
        )
