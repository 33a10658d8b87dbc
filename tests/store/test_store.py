"""Storage on a real SQLite file and a real PostgreSQL database.

Migrations from empty, round-trips, DB-held invariants.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import inspect
from sqlalchemy.exc import IntegrityError

from service.domain.model import (
    Approach,
    ApproachStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.privacy import export_state
from service.store.database import Database
from service.store.records import OutboundMessage
from service.store.sql_unit_of_work import SqlUnitOfWork

NOW = datetime(2026, 5, 17, 8, 0, tzinfo=UTC)


def seed(uow: SqlUnitOfWork) -> tuple[Round, Person, Person]:
    r = Round(name="2026", opens_at=NOW, closes_at=NOW + timedelta(days=31), created_at=NOW)
    mentee = Person(email="alex@dept.gov.uk", first_name="Alex", last_name="Lee", created_at=NOW)
    mentor = Person(email="sam@dept.gov.uk", first_name="Sam", last_name="Jones", created_at=NOW)
    for obj in (r, mentee, mentor):
        uow.add(obj)
    uow.flush()
    return r, mentee, mentor


def test_migrations_create_every_table_from_empty(empty_database_url):
    db = Database(empty_database_url)
    assert db.current_revision() is None
    db.migrate()
    assert db.current_revision() == db.head_revision()
    tables = set(inspect(db.engine).get_table_names())
    assert {
        "people",
        "rounds",
        "registrations",
        "introductions",
        "approaches",
        "pairings",
        "meetings",
        "audit_events",
        "inbound_messages",
        "outbound_messages",
        "reply_tokens",
        "interest_list",
        "alembic_version",
    } <= tables
    db.migrate()  # twice is safe
    assert db.current_revision() == db.head_revision()
    db.dispose()


def test_round_trip_keeps_aware_utc_and_enums(db):
    with SqlUnitOfWork(db) as uow:
        r, mentee, _ = seed(uow)
        assert r.id is not None and mentee.id is not None
        uow.add(
            Registration(
                round_id=r.id,
                person_id=mentee.id,
                roles="mentor,mentee",
                grade="HEO",
                department="Home Office",
                profession="Policy",
                created_at=NOW,
                long_term_capacity=2,
            )
        )
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        got = uow.repo.round_by_name("2026")
        assert got is not None and got.opens_at == NOW and got.opens_at.tzinfo is not None
        person = uow.repo.person_by_email("ALEX@dept.gov.uk ")
        assert person is not None and person.name == "Alex Lee"
        reg = uow.repo.registration(got.id or 0, person.id or 0)
        assert reg is not None
        assert reg.status is RegistrationStatus.PENDING_CONFIRMATION
        assert reg.long_term_capacity == 2
        assert {r.value for r in reg.role_set} == {"mentor", "mentee"}
        assert uow.repo.round_open_at(NOW + timedelta(days=3)) is not None
        assert uow.repo.round_open_at(NOW + timedelta(days=40)) is None


def test_leaving_without_commit_rolls_back(db):
    with SqlUnitOfWork(db) as uow:
        seed(uow)
    with SqlUnitOfWork(db) as uow:
        assert uow.repo.rounds() == []


def test_audit_event_in_same_transaction(db):
    with SqlUnitOfWork(db, actor="person:1") as uow:
        r, _, _ = seed(uow)
        uow.audit("round.created", f"round:{r.id}", {"status": "open"})
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        from sqlalchemy import select

        from service.domain.model import AuditEvent

        events = uow.session.scalars(select(AuditEvent)).all()
        assert [(e.actor, e.action, e.detail) for e in events] == [
            ("person:1", "round.created", {"status": "open"})
        ]


def test_database_holds_one_pending_approach_per_mentee(db):
    with SqlUnitOfWork(db) as uow:
        r, mentee, mentor = seed(uow)
        assert r.id and mentee.id and mentor.id
        uow.add(Approach(round_id=r.id, mentee_id=mentee.id, mentor_id=mentor.id, created_at=NOW))
        uow.commit()
        uow.add(Approach(round_id=r.id, mentee_id=mentee.id, mentor_id=mentor.id, created_at=NOW))
        with pytest.raises(IntegrityError):
            uow.commit()
        uow.rollback()
        # An answered approach does not block a new one.
        first = uow.repo.pending_approach(mentee.id)
        assert first is not None
        first.status = ApproachStatus.DECLINED
        uow.add(Approach(round_id=r.id, mentee_id=mentee.id, mentor_id=mentor.id, created_at=NOW))
        uow.commit()
        assert len(uow.repo.approaches_of_mentee(mentee.id)) == 2


def test_database_holds_one_active_pairing_per_mentee(db):
    with SqlUnitOfWork(db) as uow:
        r, mentee, mentor = seed(uow)
        assert r.id and mentee.id and mentor.id
        for _ in range(2):
            uow.add(
                Pairing(
                    round_id=r.id,
                    mentor_id=mentor.id,
                    mentee_id=mentee.id,
                    started_at=NOW,
                    ends_at=NOW + timedelta(days=365),
                )
            )
        with pytest.raises(IntegrityError):
            uow.commit()


def test_outbox_dedupe_key_is_unique(db):
    def email() -> OutboundMessage:
        return OutboundMessage(
            dedupe_key="match-email:1:2",
            to_address="a@b.c",
            template="t",
            message_id=f"<{id(object())}@x>",
            raw=b"x",
            created_at=NOW,
        )

    with SqlUnitOfWork(db) as uow:
        uow.add(email())
        uow.commit()
        uow.add(email())
        with pytest.raises(IntegrityError):
            uow.commit()


def test_meetings_sum(db):
    from service.domain.model import Meeting

    with SqlUnitOfWork(db) as uow:
        r, mentee, mentor = seed(uow)
        assert r.id and mentee.id and mentor.id
        p = Pairing(
            round_id=r.id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            started_at=NOW,
            ends_at=NOW + timedelta(days=365),
        )
        uow.add(p)
        uow.flush()
        assert p.id is not None
        for minutes in (30, 45):
            uow.add(
                Meeting(
                    pairing_id=p.id,
                    logged_by=mentee.id,
                    met_on=date(2026, 6, 1),
                    minutes=minutes,
                    created_at=NOW,
                )
            )
        uow.commit()
        assert uow.repo.minutes_met(p.id) == 75
        assert uow.repo.active_pairings_as_mentor(mentor.id) == 1


def test_a_database_error_does_not_quote_personal_values(db):
    # Database errors reach logs (log.exception) and tracebacks: no bound values in them.
    with SqlUnitOfWork(db) as uow:
        seed(uow)
        uow.commit()
    with pytest.raises(IntegrityError) as caught, SqlUnitOfWork(db) as uow:
        uow.add(Person(email="alex@dept.gov.uk", first_name="Alexa", last_name="L", created_at=NOW))
        uow.flush()
    assert "unique" in str(caught.value).lower()
    # Nor in the driver's error, which a traceback shows as the cause.
    for shown in (str(caught.value), str(caught.value.orig)):
        assert "alex@dept.gov.uk" not in shown and "Alexa" not in shown


def test_the_export_lists_rows_in_id_order(db):
    with SqlUnitOfWork(db) as uow:
        _, mentee, _ = seed(uow)
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        # PostgreSQL writes an updated row anew, after the others.
        changed = uow.repo.person(mentee.id or 0)
        assert changed is not None
        changed.first_name = "Alexa"
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        ids = [p["id"] for p in export_state(uow)["people"]]
    assert ids == sorted(ids) and len(ids) == 2


def _registered(uow: SqlUnitOfWork) -> tuple[Round, Person, Registration]:
    """`seed`'s round and mentee, with the mentee's registration added (not flushed)."""
    r, mentee, _ = seed(uow)
    assert r.id is not None and mentee.id is not None
    reg = Registration(
        round_id=r.id, person_id=mentee.id, roles="mentee", grade="EO",
        department="HMRC", profession="Policy", created_at=NOW,
    )  # fmt: skip
    uow.add(reg)
    return r, mentee, reg


def test_remembered_reads_follow_changes_in_the_same_unit_of_work(db):
    """A person's standing and lookups are read once per unit of work, yet a change made
    in it (by an object or by a bulk statement) is seen by the next read."""
    from sqlalchemy import update

    from handlers import TABLE
    from service.standing import standing
    from service.store.orm import registrations

    db.migrate()
    with SqlUnitOfWork(db) as uow:
        r, mentee, reg = _registered(uow)
        first = standing(uow, mentee)
        assert standing(uow, mentee) is first  # read once while nothing changes
        assert "CONFIRM" in [c for c, _ in TABLE.offered(first)]
        assert uow.repo.registration(r.id or 0, mentee.id or 0) is reg

        reg.status = RegistrationStatus.CONFIRMED  # an object change: flushed, then re-read
        after = standing(uow, mentee)
        assert after is not first
        assert "CONFIRM" not in [c for c, _ in TABLE.offered(after)]

        uow.session.execute(
            update(registrations)
            .where(registrations.c.id == reg.id)
            .values(status=RegistrationStatus.WITHDRAWN)
        )
        assert standing(uow, mentee) is not after  # a bulk statement forgets too
        assert uow.repo.person_by_email(" ALEX@dept.gov.uk ") is mentee
        assert uow.repo.person_by_email("nobody@dept.gov.uk") is None
        newcomer = Person(email="nobody@dept.gov.uk", first_name="N", last_name="B", created_at=NOW)
        uow.add(newcomer)
        assert uow.repo.person_by_email("nobody@dept.gov.uk") is newcomer


def test_a_remembered_read_stands_through_a_flush_of_other_tables_only(db):
    """A flush forgets what it may have changed: an audit event leaves a registration
    read standing; a change to registrations, or any deletion, is read afresh; and what
    names no tables (a key `REMEMBERED_READS` does not know) is always worked out again."""
    db.migrate()
    with SqlUnitOfWork(db) as uow:
        r, mentee, reg = _registered(uow)
        uow.flush()
        reads = []

        def read() -> Registration | None:
            reads.append(1)
            return uow.repo.registration(r.id or 0, mentee.id or 0)

        assert uow.remember(("registration", r.id, mentee.id), read) is reg
        uow.remember(("anything", 1), lambda: reads.append(1))
        uow.audit("person.noted", f"person:{mentee.id}")
        uow.flush()  # wrote audit_events only
        assert uow.remember(("registration", r.id, mentee.id), read) is reg
        uow.remember(("anything", 1), lambda: reads.append(1))
        assert len(reads) == 3  # the registration once, the unnamed read twice

        reg.grade = "HEO"  # registrations written: read again
        assert uow.remember(("registration", r.id, mentee.id), read) is reg
        assert len(reads) == 4
        other = Person(email="kim@dept.gov.uk", first_name="Kim", last_name="B", created_at=NOW)
        uow.add(other)
        uow.flush()
        uow.delete(other)  # any deletion forgets everything
        uow.flush()
        assert uow.remember(("registration", r.id, mentee.id), read) is reg
        assert len(reads) == 5


def test_a_standing_stands_through_the_emails_a_unit_of_work_queues(db):
    """An email, its token and an audit event leave a person's standing as it was, so
    they are not flushed for it (a unit of work's emails are inserted together) and it is
    not read again; an email asking them to decide changes it, so it is read afresh.
    The outbox's dedupe check sees an email queued but not yet flushed."""
    from service.standing import standing

    db.migrate()

    def email(key: str, template: str) -> OutboundMessage:
        return OutboundMessage(
            dedupe_key=key, to_address="alex@dept.gov.uk", template=template,
            message_id=f"<{key}@x>", raw=b"x", created_at=NOW, person_id=mentee.id,
        )  # fmt: skip

    with SqlUnitOfWork(db) as uow:
        _r, mentee, _reg = _registered(uow)
        first = standing(uow, mentee)
        uow.add(email("match-email:1", "match_sent"))
        uow.audit("email.noted", f"person:{mentee.id}")
        assert standing(uow, mentee) is first
        assert len(uow.session.new) == 2  # nothing flushed for it
        assert uow.repo.queued_keys(["match-email:1"]) == {"match-email:1"}
        assert uow.repo.queued_keys(["match-email:2"]) == set()
        uow.flush()
        assert standing(uow, mentee) is first
        uow.add(email("decide:1", "decide_long_term"))
        assert standing(uow, mentee) is not first
        uow.commit()
