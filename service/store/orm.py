"""Tables, and the imperative mapping of the plain dataclasses onto them.

The domain never imports this module; `start_mappers()` is called once by the store.
Invariants the database can hold are declared here too, as a second line of defence
behind the rules: one pending approach per mentee, one active pairing per mentee.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import registry

from service.domain import model
from service.store import records


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database.

    SQLite has no time zones, so values are stored as naive UTC and given back their zone.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use service.clock.now()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _enum(cls: Any) -> Enum:
    # Store the readable values, not Python names, and no native DB enum type so that
    # adding a state is a code change, not a schema migration.
    return Enum(cls, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e])


# Partial unique indexes. SQLite's predicate is declared with the table; PostgreSQL's is
# added when a PostgreSQL engine is made (`declare_postgresql_predicates`, called by
# `Database` and the migrations' env.py): declared here, it would load SQLAlchemy's
# PostgreSQL dialect (~0.05 s) in every command on SQLite.
_PARTIAL: list[tuple[Index, str]] = []


def _partial_unique(name: str, column: Column[Any], predicate: str) -> None:
    index = Index(name, column, unique=True, sqlite_where=text(predicate))
    _PARTIAL.append((index, predicate))


def declare_postgresql_predicates() -> None:
    """Give the partial indexes their PostgreSQL predicates (idempotent)."""
    for index, predicate in _PARTIAL:
        if "postgresql_where" not in index.dialect_kwargs:
            index.dialect_kwargs["postgresql_where"] = text(predicate)


metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("first_name", String(200), nullable=False),
    Column("last_name", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("erased_at", UTCDateTime),
    Column("bouncing_since", UTCDateTime),
    Column("away_until", Date),
    Column("paused_at", UTCDateTime),
    Column("paused_until", UTCDateTime),
)

rounds = Table(
    "rounds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("opens_at", UTCDateTime, nullable=False),
    Column("closes_at", UTCDateTime, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", _enum(model.RoundStatus), nullable=False),
    Column("matched_at", UTCDateTime),
    Column("matches_sent_at", UTCDateTime),
)

registrations = Table(
    "registrations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", ForeignKey("rounds.id"), nullable=False, index=True),
    Column("person_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("roles", String(32), nullable=False),
    Column("grade", String(16), nullable=False),
    Column("department", String(200), nullable=False),
    Column("profession", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", _enum(model.RegistrationStatus), nullable=False),
    Column("job_title", String(200), nullable=False, default=""),
    Column("profession_of_interest", String(200)),
    Column("wants_shared_characteristic", Boolean, nullable=False, default=False),
    Column("characteristics", String(500), nullable=False, default=""),
    Column("bio", Text, nullable=False, default=""),
    Column("long_term_capacity", Integer, nullable=False),
    Column("speed_capacity", Integer, nullable=False),
    Column("confirmed_at", UTCDateTime),
    Column("withdrawn_at", UTCDateTime),
    Column("updated_at", UTCDateTime),
    UniqueConstraint("round_id", "person_id", name="uq_registrations_round_person"),
)

introductions = Table(
    "introductions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", ForeignKey("rounds.id"), nullable=False, index=True),
    Column("mentor_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("mentee_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("number", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", _enum(model.IntroductionStatus), nullable=False),
    Column("score", Integer, nullable=False, default=0),
    Column("why", Text, nullable=False, default=""),
    Column("sent_at", UTCDateTime),
    Column("contacted_at", UTCDateTime),
    Column("not_contacted_at", UTCDateTime),
    UniqueConstraint("round_id", "mentor_id", "mentee_id", name="uq_introductions_pair"),
)

approaches = Table(
    "approaches",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", ForeignKey("rounds.id"), nullable=False, index=True),
    Column("mentee_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("mentor_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("status", _enum(model.ApproachStatus), nullable=False),
    Column("answered_at", UTCDateTime),
)
# One mentor at a time, held by the database too.
_partial_unique(
    "uq_approaches_one_pending_per_mentee", approaches.c.mentee_id, "status = 'pending'"
)

pairings = Table(
    "pairings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("round_id", ForeignKey("rounds.id"), nullable=False, index=True),
    Column("mentor_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("mentee_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("status", _enum(model.PairingStatus), nullable=False),
    Column("ended_at", UTCDateTime),
    Column("end_reason", _enum(model.EndReason)),
    Column("period", Integer, nullable=False, default=1),
    Column("mentor_last_seen_at", UTCDateTime),
    Column("mentee_last_seen_at", UTCDateTime),
    Column("last_check_in_at", UTCDateTime),
    Column("unanswered_check_ins", Integer, nullable=False, default=0, server_default="0"),
    Column("stale_warned_at", UTCDateTime),
    Column("silent_id", ForeignKey("people.id")),
    Column("ladder_started_at", UTCDateTime),
    Column("nudges_sent", Integer, nullable=False, default=0, server_default="0"),
    Column("last_nudge_at", UTCDateTime),
)
_partial_unique("uq_pairings_one_active_per_mentee", pairings.c.mentee_id, "status = 'active'")

# The daily rules read every active pairing and every pending request.
Index("ix_pairings_status", pairings.c.status)
Index("ix_approaches_status", approaches.c.status)

meetings = Table(
    "meetings",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pairing_id", ForeignKey("pairings.id"), nullable=False, index=True),
    Column("logged_by", ForeignKey("people.id"), nullable=False),
    Column("met_on", Date, nullable=False),
    Column("minutes", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("note", String(model.MAX_MEETING_NOTE), nullable=False, default="", server_default=""),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pairing_id", ForeignKey("pairings.id"), nullable=False, index=True),
    Column("person_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("asking", String(32), nullable=False),
    Column("score", Integer),
    Column("comment", Text, nullable=False, default="", server_default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # One answer per person per asking: a second one replaces the first.
    UniqueConstraint("pairing_id", "person_id", "asking", name="uq_feedback_asking"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False, index=True),
    Column("actor", String(64), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(64), nullable=False, index=True),
    Column("detail", JSON, nullable=False),
    Column("inbound_id", ForeignKey("inbound_messages.id")),
)

inbound_messages = Table(
    "inbound_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(512), nullable=False, unique=True),
    Column("transport_id", String(512), nullable=False),
    Column("raw", LargeBinary, nullable=False),
    Column("received_at", UTCDateTime, nullable=False),
    Column("status", _enum(records.InboundStatus), nullable=False, index=True),
    Column("kind", String(32), nullable=False, default=""),
    Column("reason", Text, nullable=False, default=""),
    Column("person_id", ForeignKey("people.id"), index=True),
    Column("processed_at", UTCDateTime),
    Column("moved_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("sender_trust", String(300), nullable=False, default="", server_default=""),
    # The needs-attention worklist (`mentoring attention resolve`).
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", String(320), nullable=False, default="", server_default=""),
    Column("resolution_note", Text, nullable=False, default="", server_default=""),
)

outbound_messages = Table(
    "outbound_messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dedupe_key", String(255), nullable=False, unique=True),
    Column("to_address", String(320), nullable=False),
    Column("template", String(64), nullable=False),
    Column("message_id", String(255), nullable=False, unique=True),
    Column("raw", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("person_id", ForeignKey("people.id"), index=True),
    Column("status", _enum(records.OutboundStatus), nullable=False, index=True),
    Column("provider_id", String(512)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=False, default=""),
    Column("next_attempt_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("inbound_id", ForeignKey("inbound_messages.id")),
    Column("automatic_answer", Boolean, nullable=False, default=False),
    # A time rule's email or the digest: sent only inside working hours, retries included.
    Column("keep_to_hours", Boolean, nullable=False, default=False, server_default=false()),
)

# The daily cap on automatic answers counts a sender's recent ones on every such answer.
Index(
    "ix_outbound_messages_to_address_created_at",
    outbound_messages.c.to_address,
    outbound_messages.c.created_at,
)
# The daily digest asks when the previous digest went out, and what was handled since.
Index(
    "ix_outbound_messages_template_created_at",
    outbound_messages.c.template,
    outbound_messages.c.created_at,
)
Index("ix_inbound_messages_processed_at", inbound_messages.c.processed_at)

reply_tokens = Table(
    "reply_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("person_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("purpose", String(64), nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("address", String(320)),
)

interest_list = Table(
    "interest_list",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("added_at", UTCDateTime, nullable=False),
)

# One row per erased person: a salted hash of the address (so a late reply or bounce is
# still recognised) and, only until their mail is gone from the mailbox, the terms
# (address, name) to find it by. Core table only: service/privacy.py reads it directly.
erasures = Table(
    "erasures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", ForeignKey("people.id"), nullable=False, index=True),
    Column("salt", String(32), nullable=False),
    Column("address_hash", String(64), nullable=False),
    Column("pending_terms", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("mail_erased_at", UTCDateTime),
)

# A coordinator's corrections (pair by hand, reopen, edit a meeting, notes, ...): the
# audit trail shown in a person's story (`service.corrections`, `service.story`).
corrections = Table(
    "corrections",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", UTCDateTime, nullable=False),
    Column("coordinator", String(320), nullable=False),
    Column("action", String(64), nullable=False),
    Column("person_id", ForeignKey("people.id"), index=True),
    Column("partner_id", ForeignKey("people.id"), index=True),
    Column("pairing_id", ForeignKey("pairings.id"), index=True),
    Column("detail", JSON, nullable=False),
    Column("note", Text, nullable=False, default="", server_default=""),
)

mapper_registry = registry(metadata=metadata)
_MAPPED: list[tuple[type, Table]] = [
    (model.Person, people),
    (model.Round, rounds),
    (model.Registration, registrations),
    (model.Introduction, introductions),
    (model.Approach, approaches),
    (model.Pairing, pairings),
    (model.Meeting, meetings),
    (model.Feedback, feedback),
    (model.AuditEvent, audit_events),
    (records.InboundMessage, inbound_messages),
    (records.OutboundMessage, outbound_messages),
    (records.ReplyToken, reply_tokens),
    (records.InterestEntry, interest_list),
    (records.Correction, corrections),
]
_started = False


def start_mappers() -> None:
    """Map the dataclasses onto the tables (once per process)."""
    global _started
    if _started:
        return
    for cls, table in _MAPPED:
        mapper_registry.map_imperatively(cls, table)
    _started = True
