"""The unit of work's contract, kept by every implementation.

Each test runs on the in-memory unit of work, on SQLite and on PostgreSQL: what the
handler unit tests (tests/handlers/, in memory) show holds on the real databases too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta

import pytest

from service import privacy
from service.domain.model import (
    Approach,
    ApproachStatus,
    Feedback,
    Introduction,
    IntroductionStatus,
    Meeting,
    Pairing,
    PairingStatus,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.store.errors import CONFLICTS
from service.store.memory import MemoryStore, MemoryUnitOfWork
from service.store.records import (
    DEDUPE_KEY_CHARS,
    InboundMessage,
    InboundStatus,
    InterestEntry,
    OutboundMessage,
    OutboundStatus,
    ReplyToken,
    dedupe_key,
)
from service.store.sql_unit_of_work import SqlUnitOfWork
from service.store.unit_of_work import UnitOfWork

NOW = datetime(2026, 5, 17, 8, 0, tzinfo=UTC)
Units = Callable[..., UnitOfWork]


def _conforms(memory: MemoryUnitOfWork, sql: SqlUnitOfWork) -> tuple[UnitOfWork, UnitOfWork]:
    """Checked by mypy: both implementations are the protocol."""
    return memory, sql


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def units(backend: str, request: pytest.FixtureRequest) -> Units:
    """Makes units of work on one store: `units(actor=..., inbound_id=...)`."""
    if backend == "memory":
        return MemoryStore().uow
    db = request.getfixturevalue("db")
    return lambda **kw: SqlUnitOfWork(db, **kw)


def person(email: str, first: str = "Alex", last: str = "Lee") -> Person:
    return Person(email=email, first_name=first, last_name=last, created_at=NOW)


def a_round(name: str = "2026", opens: datetime = NOW) -> Round:
    return Round(name=name, opens_at=opens, closes_at=opens + timedelta(days=31), created_at=opens)


def outbound(key: str, to: str = "alex@dept.gov.uk", **kw: object) -> OutboundMessage:
    fields: dict[str, object] = {
        "dedupe_key": key,
        "to_address": to,
        "template": "help",
        "message_id": f"<{key[:40]}.{len(key)}@test>",
        "raw": b"x",
        "created_at": NOW,
    }
    fields.update(kw)
    return OutboundMessage(**fields)  # type: ignore[arg-type]


def seed(uow: UnitOfWork) -> tuple[Round, Person, Person]:
    """A round, a mentee and a mentor (ids given)."""
    r, mentee, mentor = a_round(), person("alex@dept.gov.uk"), person("sam@dept.gov.uk", "Sam")
    for obj in (r, mentee, mentor):
        uow.add(obj)
    uow.flush()
    return r, mentee, mentor


def ids(r: Round, *people: Person) -> tuple[int, ...]:
    assert r.id is not None and all(p.id is not None for p in people)
    return (r.id, *(p.id for p in people if p.id is not None))


# --- transactions ------------------------------------------------------------------------
def test_commit_keeps_and_leaving_without_commit_forgets(units: Units) -> None:
    with units() as uow:
        uow.add(person("kept@dept.gov.uk"))
        uow.commit()
    with units() as uow:
        uow.add(person("lost@dept.gov.uk"))
        uow.flush()
    with units() as uow:
        assert uow.repo.person_by_email("kept@dept.gov.uk") is not None
        assert uow.repo.person_by_email("lost@dept.gov.uk") is None


def test_rollback_forgets_changes_to_what_was_read(units: Units) -> None:
    with units() as uow:
        uow.add(person("alex@dept.gov.uk"))
        uow.commit()
    with units() as uow:
        found = uow.repo.person_by_email("alex@dept.gov.uk")
        assert found is not None
        found.first_name = "Changed"
        uow.add(person("new@dept.gov.uk"))
        uow.rollback()
        again = uow.repo.person_by_email("alex@dept.gov.uk")
        assert again is not None and again.first_name == "Alex"
        assert uow.repo.person_by_email("new@dept.gov.uk") is None


def test_ids_after_flush_and_objects_readable_after_the_block(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        assert len({mentee.id, mentor.id}) == 2
        uow.commit()
    assert mentee.email == "alex@dept.gov.uk" and r.name == "2026"
    with units() as uow:
        assert mentee.id is not None
        found = uow.repo.person(mentee.id)
        assert found is not None and found.email == "alex@dept.gov.uk"


def test_a_change_after_commit_is_not_kept_without_another_commit(units: Units) -> None:
    with units() as uow:
        p = person("alex@dept.gov.uk")
        uow.add(p)
        uow.commit()
        p.first_name = "Later"
    with units() as uow:
        assert p.id is not None
        found = uow.repo.person(p.id)
        assert found is not None and found.first_name == "Alex"


def test_queries_see_what_this_unit_of_work_added_or_changed(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        uow.add(
            Approach(round_id=round_id, mentee_id=mentee_id, mentor_id=mentor_id, created_at=NOW)
        )
        assert uow.repo.pending_approach(mentee_id) is not None
        approach = uow.repo.pending_approach(mentee_id)
        assert approach is not None
        approach.status = ApproachStatus.WITHDRAWN
        assert uow.repo.pending_approach(mentee_id) is None
        assert uow.repo.pending_approaches_naming(mentee_id) == []
        assert [a.status for a in uow.repo.approaches_of_mentee(mentee_id)] == ["withdrawn"]


@pytest.mark.parametrize(
    "second",
    [
        lambda ids: person("alex@dept.gov.uk"),
        lambda ids: Approach(round_id=ids[0], mentee_id=ids[1], mentor_id=ids[2], created_at=NOW),
        lambda ids: Pairing(
            round_id=ids[0], mentee_id=ids[1], mentor_id=ids[2], started_at=NOW, ends_at=NOW
        ),
        lambda ids: outbound("same"),
    ],
    ids=["person address", "pending approach", "active pairing", "dedupe key"],
)
def test_what_must_be_unique_is_refused_and_nothing_is_kept(
    units: Units, second: Callable[[tuple[int, ...]], object]
) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        keys = ids(r, mentee, mentor)
        uow.add(Approach(round_id=keys[0], mentee_id=keys[1], mentor_id=keys[2], created_at=NOW))
        uow.add(
            Pairing(
                round_id=keys[0], mentee_id=keys[1], mentor_id=keys[2], started_at=NOW, ends_at=NOW
            )
        )
        uow.add(outbound("same"))
        uow.commit()
    with pytest.raises(CONFLICTS), units() as uow:
        uow.add(second(keys))
        uow.add(person("other@dept.gov.uk"))
        uow.flush()
        uow.commit()
    with units() as uow:
        assert uow.repo.person_by_email("other@dept.gov.uk") is None


def test_what_is_remembered_is_never_stale(units: Units) -> None:
    with units() as uow:
        p = person("alex@dept.gov.uk")
        uow.add(p)
        uow.flush()
        assert p.id is not None
        pid = p.id

        def name() -> str:
            found = uow.repo.person(pid)
            return found.first_name if found else ""

        assert uow.remember(("name", pid), name) == "Alex"
        p.first_name = "Sam"  # a change in this unit of work: worked out again
        assert uow.remember(("name", pid), name) == "Sam"


# --- the audit trail ---------------------------------------------------------------------
def test_audit_events_carry_the_actor_and_the_message(units: Units) -> None:
    with units(actor="person:1", inbound_id=None) as uow:
        uow.audit("pairing.started", "pairing:7", {"by": "accept"})
        uow.audit("pairing.started", "pairing:7", {"by": "coordinator"}, actor="coordinator")
        uow.audit("pairing.ended", "pairing:8")
        uow.commit()
    with units() as uow:
        latest = uow.repo.latest_audit("pairing.started", "pairing:7")
        assert latest is not None
        assert (latest.actor, latest.detail) == ("coordinator", {"by": "coordinator"})
        events = uow.repo.audit_after(0)
        assert [(e.action, e.actor) for e in events] == [
            ("pairing.started", "person:1"),
            ("pairing.started", "coordinator"),
            ("pairing.ended", "person:1"),
        ]
        assert [e.id for e in uow.repo.audit_after(events[1].id or 0)] == [events[2].id]
        window = uow.repo.audit_events(
            "pairing.started", events[0].at - timedelta(days=1), events[0].at + timedelta(days=1)
        )
        assert len(window) == 2


# --- people, rounds, registrations ------------------------------------------------------
def test_people_are_found_by_address_whatever_its_case(units: Units) -> None:
    with units() as uow:
        _, mentee, mentor = seed(uow)
        uow.commit()
    with units() as uow:
        found = uow.repo.person_by_email("  ALEX@Dept.gov.uk ")
        assert found is not None and found.id == mentee.id
        assert mentee.id is not None and mentor.id is not None
        assert set(uow.repo.people([mentee.id, mentor.id, 999])) == {mentee.id, mentor.id}
        assert [p.email for p in uow.repo.all_people()] == ["alex@dept.gov.uk", "sam@dept.gov.uk"]


def test_rounds_by_window_and_by_person(units: Units) -> None:
    later = NOW + timedelta(days=365)
    with units() as uow:
        first, second = a_round("2026"), a_round("2027", later)
        uow.add(second)
        uow.add(first)
        p = person("alex@dept.gov.uk")
        uow.add(p)
        uow.flush()
        assert first.id is not None and p.id is not None
        uow.add(_registration(first.id, p.id))
        uow.commit()
    with units() as uow:
        assert [r.name for r in uow.repo.rounds()] == ["2026", "2027"]
        found = uow.repo.round_open_at(NOW + timedelta(days=1))
        assert found is not None and found.name == "2026"
        assert uow.repo.round_open_at(NOW + timedelta(days=100)) is None
        upcoming = uow.repo.next_round_after(NOW + timedelta(days=100))
        assert upcoming is not None and upcoming.name == "2027"
        latest = uow.repo.latest_round_for(p.id)
        assert latest is not None and latest.name == "2026"
        by_name = uow.repo.round_by_name("2027")
        assert by_name is not None and by_name.id == second.id


def _registration(round_id: int, person_id: int, roles: str = "mentee") -> Registration:
    return Registration(
        round_id=round_id,
        person_id=person_id,
        roles=roles,
        grade="HEO",
        department="Home Office",
        profession="Policy",
        created_at=NOW,
    )


def test_registrations_by_round_status_person_and_time(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        confirmed = _registration(round_id, mentor_id, "mentor")
        confirmed.status = RegistrationStatus.CONFIRMED
        uow.add(_registration(round_id, mentee_id))
        uow.add(confirmed)
        uow.commit()
    with units() as uow:
        assert len(uow.repo.registrations(round_id)) == 2
        only = uow.repo.registrations(round_id, RegistrationStatus.CONFIRMED)
        assert [x.person_id for x in only] == [mentor_id]
        mine = uow.repo.registration(round_id, mentee_id)
        assert mine is not None and mine.roles == "mentee"
        assert mine.id is not None and uow.repo.registration_by_id(mine.id) is not None
        assert [x.person_id for x in uow.repo.registrations_of(mentee_id)] == [mentee_id]
        made = uow.repo.registrations_created(NOW - timedelta(hours=1), NOW)
        assert len(made) == 2
        assert uow.repo.registrations_created(NOW, NOW + timedelta(hours=1)) == []


# --- introductions, approaches, pairings, meetings ----------------------------------------
def test_introductions_in_the_order_the_mentee_was_told(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        other = person("kim@dept.gov.uk", "Kim")
        uow.add(other)
        uow.flush()
        assert other.id is not None
        for number, who in ((2, other.id), (1, mentor_id)):
            uow.add(
                Introduction(
                    round_id=round_id,
                    mentor_id=who,
                    mentee_id=mentee_id,
                    number=number,
                    created_at=NOW,
                    status=IntroductionStatus.SENT,
                )
            )
        uow.commit()
    with units() as uow:
        assert [i.mentor_id for i in uow.repo.introductions_of(mentee_id)] == [mentor_id, other.id]
        assert [i.number for i in uow.repo.introductions_of(mentor_id, round_id)] == [1]
        between = uow.repo.introduction_between(round_id, mentor_id, mentee_id)
        assert between is not None and between.number == 1
        assert uow.repo.earlier_pairs(round_id) == set()
        assert uow.repo.earlier_pairs(round_id + 1) == {
            (mentor_id, mentee_id),
            (other.id, mentee_id),
        }
        assert uow.repo.matched_mentee_count() == 1
        assert len(uow.repo.introductions(round_id)) == 2 == len(uow.repo.all_introductions())


def test_approaches_to_a_mentor_oldest_first(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        second = person("kim@dept.gov.uk", "Kim")
        uow.add(second)
        uow.flush()
        assert second.id is not None
        uow.add(
            Approach(
                round_id=round_id,
                mentee_id=second.id,
                mentor_id=mentor_id,
                created_at=NOW + timedelta(hours=1),
            )
        )
        uow.add(
            Approach(round_id=round_id, mentee_id=mentee_id, mentor_id=mentor_id, created_at=NOW)
        )
        uow.commit()
    with units() as uow:
        waiting = uow.repo.pending_approaches_to(mentor_id)
        assert [a.mentee_id for a in waiting] == [mentee_id, second.id]
        assert [a.mentee_id for a in uow.repo.approaches_to(mentor_id)] == [mentee_id, second.id]
        assert len(uow.repo.all_pending_approaches()) == 2 == len(uow.repo.approaches_in(round_id))
        # Either side's pending requests in one list, oldest first.
        naming_mentor = uow.repo.pending_approaches_naming(mentor_id)
        assert [a.mentee_id for a in naming_mentor] == [mentee_id, second.id]
        assert [a.mentor_id for a in uow.repo.pending_approaches_naming(second.id)] == [mentor_id]
        waiting[0].status = ApproachStatus.DECLINED
        uow.commit()
    with units() as uow:
        assert [a.mentee_id for a in uow.repo.pending_approaches_to(mentor_id)] == [second.id]
        assert uow.repo.pending_approach(mentee_id) is None


def vars_of(obj: object) -> dict[str, object]:
    """A mapped dataclass's fields, as values (not the ORM's bookkeeping)."""
    return {f.name: getattr(obj, f.name) for f in fields(obj)}  # type: ignore[arg-type]


def test_pairings_and_the_meetings_they_logged(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        pairing = Pairing(
            round_id=round_id,
            mentor_id=mentor_id,
            mentee_id=mentee_id,
            started_at=NOW,
            ends_at=NOW + timedelta(days=365),
        )
        uow.add(pairing)
        uow.flush()
        assert pairing.id is not None
        # The same meeting logged by both partners, and another one.
        for by, on, minutes in (
            (mentee_id, date(2026, 6, 1), 45),
            (mentor_id, date(2026, 6, 1), 45),
            (mentee_id, date(2026, 5, 20), 30),
        ):
            uow.add(
                Meeting(
                    pairing_id=pairing.id,
                    logged_by=by,
                    met_on=on,
                    minutes=minutes,
                    created_at=NOW,
                    note="notes",
                )
            )
        uow.commit()
    with units() as uow:
        found = uow.repo.active_pairing_of_mentee(mentee_id)
        assert found is not None and found.id == pairing.id
        assert [p.id for p in uow.repo.active_pairings_of(mentor_id)] == [pairing.id]
        assert uow.repo.active_pairings_as_mentor(mentor_id) == 1
        assert uow.repo.meetings(pairing.id)[0].met_on == date(2026, 5, 20)
        assert len(uow.repo.distinct_meetings(pairing.id)) == 2
        assert uow.repo.minutes_met(pairing.id) == 75
        assert len(uow.repo.meetings_of([pairing.id])) == 3 == len(uow.repo.all_meetings())
        # The daily rules' look over every active pairing: copies equal to what is stored.
        glance = uow.repo.active_pairings_at_a_glance()
        assert [vars_of(p) for p in glance.pairings] == [vars_of(found)]
        assert {i: vars_of(p) for i, p in glance.people.items()} == {
            i: vars_of(p) for i, p in uow.repo.people([mentee_id, mentor_id]).items()
        }
        assert glance.last_met == uow.repo.last_meeting_logged_at([pairing.id])
        assert glance.last_met[pairing.id] == NOW
        # What each daily pairing step reads first: the pairing, both people, last met.
        read = uow.repo.pairing_and_people(pairing.id)
        assert read is not None and read[0] is found
        assert (read[1].id, read[2].id, read[3]) == (mentor_id, mentee_id, NOW)
        assert uow.repo.pairing_and_people(pairing.id + 1000) is None
        found.status = PairingStatus.ENDED
        uow.commit()
    with units() as uow:
        assert uow.repo.active_pairing_of_mentee(mentee_id) is None
        assert uow.repo.all_active_pairings() == []
        assert uow.repo.active_pairings_at_a_glance() == ([], {}, {})
        assert [p.id for p in uow.repo.pairings_of(mentee_id)] == [pairing.id]
        assert len(uow.repo.pairings_in(round_id)) == 1 == len(uow.repo.all_pairings())


def test_feedback_one_answer_per_asking_found_and_its_comments_cleared(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        pairing = Pairing(round_id, mentor_id, mentee_id, NOW, NOW + timedelta(days=365))
        uow.add(pairing)
        uow.flush()
        assert pairing.id is not None
        pid = pairing.id
        for who, asking, score in ((mentee_id, "check-in 1", 4), (mentor_id, "check-in 1", 2)):
            uow.add(Feedback(pid, who, asking, score, f"words of {who}", NOW, NOW))
        uow.add(Feedback(pid, mentee_id, "end 1", None, "more words", NOW, NOW))
        uow.commit()
    with units() as uow:
        found = uow.repo.feedback_given(pid, mentee_id, "check-in 1")
        assert found is not None and (found.score, found.comment) == (4, f"words of {mentee_id}")
        assert uow.repo.feedback_given(pid, mentee_id, "check-in 2") is None
        assert len(uow.repo.feedback_of([pid])) == 3 and uow.repo.feedback_of([]) == []
        assert {f.asking for f in uow.repo.feedback_by(mentee_id)} == {"check-in 1", "end 1"}
        uow.add(Feedback(pid, mentee_id, "check-in 1", 5, "again", NOW, NOW))
        with pytest.raises(CONFLICTS):
            uow.flush()  # one answer per person per asking: a second one replaces it
    with units() as uow:
        uow.repo.clear_feedback_comments_of(mentor_id)  # the partner's words may name them
        uow.commit()
    with units() as uow:
        assert [(f.score, f.comment) for f in uow.repo.feedback_of([pid])] == [
            (4, ""),
            (2, ""),
            (None, ""),
        ]


def test_an_email_cancelled_before_it_went_is_not_counted_as_had(units: Units) -> None:
    # A reminder cancelled when working hours let it go never reached them: the next
    # reminder's "emailed lately" (`jobs.context.emailed_lately`) must not count it.
    with units() as uow:
        uow.add(outbound("check-in:1:1:1", template="check_in", status=OutboundStatus.CANCELLED))
        uow.add(outbound("help:1"))
        uow.commit()
    with units() as uow:
        assert uow.repo.emails_to_since("alex@dept.gov.uk", NOW) == 1
        assert uow.repo.emails_to_since("alex@dept.gov.uk", NOW, template="check_in") == 0


# --- mail records and tokens ----------------------------------------------------------------
def test_emails_by_key_address_template_and_time(units: Units) -> None:
    long_key = "answer:" + "x" * (DEDUPE_KEY_CHARS * 2)
    with units() as uow:
        _, mentee, _ = seed(uow)
        assert mentee.id is not None
        uow.add(
            outbound(
                long_key[: DEDUPE_KEY_CHARS - 20] + "-a", person_id=mentee.id, automatic_answer=True
            )
        )
        uow.add(
            outbound(
                dedupe_key(long_key),
                person_id=mentee.id,
                template="erasure_confirm",
                created_at=NOW + timedelta(hours=1),
            )
        )
        uow.add(outbound("to-someone-else", to="kim@dept.gov.uk"))
        uow.commit()
    with units() as uow:
        found = uow.repo.outbound_by_key(long_key)
        assert found is not None and found.template == "erasure_confirm"
        assert uow.repo.outbound_by_message_id(found.message_id) is not None
        assert uow.repo.is_our_message_id(found.message_id)
        assert not uow.repo.is_our_message_id("<not-ours@test>")
        assert uow.repo.emails_to_since("alex@dept.gov.uk", NOW) == 2
        assert uow.repo.emails_to_since("alex@dept.gov.uk", NOW, automatic_answer=True) == 1
        assert uow.repo.emails_to_since("alex@dept.gov.uk", NOW, template="erasure_confirm") == 1
        assert uow.repo.emails_to_since("alex@dept.gov.uk", NOW + timedelta(minutes=1)) == 1
        latest = uow.repo.latest_email(mentee.id, "erasure_confirm")
        assert latest is not None and latest.id == found.id
        assert uow.repo.latest_email_at(
            "erasure_confirm", NOW + timedelta(days=1)
        ) == NOW + timedelta(hours=1)
        assert uow.repo.latest_email_at("erasure_confirm", NOW) is None
        assert uow.repo.message_counts(mentee.id) == (0, 2)
        assert uow.repo.mail_counts() == (0, 3)
        facts = uow.repo.sent_after(0)
        assert [f.to_address for f in facts] == [
            "alex@dept.gov.uk",
            "alex@dept.gov.uk",
            "kim@dept.gov.uk",
        ]
        assert len(uow.repo.sent_after(facts[1].id)) == 1
        assert sorted(f[1] for f in uow.repo.outbound_facts()) == [
            "erasure_confirm",
            "help",
            "help",
        ]


def _inbound(key: str, **kw: object) -> InboundMessage:
    return InboundMessage(key=key, transport_id=f"t-{key}", raw=b"raw", received_at=NOW, **kw)  # type: ignore[arg-type]


def test_only_one_transaction_takes_a_stored_message(units: Units) -> None:
    with units() as uow:
        record = _inbound("<1@x>")
        uow.add(record)
        uow.commit()
    assert record.id is not None
    outcome = {"status": InboundStatus.PROCESSED, "kind": "command", "processed_at": NOW}
    with units() as uow:
        assert uow.repo.inbound_exists("<1@x>") and not uow.repo.inbound_exists("<2@x>")
        found = uow.repo.inbound(record.id)
        assert found is not None
        assert uow.repo.take_inbound(found, outcome) is True
        assert (found.status, found.kind) == (InboundStatus.PROCESSED, "command")
        assert uow.repo.take_inbound(found, {"status": InboundStatus.IGNORED}) is False
        uow.commit()
    with units() as uow:
        found = uow.repo.inbound(record.id)
        assert found is not None and found.status is InboundStatus.PROCESSED
        assert found.processed_at == NOW
        uow.repo.mark_moved([record.id], NOW)
        uow.commit()
    with units() as uow:
        found = uow.repo.inbound(record.id)
        assert found is not None and found.moved_at == NOW


def test_a_fetched_message_is_added_and_taken_by_its_id(units: Units) -> None:
    record = _inbound("<added@x>", attempts=1)
    with units() as uow:
        uow.repo.add_inbound(record)
        assert record.id is not None
        uow.commit()
    assert record.id is not None
    with units() as uow:
        found = uow.repo.inbound(record.id)
        assert found is not None
        assert (found.key, found.raw, found.attempts) == ("<added@x>", b"raw", 1)
        assert found.status is InboundStatus.STORED
        # The record as added (not read back) is what the pipeline hands on.
        assert uow.repo.take_inbound(record, {"status": InboundStatus.IGNORED}) is True
        assert record.status is InboundStatus.IGNORED
        uow.commit()
    with units() as uow:
        again = uow.repo.inbound(record.id)
        assert again is not None and again.status is InboundStatus.IGNORED
    with units() as uow:  # an uncommitted add leaves nothing behind
        uow.repo.add_inbound(_inbound("<rolled-back@x>"))
    with units() as uow:
        assert not uow.repo.inbound_exists("<rolled-back@x>")


def test_the_needs_attention_worklist_waiting_and_resolved(units: Units) -> None:
    waiting: dict[str, object] = {
        "status": InboundStatus.NEEDS_ATTENTION,
        "kind": "command",
        "processed_at": NOW,
    }
    with units() as uow:
        uow.add(_inbound("<w1>", **waiting))
        uow.add(_inbound("<done>", **waiting))
        uow.add(_inbound("<w2>", **waiting))
        uow.add(_inbound("<fine>", status=InboundStatus.PROCESSED, processed_at=NOW))
        uow.commit()
    with units() as uow:
        assert [i.key for i in uow.repo.needs_attention()] == ["<w1>", "<done>", "<w2>"]
        done = uow.repo.inbound_by_key("<done>")
        assert done is not None
        done.resolved_at, done.resolved_by = NOW, "coordinator@example.org"
        done.resolution_note = "answered by phone"
        uow.commit()
    with units() as uow:
        assert [i.key for i in uow.repo.needs_attention()] == ["<w1>", "<w2>"]
        (resolved,) = uow.repo.needs_attention(resolved=True)
        assert (resolved.key, resolved.resolved_by, resolved.resolution_note) == (
            "<done>",
            "coordinator@example.org",
            "answered by phone",
        )
        assert resolved.resolved_at == NOW


def test_a_batch_of_fetched_messages_is_added_with_ids_in_order(units: Units) -> None:
    with units() as uow:
        uow.repo.add_inbound(_inbound("<old@x>"))
        uow.commit()
    batch = [_inbound(f"<batch-{n}@x>", attempts=n) for n in range(3)]
    with units() as uow:
        keys = ["<old@x>", "<batch-0@x>", "<batch-1@x>", "<batch-2@x>"]
        assert uow.repo.stored_keys(keys) == {"<old@x>"}
        assert uow.repo.stored_keys([]) == set()
        uow.repo.add_inbounds(batch)
        assert uow.repo.stored_keys(keys) == set(keys)
        uow.commit()
    with units() as uow:
        for n, record in enumerate(batch):
            assert record.id is not None
            found = uow.repo.inbound(record.id)
            assert found is not None
            assert (found.key, found.attempts) == (f"<batch-{n}@x>", n)
    with units() as uow:  # uncommitted: nothing kept
        uow.repo.add_inbounds([_inbound("<gone-1@x>"), _inbound("<gone-2@x>")])
    with units() as uow:
        assert uow.repo.stored_keys(["<gone-1@x>", "<gone-2@x>"]) == set()


def test_handled_messages_by_time_status_and_kind(units: Units) -> None:
    with units() as uow:
        uow.add(
            _inbound("<a>", status=InboundStatus.NEEDS_ATTENTION, kind="command", processed_at=NOW)
        )
        uow.add(_inbound("<b>", status=InboundStatus.PROCESSED, kind="bounce", processed_at=NOW))
        uow.add(_inbound("<c>"))
        uow.commit()
    with units() as uow:
        since, until = NOW - timedelta(hours=1), NOW
        assert [i.key for i in uow.repo.inbound_processed(since, until)] == ["<a>", "<b>"]
        attention = uow.repo.inbound_processed(since, until, status=InboundStatus.NEEDS_ATTENTION)
        assert [i.key for i in attention] == ["<a>"]
        assert [i.key for i in uow.repo.inbound_processed(since, until, kind="bounce")] == ["<b>"]
        assert [f.kind for f in uow.repo.received_after(0)] == ["command", "bounce"]
        assert sorted(f[1] for f in uow.repo.inbound_facts()) == [
            "needs_attention",
            "processed",
            "stored",
        ]
        first = uow.repo.inbound_by_key("<a>")
        assert first is not None and first.id is not None
        uow.repo.blank_inbound(first.id)
        uow.commit()
    with units() as uow:
        blanked = uow.repo.inbound_by_key("<a>")
        assert blanked is not None and blanked.raw == b""


def test_tokens_are_found_by_hash_and_can_be_withdrawn(units: Units) -> None:
    with units() as uow:
        _, mentee, _ = seed(uow)
        assert mentee.id is not None
        uow.add(
            ReplyToken(
                token_hash="h1",
                person_id=mentee.id,
                purpose="erasure",
                created_at=NOW,
                expires_at=NOW + timedelta(days=30),
            )
        )
        uow.add(InterestEntry(email="alex@dept.gov.uk", added_at=NOW))
        uow.add(InterestEntry(email="sam@dept.gov.uk", added_at=NOW))
        uow.commit()
    with units() as uow:
        listed = [e.email for e in uow.repo.interest_entries()]
        assert listed == ["alex@dept.gov.uk", "sam@dept.gov.uk"]
        token = uow.repo.token("h1")
        assert token is not None and token.purpose == "erasure"
        assert uow.repo.interest_entry("ALEX@dept.gov.uk") is not None
        uow.delete(token)
        uow.commit()
    with units() as uow:
        assert uow.repo.token("h1") is None
        uow.repo.forget_tokens_and_interest(mentee.id, "alex@dept.gov.uk")
        uow.commit()
    with units() as uow:
        assert uow.repo.interest_entry("alex@dept.gov.uk") is None


# --- erasure -------------------------------------------------------------------------------
def _someone_with_mail_and_a_partner(units: Units) -> tuple[int, int, int]:
    """(round, mentee, pairing) ids: the mentee registered through a form, wrote to us,
    has mail sent and waiting, a partner whose meeting note names them, and a token."""
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        uow.add(_registration(round_id, mentee_id))
        form = _inbound("<form>", kind="form", status=InboundStatus.PROCESSED)
        uow.add(form)
        uow.add(_inbound("<theirs>", person_id=mentee_id, status=InboundStatus.PROCESSED))
        uow.flush()
        uow.add(
            outbound("welcome", person_id=mentee_id, inbound_id=form.id, status=OutboundStatus.SENT)
        )
        uow.add(outbound("waiting", person_id=mentee_id))
        pairing = Pairing(
            round_id=round_id, mentor_id=mentor_id, mentee_id=mentee_id, started_at=NOW, ends_at=NOW
        )
        uow.add(pairing)
        uow.flush()
        assert pairing.id is not None
        uow.add(
            Meeting(
                pairing_id=pairing.id,
                logged_by=mentor_id,
                met_on=date(2026, 6, 1),
                minutes=30,
                created_at=NOW,
                note="Alex was great",
            )
        )
        uow.add(
            ReplyToken(
                token_hash="h", person_id=mentee_id, purpose="", created_at=NOW, expires_at=NOW
            )
        )
        uow.commit()
    return round_id, mentee_id, pairing.id


def test_erasure_leaves_nothing_that_names_the_person(units: Units) -> None:
    round_id, mentee_id, pairing_id = _someone_with_mail_and_a_partner(units)
    with units() as uow:
        found = uow.repo.person(mentee_id)
        assert found is not None
        privacy.erase_person(uow, found, NOW)
        uow.commit()
    with units() as uow:
        gone = uow.repo.person(mentee_id)
        assert gone is not None and gone.erased and gone.email == privacy.erased_address(mentee_id)
        assert uow.repo.person_by_email("alex@dept.gov.uk") is None
        for key in ("<form>", "<theirs>"):
            record = uow.repo.inbound_by_key(key)
            assert record is not None and record.raw == b""
        waiting = uow.repo.outbound_by_key("waiting")
        welcome = uow.repo.outbound_by_key("welcome")
        assert waiting is not None and waiting.status is OutboundStatus.CANCELLED
        assert welcome is not None and welcome.status is OutboundStatus.SENT
        assert {waiting.to_address, welcome.to_address} == {privacy.erased_address(mentee_id)}
        assert [m.note for m in uow.repo.meetings(pairing_id)] == [""]
        assert uow.repo.token("h") is None
        registration = uow.repo.registration(round_id, mentee_id)
        assert registration is not None and registration.status is RegistrationStatus.WITHDRAWN
        assert [e.action for e in uow.repo.audit_after(0)] == ["person.erased"]
        # A late message from the old address is still recognised, once per tombstone.
        assert privacy.was_erased(uow, "Alex@dept.gov.uk")
        assert not privacy.was_erased(uow, "kim@dept.gov.uk")
        [stone] = uow.repo.tombstones()
        assert stone.created_at == NOW  # read back as an aware moment, on every database
        assert stone.person_id == mentee_id and stone.pending_terms == (
            "alex@dept.gov.uk",
            "Alex Lee",
        )


def test_a_persons_export_and_the_whole_export_read_the_same(units: Units) -> None:
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        uow.add(_registration(round_id, mentee_id))
        uow.add(
            Approach(round_id=round_id, mentee_id=mentee_id, mentor_id=mentor_id, created_at=NOW)
        )
        uow.commit()
    with units() as uow:
        found = uow.repo.person(mentor_id)
        assert found is not None
        export = privacy.export_person(uow, found)
        state = privacy.export_state(uow)
    assert export["long_term_requests"][0]["with"] == "Alex Lee"
    assert export["long_term_requests"][0]["your_role"] == "mentor"
    assert [p["email"] for p in state["people"]] == ["alex@dept.gov.uk", "sam@dept.gov.uk"]
    assert [x["status"] for x in state["approaches"]] == ["pending"]
    assert state["mail"] == {"inbound": 0, "outbound": 0}


# --- a person's story and the coordinators' corrections -------------------------------------
def test_corrections_and_a_persons_mail_oldest_first_notes_erased(units: Units) -> None:
    from service.store.records import Correction

    with units() as uow:
        r, mentee, mentor = seed(uow)
        _round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        later = NOW + timedelta(hours=1)
        uow.add(Correction(at=later, coordinator="c@x.gov.uk", action="person.note",
                           person_id=mentee_id, note="second"))  # fmt: skip
        uow.add(Correction(at=NOW, coordinator="c@x.gov.uk", action="pairing.note",
                           person_id=mentor_id, partner_id=mentee_id, note="first",
                           detail={"number": 2}))  # fmt: skip
        uow.add(Correction(at=NOW, coordinator="c@x.gov.uk", action="person.note",
                           person_id=mentor_id, note="not about Alex"))  # fmt: skip
        uow.add(outbound("later", person_id=mentee_id, created_at=later))
        uow.add(outbound("sooner", person_id=mentee_id))
        uow.add(outbound("theirs", to="sam@dept.gov.uk", person_id=mentor_id))
        uow.audit("person.away", f"person:{mentee_id}", {"until": "2026-06-01"})
        uow.audit("pairing.ended", "pairing:99", {"reason": "stale"})
        uow.commit()
    with units() as uow:
        about = uow.repo.corrections_about(mentee_id)
        assert [c.note for c in about] == ["first", "second"]
        assert about[0].detail == {"number": 2}
        assert [o.dedupe_key for o in uow.repo.emails_of(mentee_id)] == ["sooner", "later"]
        assert uow.repo.messages_from(mentee_id) == []
        events = uow.repo.audit_about([f"person:{mentee_id}", "pairing:99"])
        assert [e.action for e in events] == ["person.away", "pairing.ended"]
        assert uow.repo.audit_about([]) == []
        uow.repo.clear_correction_notes_of(mentee_id)
        uow.commit()
    with units() as uow:
        assert [c.note for c in uow.repo.corrections_about(mentee_id)] == ["", ""]
        assert [c.note for c in uow.repo.corrections_about(mentor_id)] == ["", "not about Alex"]


def test_a_standing_is_read_as_the_single_reads_give_it(units: Units) -> None:
    """`standing_rows` (what every footer is worked out from) gives copies of what the
    single reads give: latest round and its registration, that round's introductions
    naming the person, the pending requests naming them and their active pairings."""
    with units() as uow:
        r, mentee, mentor = seed(uow)
        round_id, mentee_id, mentor_id = ids(r, mentee, mentor)
        assert uow.repo.standing_rows(mentee_id) == (None, None, [], [], [])
        for who, roles in ((mentee_id, "mentee"), (mentor_id, "mentor")):
            uow.add(_registration(round_id, who, roles))
        uow.add(
            Introduction(
                round_id=round_id,
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                number=1,
                created_at=NOW,
                status=IntroductionStatus.SENT,
            )
        )
        uow.add(
            Approach(round_id=round_id, mentee_id=mentee_id, mentor_id=mentor_id, created_at=NOW)
        )
        uow.add(
            Pairing(
                round_id=round_id,
                mentor_id=mentor_id,
                mentee_id=mentee_id,
                started_at=NOW,
                ends_at=NOW + timedelta(days=365),
            )
        )
        # Not flushed: the rows are read as the ORM's autoflush would leave them.
        for who in (mentee_id, mentor_id):
            found = uow.repo.standing_rows(who)
            latest = uow.repo.latest_round_for(who)
            assert latest is not None and found.round is not None
            assert vars_of(found.round) == vars_of(latest)
            registration = uow.repo.registration(round_id, who)
            assert found.registration is not None and registration is not None
            assert vars_of(found.registration) == vars_of(registration)
            singles: tuple[Sequence[object], ...] = (
                uow.repo.introductions_of(who, round_id),
                uow.repo.pending_approaches_naming(who),
                uow.repo.active_pairings_of(who),
            )
            copied: tuple[Sequence[object], ...] = (
                found.introductions,
                found.pending,
                found.pairings,
            )
            for copies, single in zip(copied, singles, strict=True):
                assert [vars_of(c) for c in copies] == [vars_of(s) for s in single]
                assert len(copies) == 1
