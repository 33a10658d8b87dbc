"""Departure rules (pure) and erasure on a real database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.domain.departure import close_introduction, plan_departure
from service.domain.model import (
    Approach,
    ApproachStatus,
    Introduction,
    IntroductionStatus,
    Pairing,
    PairingStatus,
    Person,
    Registration,
    Round,
)
from service.privacy import erase_person, export_person
from service.store.database import Database
from service.store.records import (
    InboundMessage,
    InterestEntry,
    OutboundMessage,
    OutboundStatus,
    ReplyToken,
)
from service.store.sql_unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _intro(mentor: int, mentee: int, status: IntroductionStatus, round_id: int = 1) -> Introduction:
    return Introduction(
        round_id=round_id,
        mentor_id=mentor,
        mentee_id=mentee,
        number=1,
        created_at=NOW,
        status=status,
    )


def test_plan_departure_picks_only_what_is_still_open() -> None:
    own = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    declined = Approach(
        round_id=1, mentee_id=1, mentor_id=3, created_at=NOW, status=ApproachStatus.DECLINED
    )
    to_them = Approach(round_id=1, mentee_id=4, mentor_id=1, created_at=NOW)
    sent, met = _intro(2, 1, IntroductionStatus.SENT), _intro(3, 1, IntroductionStatus.MET)
    other_round = _intro(5, 1, IntroductionStatus.SENT, round_id=2)
    active = Pairing(round_id=1, mentor_id=1, mentee_id=6, started_at=NOW, ends_at=NOW)
    ended = Pairing(
        round_id=1,
        mentor_id=1,
        mentee_id=7,
        started_at=NOW,
        ends_at=NOW,
        status=PairingStatus.ENDED,
    )
    plan = plan_departure(
        1,
        approaches=[own, declined, to_them],
        introductions=[sent, met, other_round],
        pairings=[active, ended],
        round_id=1,
    )
    assert plan.own_request is own
    assert plan.requests_to_them == (to_them,)
    assert plan.introductions == (sent,)
    assert plan.pairings == (active,)
    everything = plan_departure(
        1, approaches=[], introductions=[sent, met, other_round], pairings=[], round_id=None
    )
    assert everything.introductions == (sent, other_round)
    assert plan_departure(1, approaches=[], introductions=[met], pairings=[]).empty


def test_close_introduction_only_closes_open_ones() -> None:
    sent, met = _intro(2, 1, IntroductionStatus.SENT), _intro(3, 1, IntroductionStatus.MET)
    assert close_introduction(sent) and sent.status is IntroductionStatus.CLOSED
    assert not close_introduction(met) and met.status is IntroductionStatus.MET


def test_erase_person_anonymises_and_keeps_the_exactly_once_keys(db: Database) -> None:
    with SqlUnitOfWork(db) as uow:
        round_ = Round(name="2026", opens_at=NOW, closes_at=NOW, created_at=NOW)
        alex = Person(email="alex@dwp.gov.uk", first_name="Alex", last_name="Lee", created_at=NOW)
        uow.add(round_)
        uow.add(alex)
        uow.flush()
        assert round_.id is not None and alex.id is not None
        uow.add(
            Registration(
                round_id=round_.id,
                person_id=alex.id,
                roles="mentee",
                grade="EO",
                department="DWP",
                profession="Policy",
                created_at=NOW,
                job_title="Adviser",
                bio="Hello",
                wants_shared_characteristic=True,
                characteristics="Gay",
            )
        )
        uow.add(
            InboundMessage(
                key="<in@x>", transport_id="t1", raw=b"hi", received_at=NOW, person_id=alex.id
            )
        )
        uow.add(
            OutboundMessage(
                dedupe_key="k1",
                to_address="alex@dwp.gov.uk",
                template="status",
                message_id="<out1@x>",
                raw=b"Dear Alex",
                created_at=NOW,
                person_id=alex.id,
                status=OutboundStatus.SENT,
            )
        )
        uow.add(
            OutboundMessage(
                dedupe_key="k2",
                to_address="alex@dwp.gov.uk",
                template="help",
                message_id="<out2@x>",
                raw=b"Dear Alex",
                created_at=NOW,
                person_id=alex.id,
            )
        )
        uow.add(
            ReplyToken(
                token_hash="h",
                person_id=alex.id,
                purpose="",
                created_at=NOW,
                expires_at=NOW + timedelta(days=1),
            )
        )
        uow.add(InterestEntry(email="alex@dwp.gov.uk", added_at=NOW))
        uow.commit()
        assert export_person(uow, alex)["registrations"][0]["characteristics"] == ["Gay"]
        erase_person(uow, alex, NOW)
        uow.commit()
        pid = alex.id
    with SqlUnitOfWork(db) as uow:
        erased = uow.repo.person(pid)
        assert erased is not None and erased.erased
        assert (erased.email, erased.first_name, erased.last_name) == (
            f"erased-{pid}@invalid",
            "",
            "",
        )
        [reg] = uow.repo.registrations_of(pid)
        assert (reg.characteristics, reg.bio, reg.job_title) == ("", "", "")
        inbound = uow.repo.inbound_by_key("<in@x>")
        assert inbound is not None and inbound.raw == b""
        sent, queued = uow.repo.outbound_by_key("k1"), uow.repo.outbound_by_key("k2")
        assert sent is not None and queued is not None
        assert sent.raw == b"" and sent.to_address == f"erased-{pid}@invalid"
        assert sent.status is OutboundStatus.SENT and queued.status is OutboundStatus.CANCELLED
        assert uow.repo.token("h") is None
        assert uow.session.query(InterestEntry).count() == 0
        assert export_person(uow, erased)["registrations"][0]["characteristics"] == []
