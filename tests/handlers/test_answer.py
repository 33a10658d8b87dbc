"""ACCEPT and DECLINE on the in-memory unit of work."""

from __future__ import annotations

from handlers.accept import accept
from handlers.decline import decline
from service.domain.model import ApproachStatus, PairingStatus
from tests.handlers.build import ask
from tests.handlers.world import World, key, sent
from tests.inbound.helpers import Verb


def test_accept_starts_the_pairing(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    world.introduce(mentor, mentee)
    approach = world.request(mentee, mentor)
    emails = world.run(accept, ask(mentor, Verb.ACCEPT))
    assert sent(emails) == [
        ("pairing_started", "alex@dept.gov.uk"),
        ("pairing_started", "sam@dept.gov.uk"),
    ]
    pairing = world.read(lambda uow: uow.repo.active_pairing_of_mentee(key(mentee)))
    assert pairing is not None and pairing.mentor_id == mentor.id
    assert pairing.status is PairingStatus.ACTIVE
    assert world.fresh(approach).status is ApproachStatus.ACCEPTED
    assert world.events() == [
        f"approach.accepted approach:{approach.id}",
        f"pairing.started pairing:{pairing.id}",
    ]


def test_accept_closes_the_other_requests_once_the_mentor_is_full(world: World) -> None:
    first, second, mentor = world.person("Alex"), world.person("Kim"), world.mentor("Sam")
    world.introduce(mentor, first)
    world.introduce(mentor, second)
    chosen = world.request(first, mentor, days_ago=2)
    other = world.request(second, mentor, days_ago=1)
    emails = world.run(accept, ask(mentor, Verb.ACCEPT, purpose=f"approach:{chosen.id}"))
    assert ("approach_declined", "kim@dept.gov.uk") in sent(emails)
    closed = world.fresh(other)
    assert closed.status is ApproachStatus.EXPIRED


def test_a_bare_answer_with_two_requests_waiting_is_refused(world: World) -> None:
    first, second, mentor = world.person("Alex"), world.person("Kim"), world.mentor("Sam", places=2)
    world.request(first, mentor)
    world.request(second, mentor)
    refusal = world.refused(accept, ask(mentor, Verb.ACCEPT))
    assert "More than one mentee has asked you" in refusal


def test_accept_without_a_request_is_refused(world: World) -> None:
    mentor = world.mentor("Sam")
    assert "No mentee is waiting" in world.refused(accept, ask(mentor, Verb.ACCEPT))


def test_decline_tells_the_mentee_and_offers_the_others(world: World) -> None:
    mentee, mentor, other = world.person("Alex"), world.mentor("Sam"), world.mentor("Kim")
    world.introduce(mentor, mentee, 1)
    world.introduce(other, mentee, 2)
    approach = world.request(mentee, mentor)
    emails = world.run(decline, ask(mentor, Verb.DECLINE))
    assert sent(emails) == [
        ("approach_declined", "alex@dept.gov.uk"),
        ("decline_confirmed", "sam@dept.gov.uk"),
    ]
    assert [o["name"] for o in emails[0].context["other_mentors"]] == ["Kim Example"]
    assert world.fresh(approach).status is ApproachStatus.DECLINED


def test_declining_twice_says_it_is_done_and_accepting_after_is_refused(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    approach = world.request(mentee, mentor)
    world.run(decline, ask(mentor, Verb.DECLINE))
    again = world.run(decline, ask(mentor, Verb.DECLINE, purpose=f"approach:{approach.id}"))
    assert sent(again) == [("already_done", "sam@dept.gov.uk")]
    refusal = world.refused(accept, ask(mentor, Verb.ACCEPT, purpose=f"approach:{approach.id}"))
    assert "You declined Alex Example's request" in refusal
