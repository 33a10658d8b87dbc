"""Data rights: export what we hold about a person, and erase it.

Sexual orientation and gender identity are special-category data. A person's own
export holds their own characteristics (it is their data) and never anyone else's; the
readable summary and the whole-programme export hold none at all. Erasure anonymises
the person in place, so ids, states, dates and meeting minutes still add up in the
programme figures while nothing identifies them any more.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from service.config import ProgrammeConfig
from service.domain.model import (
    Approach,
    Introduction,
    Meeting,
    Pairing,
    Person,
    RegistrationStatus,
    Round,
)
from service.domain.rules import cpd_points, day
from service.mail.mentions import mentions
from service.mail.transport import Transport, TransportError
from service.store import orm
from service.store.database import Database
from service.store.orm import (
    audit_events,
    erasures,
    inbound_messages,
    interest_list,
    outbound_messages,
    reply_tokens,
)
from service.store.records import InboundMessage, InboundStatus, OutboundMessage, OutboundStatus
from service.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
_UNSENT = (OutboundStatus.QUEUED, OutboundStatus.SENDING)
MAIL_ERASED_EVENT = "person.mail_erased"

EXPORT_FILENAME = "my-mentoring-data.json"


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _message_counts(uow: UnitOfWork, person_id: int) -> dict[str, int]:
    received = uow.session.scalar(
        select(func.count())
        .select_from(InboundMessage)
        .where(inbound_messages.c.person_id == person_id)
    )
    sent = uow.session.scalar(
        select(func.count())
        .select_from(OutboundMessage)
        .where(outbound_messages.c.person_id == person_id)
    )
    return {"emails_from_you": received or 0, "emails_to_you": sent or 0}


def _round_names(uow: UnitOfWork) -> dict[int, str]:
    return {r.id: r.name for r in uow.repo.rounds() if r.id is not None}


def export_person(uow: UnitOfWork, person: Person) -> dict[str, Any]:
    """Everything held about `person`, as JSON-ready data.

    Other people appear only by name (as the person was told them in our emails):
    never their address, answers or characteristics.
    """
    assert person.id is not None
    pid = person.id
    rounds = _round_names(uow)
    intros = uow.repo.introductions_of(pid)
    approaches = [*uow.repo.approaches_of_mentee(pid)]
    approaches += _approaches_to(uow, pid)
    pairings = uow.repo.pairings_of(pid)
    others = {i.mentor_id for i in intros} | {i.mentee_id for i in intros}
    others |= {a.mentor_id for a in approaches} | {a.mentee_id for a in approaches}
    others |= {p.mentor_id for p in pairings} | {p.mentee_id for p in pairings}
    others.discard(pid)
    people = uow.repo.people(sorted(others)) if others else {}

    def name(person_id: int) -> str:
        other = people.get(person_id)
        return other.name if other is not None and not other.erased else "(a former participant)"

    return {
        "person": {
            "id": pid,
            "email": person.email,
            "first_name": person.first_name,
            "last_name": person.last_name,
            "first_contact": _when(person.created_at),
            "erased_at": _when(person.erased_at),
            "email_bouncing_since": _when(person.bouncing_since),
            "away_until": _when(person.away_until),
        },
        "registrations": [
            {
                "round": rounds.get(r.round_id, str(r.round_id)),
                "roles": sorted(role.value for role in r.role_set),
                "status": r.status.value,
                "grade": r.grade,
                "department": r.department,
                "profession": r.profession,
                "job_title": r.job_title,
                "profession_of_interest": r.profession_of_interest,
                "biography": r.bio,
                "long_term_mentees_offered": r.long_term_capacity,
                # Their own answer, in their own copy only.
                "wants_shared_characteristic": r.wants_shared_characteristic,
                "characteristics": [c for c in r.characteristics.split(",") if c],
                "registered_at": _when(r.created_at),
                "confirmed_at": _when(r.confirmed_at),
                "withdrawn_at": _when(r.withdrawn_at),
            }
            for r in uow.repo.registrations_of(pid)
        ],
        "speed_mentoring": [
            {
                "round": rounds.get(i.round_id, str(i.round_id)),
                "your_role": "mentee" if i.mentee_id == pid else "mentor",
                "with": name(i.mentor_id if i.mentee_id == pid else i.mentee_id),
                "number": i.number,
                "status": i.status.value,
                "sent_at": _when(i.sent_at),
            }
            for i in intros
        ],
        "long_term_requests": [
            {
                "round": rounds.get(a.round_id, str(a.round_id)),
                "your_role": "mentee" if a.mentee_id == pid else "mentor",
                "with": name(a.mentor_id if a.mentee_id == pid else a.mentee_id),
                "status": a.status.value,
                "asked_at": _when(a.created_at),
                "answered_at": _when(a.answered_at),
            }
            for a in approaches
        ],
        "partnerships": [_pairing(uow, p, pid, name(p.partner_of(pid)), rounds) for p in pairings],
        "messages": _message_counts(uow, pid),
    }


def _approaches_to(uow: UnitOfWork, mentor_id: int) -> list[Approach]:
    from service.store.orm import approaches

    return list(
        uow.session.scalars(
            select(Approach)
            .where(approaches.c.mentor_id == mentor_id)
            .order_by(approaches.c.created_at)
        ).all()
    )


def _pairing(
    uow: UnitOfWork, p: Pairing, pid: int, partner: str, rounds: dict[int, str]
) -> dict[str, Any]:
    assert p.id is not None
    meetings: list[Meeting] = list(uow.repo.meetings(p.id))
    minutes = uow.repo.minutes_met(p.id)  # a meeting both partners logged counts once
    return {
        "round": rounds.get(p.round_id, str(p.round_id)),
        "your_role": "mentee" if p.mentee_id == pid else "mentor",
        "with": partner,
        "status": p.status.value,
        "started_at": _when(p.started_at),
        "agreed_until": _when(p.ends_at),
        "ended_at": _when(p.ended_at),
        "end_reason": p.end_reason.value if p.end_reason else None,
        "meetings": [
            {
                "on": _when(m.met_on),
                "minutes": m.minutes,
                "logged_by_you": m.logged_by == pid,
                # Only their own words: a partner's note is the partner's data.
                **({"note": m.note} if m.logged_by == pid else {}),
            }
            for m in meetings
        ],
        "hours": cpd_points(minutes),
        "cpd_points": cpd_points(minutes),
    }


def summary_sections(export: dict[str, Any], config: ProgrammeConfig) -> list[dict[str, Any]]:
    """The readable part of a data export: the same facts, without any characteristic."""
    tz = config.programme.timezone
    grades = config.vocabulary.grade_names

    def on(value: str | None) -> str:
        return day(datetime.fromisoformat(value), tz) if value else ""

    person = export["person"]
    sections: list[dict[str, Any]] = [
        {
            "heading": "About you",
            "items": [
                ("Name", f"{person['first_name']} {person['last_name']}".strip()),
                ("Email", person["email"]),
                ("First in touch", on(person["first_contact"])),
            ],
        }
    ]
    for reg in export["registrations"]:
        items = [
            ("Role", " and ".join(reg["roles"])),
            ("Status", reg["status"].replace("_", " ")),
            ("Grade", grades.get(reg["grade"], reg["grade"])),
            ("Department", reg["department"]),
            ("Profession", reg["profession"]),
        ]
        if reg["job_title"]:
            items.append(("Job title", reg["job_title"]))
        if reg["profession_of_interest"]:
            items.append(("Profession you'd like your mentor from", reg["profession_of_interest"]))
        if reg["biography"]:
            items.append(("Biography", reg["biography"]))
        sections.append({"heading": f"Your registration ({reg['round']} round)", "items": items})
    if export["speed_mentoring"]:
        sections.append(
            {
                "heading": "Speed mentoring",
                "items": [
                    (
                        f"Your {'mentor' if i['your_role'] == 'mentee' else 'mentee'}",
                        f"{i['with']} ({i['round']} round, {i['status'].replace('_', ' ')})",
                    )
                    for i in export["speed_mentoring"]
                ],
            }
        )
    if export["long_term_requests"]:
        sections.append(
            {
                "heading": "Long-term requests",
                "items": [
                    (
                        "You asked" if a["your_role"] == "mentee" else "You were asked by",
                        f"{a['with']} on {on(a['asked_at'])} ({a['status']})",
                    )
                    for a in export["long_term_requests"]
                ],
            }
        )
    for p in export["partnerships"]:
        sections.append(
            {
                "heading": f"Mentoring partnership with {p['with']}",
                "items": [
                    ("Your role", p["your_role"]),
                    ("Started", on(p["started_at"])),
                    ("Status", p["status"] + (f" ({on(p['ended_at'])})" if p["ended_at"] else "")),
                    ("Meetings logged", str(len(p["meetings"]))),
                    ("Hours (CPD points)", str(p["hours"])),
                ],
            }
        )
    counts = export["messages"]
    sections.append(
        {
            "heading": "Emails",
            "items": [
                ("Emails from you that we keep", str(counts["emails_from_you"])),
                ("Emails we sent you", str(counts["emails_to_you"])),
            ],
        }
    )
    return sections


def erased_address(person_id: int) -> str:
    return f"erased-{person_id}@invalid"


def erase_person(uow: UnitOfWork, person: Person, now: datetime, *, by: str = "request") -> None:
    """Anonymise `person` in place. The caller ends their relationships (with notices) first.

    `by` says why, for the audit trail: "request" (theirs or a coordinator's) or
    "retention" (the retention period passed; the digest counts these).

    Kept: ids, states, dates and meeting minutes (anonymous facts, so the figures add up),
    the exactly-once keys of their messages (so a replay is still recognised) and a
    tombstone with a salted hash of the address (so a late reply or bounce is too).
    Gone: names, address, registration answers, meeting notes, raw inbound mail, rendered
    outbound mail, reply tokens and any interest-list entry. The copies of their mail in the
    mailbox, and other mail that names them, go once the last emails to them have been sent:
    `finish_erasures`, after every drain of the outbox.
    """
    assert person.id is not None
    pid = person.id
    old_address = person.email
    _tombstone(uow, pid, old_address, _terms(person), now)
    for reg in uow.repo.registrations_of(pid):
        reg.job_title = ""
        reg.bio = ""
        reg.characteristics = ""
        reg.wants_shared_characteristic = False
        reg.profession_of_interest = None
        if reg.status is not RegistrationStatus.WITHDRAWN:
            reg.status = RegistrationStatus.WITHDRAWN
            reg.withdrawn_at = now
    uow.flush()
    session = uow.session
    # Their own messages, and the form submissions that registered them: the pipeline
    # does not link a form to a person, but the emails it caused to them do.
    to_them = or_(
        outbound_messages.c.person_id == pid,
        func.lower(outbound_messages.c.to_address) == old_address.lower(),
    )
    their_forms = select(outbound_messages.c.inbound_id).where(
        to_them, outbound_messages.c.inbound_id.is_not(None)
    )
    session.execute(
        update(inbound_messages)
        .where(
            or_(
                inbound_messages.c.person_id == pid,
                (inbound_messages.c.kind == "form") & inbound_messages.c.id.in_(their_forms),
            )
        )
        .values(raw=b"", transport_id="", reason="erased")
    )
    # Unsent mail to them would go to an address that no longer exists: cancel it.
    session.execute(
        update(outbound_messages)
        .where(
            outbound_messages.c.person_id == pid,
            outbound_messages.c.status.in_([OutboundStatus.QUEUED, OutboundStatus.SENDING]),
        )
        .values(status=OutboundStatus.CANCELLED)
    )
    session.execute(
        update(outbound_messages)
        .where(to_them)
        .values(raw=b"", to_address=erased_address(pid), last_error="")
    )
    # Meeting notes are free text: theirs, and their partner's (which may well name them).
    their_pairings = select(orm.pairings.c.id).where(
        or_(orm.pairings.c.mentor_id == pid, orm.pairings.c.mentee_id == pid)
    )
    session.execute(
        update(orm.meetings)
        .where(or_(orm.meetings.c.logged_by == pid, orm.meetings.c.pairing_id.in_(their_pairings)))
        .values(note="")
    )
    session.execute(delete(reply_tokens).where(reply_tokens.c.person_id == pid))
    session.execute(delete(interest_list).where(interest_list.c.email == old_address.lower()))
    person.email = erased_address(pid)
    person.first_name = ""
    person.last_name = ""
    person.away_until = None
    person.erased_at = now
    uow.flush()
    uow.audit("person.erased", f"person:{pid}", {"by": by})


def _terms(person: Person) -> list[str]:
    """What finds a person's mail: their address, and their full name when they gave one."""
    terms = [person.email.strip().lower()]
    full = f"{person.first_name} {person.last_name}".strip()
    if person.first_name.strip() and person.last_name.strip():
        terms.append(" ".join(full.split()))
    return terms


def _address_hash(salt: str, address: str) -> str:
    return hashlib.sha256(f"{salt}:{address.strip().lower()}".encode()).hexdigest()


def _tombstone(uow: UnitOfWork, pid: int, address: str, terms: list[str], now: datetime) -> None:
    salt = secrets.token_hex(16)
    uow.session.execute(
        insert(erasures).values(
            person_id=pid,
            salt=salt,
            address_hash=_address_hash(salt, address),
            pending_terms=json.dumps(terms),
            created_at=now,
        )
    )


def was_erased(uow: UnitOfWork, address: str) -> bool:
    """Is this the address of someone whose data was erased? Re-arms their mailbox
    erasure, so a late message of theirs leaves the mailbox again at the next drain."""
    if not address:
        return False
    rows = uow.session.execute(
        select(erasures.c.id, erasures.c.salt, erasures.c.address_hash, erasures.c.pending_terms)
    ).all()
    for row_id, salt, digest, pending in rows:
        if _address_hash(salt, address) == digest:
            terms = json.loads(pending) if pending else []
            if address.strip().lower() not in terms:
                terms.append(address.strip().lower())
            uow.session.execute(
                update(erasures)
                .where(erasures.c.id == row_id)
                .values(pending_terms=json.dumps(terms))
            )
            return True
    return False


def finish_erasures(db: Database, transport: Transport, now: datetime) -> int:
    """Remove erased people's mail from the mailbox and from every stored copy.

    Runs after each drain: an erasure waits until every email queued up to it (the
    goodbye to the old address, the notices naming them) has left, then deletes the
    mailbox copies that mention them (`Transport.erase_mail`), blanks the stored raw
    mail that mentions them, and forgets the terms, keeping only the salted hash.
    Returns how many erasures finished.
    """
    with db.engine.connect() as conn:
        pending = conn.execute(
            select(
                erasures.c.id, erasures.c.person_id, erasures.c.pending_terms, erasures.c.created_at
            )
            .where(erasures.c.pending_terms.is_not(None))
            .order_by(erasures.c.id)
        ).all()
    finished = 0
    for row_id, person_id, pending_terms, created_at in pending:
        with db.engine.connect() as conn:
            waiting = conn.scalar(
                select(func.count())
                .select_from(outbound_messages)
                .where(
                    outbound_messages.c.status.in_(_UNSENT),
                    outbound_messages.c.created_at <= created_at,
                )
            )
        if waiting:
            continue
        terms: list[str] = json.loads(pending_terms)
        try:
            result = transport.erase_mail(terms)
        except TransportError as error:
            log.warning("mail of erased person %s not yet erased: %s", person_id, error)
            continue
        with db.engine.begin() as conn:
            _blank_mentions(conn, terms, person_id)
            conn.execute(
                update(erasures)
                .where(erasures.c.id == row_id)
                .values(pending_terms=None, mail_erased_at=now)
            )
            # Mailbox ids only; the digest lists those left for the coordinators to delete.
            conn.execute(
                insert(audit_events).values(
                    at=now,
                    actor="system",
                    action=MAIL_ERASED_EVENT,
                    subject=f"person:{person_id}",
                    detail={"deleted": result.deleted, "left": list(result.left)},
                )
            )
        if result.left:
            log.warning(
                "erased person %s: %d message(s) the mailbox would not let us delete",
                person_id,
                len(result.left),
            )
        log.info("erased person %s: %d message(s) deleted", person_id, result.deleted)
        finished += 1
    if finished and db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            # Old page images in the write-ahead log still hold what was blanked.
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return finished


def _blank_mentions(conn: Any, terms: list[str], person_id: int) -> None:
    """Blank every stored raw message (in or out, any person's) that mentions the terms."""
    address = terms[0]
    for table, settled in (
        (inbound_messages, inbound_messages.c.status != InboundStatus.STORED),
        (outbound_messages, outbound_messages.c.status.not_in(_UNSENT)),
    ):
        ids = [
            row_id
            for row_id, raw in conn.execute(
                select(table.c.id, table.c.raw).where(settled, func.length(table.c.raw) > 0)
            )
            if mentions(bytes(raw), terms)
        ]
        if ids:
            values: dict[str, Any] = {"raw": b""}
            if table is inbound_messages:
                values["transport_id"] = ""
            conn.execute(update(table).where(table.c.id.in_(ids)).values(**values))
    conn.execute(
        update(outbound_messages)
        .where(func.lower(outbound_messages.c.to_address) == address)
        .values(to_address=erased_address(person_id), last_error="")
    )


def blank_inbound(uow: UnitOfWork, inbound_id: int) -> None:
    """Blank one stored message's raw bytes (the erasure request itself); its key stays."""
    uow.session.execute(
        update(inbound_messages)
        .where(inbound_messages.c.id == inbound_id)
        .values(raw=b"", transport_id="")
    )


def export_state(uow: UnitOfWork) -> dict[str, Any]:
    """The whole programme's state for `mentoring export --json`: no characteristic at all."""
    session = uow.session
    # In id order: PostgreSQL returns rows in no set order, and an export should diff cleanly.
    people = session.scalars(select(Person).order_by(orm.people.c.id)).all()
    rounds = session.scalars(select(Round).order_by(orm.rounds.c.id)).all()
    return {
        "rounds": [
            {
                "id": r.id,
                "name": r.name,
                "opens_at": _when(r.opens_at),
                "closes_at": _when(r.closes_at),
                "status": r.status.value,
                "matched_at": _when(r.matched_at),
                "matches_sent_at": _when(r.matches_sent_at),
            }
            for r in rounds
        ],
        "people": [
            {
                "id": p.id,
                "email": p.email,
                "first_name": p.first_name,
                "last_name": p.last_name,
                "created_at": _when(p.created_at),
                "erased_at": _when(p.erased_at),
                "bouncing_since": _when(p.bouncing_since),
                "away_until": _when(p.away_until),
            }
            for p in people
        ],
        "registrations": [
            {
                "id": r.id,
                "round_id": r.round_id,
                "person_id": r.person_id,
                "roles": sorted(role.value for role in r.role_set),
                "status": r.status.value,
                "grade": r.grade,
                "department": r.department,
                "profession": r.profession,
                "job_title": r.job_title,
                "profession_of_interest": r.profession_of_interest,
                "long_term_capacity": r.long_term_capacity,
                "created_at": _when(r.created_at),
                "confirmed_at": _when(r.confirmed_at),
                "withdrawn_at": _when(r.withdrawn_at),
            }
            for rnd in rounds
            if rnd.id is not None
            for r in uow.repo.registrations(rnd.id)
        ],
        "introductions": [
            {
                "id": i.id,
                "round_id": i.round_id,
                "mentor_id": i.mentor_id,
                "mentee_id": i.mentee_id,
                "number": i.number,
                "status": i.status.value,
                "sent_at": _when(i.sent_at),
            }
            for i in session.scalars(select(Introduction).order_by(orm.introductions.c.id)).all()
        ],
        "approaches": [
            {
                "id": a.id,
                "round_id": a.round_id,
                "mentee_id": a.mentee_id,
                "mentor_id": a.mentor_id,
                "status": a.status.value,
                "created_at": _when(a.created_at),
                "answered_at": _when(a.answered_at),
            }
            for a in session.scalars(select(Approach).order_by(orm.approaches.c.id)).all()
        ],
        "pairings": [
            {
                "id": p.id,
                "round_id": p.round_id,
                "mentor_id": p.mentor_id,
                "mentee_id": p.mentee_id,
                "status": p.status.value,
                "started_at": _when(p.started_at),
                "ends_at": _when(p.ends_at),
                "ended_at": _when(p.ended_at),
                "end_reason": p.end_reason.value if p.end_reason else None,
            }
            for p in session.scalars(select(Pairing).order_by(orm.pairings.c.id)).all()
        ],
        "meetings": [
            {
                "id": m.id,
                "pairing_id": m.pairing_id,
                "logged_by": m.logged_by,
                "met_on": _when(m.met_on),
                "minutes": m.minutes,
            }
            for m in session.scalars(select(Meeting).order_by(orm.meetings.c.id)).all()
        ],
        "mail": {
            "inbound": session.scalar(select(func.count()).select_from(InboundMessage)) or 0,
            "outbound": session.scalar(select(func.count()).select_from(OutboundMessage)) or 0,
        },
    }
