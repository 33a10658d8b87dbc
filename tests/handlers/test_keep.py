"""KEEP and WITHDRAW REQUEST on the in-memory unit of work."""

from __future__ import annotations

from handlers.keep import keep, withdraw_request
from service.domain.model import ApproachStatus, IntroductionStatus
from service.purpose import stored
from tests.handlers.build import ask
from tests.handlers.world import World, key, sent
from tests.inbound.helpers import Verb


def test_keep_asks_the_mentor_and_counts_the_session_as_met(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    intro = world.introduce(mentor, mentee)
    emails = world.run(keep, ask(mentee, Verb.KEEP, choice="1"))
    assert sent(emails) == [
        ("approach_request", "sam@dept.gov.uk"),
        ("approach_sent", "alex@dept.gov.uk"),
    ]
    approach = world.read(lambda uow: uow.repo.pending_approach(key(mentee)))
    assert approach is not None and approach.mentor_id == mentor.id
    assert stored(emails[0].purpose) == f"approach:{approach.id}"  # a bare "yes" answers it
    assert world.fresh(intro).status is IntroductionStatus.MET
    assert world.events() == [f"approach.opened approach:{approach.id}"]


def test_keep_is_refused_while_a_request_waits(world: World) -> None:
    mentee, first, second = world.person("Alex"), world.mentor("Sam"), world.mentor("Kim")
    world.introduce(first, mentee, 1)
    world.introduce(second, mentee, 2)
    world.request(mentee, first)
    refusal = world.refused(keep, ask(mentee, Verb.KEEP, choice="2"))
    assert "Sam Example" in refusal


def test_keep_names_only_a_speed_mentor(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    world.introduce(mentor, mentee)
    refusal = world.refused(keep, ask(mentee, Verb.KEEP, choice="nobody@dept.gov.uk"))
    assert "is not one of your speed mentors" in refusal


def test_keep_before_any_match_says_none_were_sent(world: World) -> None:
    mentee = world.person("Alex")
    assert "not sent you any" in world.refused(keep, ask(mentee, Verb.KEEP, choice="1"))


def test_withdraw_request_takes_the_waiting_request_back(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    world.introduce(mentor, mentee)
    approach = world.request(mentee, mentor)
    emails = world.run(withdraw_request, ask(mentee, Verb.WITHDRAW_REQUEST))
    assert {to for _, to in sent(emails)} == {"alex@dept.gov.uk", "sam@dept.gov.uk"}
    found = world.fresh(approach)
    assert found.status is ApproachStatus.WITHDRAWN
    assert world.read(lambda uow: uow.repo.pending_approach(key(mentee))) is None
