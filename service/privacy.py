"""Data rights: export what we hold about a person, and erase it.

Sexual orientation and gender identity are special-category data. A person's own
export holds their own characteristics (it is their data) and never anyone else's; the
readable summary and the whole-programme export hold none at all. Erasure anonymises
the person in place, so ids, states, dates and meeting minutes still add up in the
programme figures while nothing identifies them any more.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import Enum
from typing import Any

from service.config import ProgrammeConfig
from service.corrections import ACTIONS
from service.domain.model import (
    Approach,
    Introduction,
    Meeting,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
)
from service.domain.rules import cpd_points, day
from service.mail.mentions import mentions
from service.mail.transport import Transport, TransportError
from service.store.database import Database
from service.store.erasure_records import ErasureRecords
from service.store.outbox_records import OutboxRecords
from service.store.records import Correction, Tombstone
from service.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
MAIL_ERASED_EVENT = "person.mail_erased"

EXPORT_FILENAME = "my-mentoring-data.json"
Rounds = dict[int, str]


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _round_names(uow: UnitOfWork) -> Rounds:
    return {r.id: r.name for r in uow.repo.rounds() if r.id is not None}


def _round_of(rounds: Rounds, round_id: int) -> str:
    return rounds.get(round_id, str(round_id))


# --- a person's own export ---------------------------------------------------------------
def export_person(uow: UnitOfWork, person: Person) -> dict[str, Any]:
    """Everything held about `person`, as JSON-ready data.

    Other people appear only by name (as the person was told them in our emails):
    never their address, answers or characteristics.
    """
    assert person.id is not None
    pid = person.id
    rounds = _round_names(uow)
    intros = uow.repo.introductions_of(pid)
    approaches = [*uow.repo.approaches_of_mentee(pid), *uow.repo.approaches_to(pid)]
    pairings = uow.repo.pairings_of(pid)
    name = _names_of_others(uow, pid, [*intros, *approaches, *pairings])
    received, sent = uow.repo.message_counts(pid)
    records = uow.repo.corrections_about(pid)
    return {
        "person": _about(person),
        "registrations": [_own_registration(r, rounds) for r in uow.repo.registrations_of(pid)],
        "speed_mentoring": [_introduction(i, pid, name, rounds) for i in intros],
        "long_term_requests": [_request(a, pid, name, rounds) for a in approaches],
        "partnerships": [_pairing(uow, p, pid, name(p.partner_of(pid)), rounds) for p in pairings],
        "messages": {"emails_from_you": received, "emails_to_you": sent},
        "coordinator_records": [_record(c) for c in records],
    }


def _record(c: Correction) -> dict[str, Any]:
    """A coordinator's correction or note about them: a note is personal data about the
    people it names, so it is theirs to see (the coordinator who wrote it is not named)."""
    return {
        "on": _when(c.at),
        "what": ACTIONS.get(c.action, "correction"),
        **({"note": c.note} if c.note else {}),
    }


def _names_of_others(
    uow: UnitOfWork, pid: int, links: list[Introduction | Approach | Pairing]
) -> Callable[[int], str]:
    """How the other people in `links` are named to `pid`: by name, never by address."""
    others = {link.mentor_id for link in links} | {link.mentee_id for link in links}
    others.discard(pid)
    people = uow.repo.people(sorted(others)) if others else {}

    def name(person_id: int) -> str:
        other = people.get(person_id)
        return other.name if other is not None and not other.erased else "(a former participant)"

    return name


ABOUT_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "first_contact:created_at",
    "erased_at",
    "email_bouncing_since:bouncing_since",
    "away_until",
)


def _about(person: Person) -> dict[str, Any]:
    return row(person, ABOUT_FIELDS)


def _own_registration(r: Registration, rounds: Rounds) -> dict[str, Any]:
    return {
        "round": _round_of(rounds, r.round_id),
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


def _introduction(
    i: Introduction, pid: int, name: Callable[[int], str], rounds: Rounds
) -> dict[str, Any]:
    return {
        "round": _round_of(rounds, i.round_id),
        "your_role": "mentee" if i.mentee_id == pid else "mentor",
        "with": name(i.mentor_id if i.mentee_id == pid else i.mentee_id),
        "number": i.number,
        "status": i.status.value,
        "sent_at": _when(i.sent_at),
    }


def _request(a: Approach, pid: int, name: Callable[[int], str], rounds: Rounds) -> dict[str, Any]:
    return {
        "round": _round_of(rounds, a.round_id),
        "your_role": "mentee" if a.mentee_id == pid else "mentor",
        "with": name(a.mentor_id if a.mentee_id == pid else a.mentee_id),
        "status": a.status.value,
        "asked_at": _when(a.created_at),
        "answered_at": _when(a.answered_at),
    }


def _pairing(uow: UnitOfWork, p: Pairing, pid: int, partner: str, rounds: Rounds) -> dict[str, Any]:
    assert p.id is not None
    meetings: list[Meeting] = list(uow.repo.meetings(p.id))
    minutes = uow.repo.minutes_met(p.id)  # a meeting both partners logged counts once
    return {
        "round": _round_of(rounds, p.round_id),
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
        # Only their own answers: a partner's score and words are the partner's data.
        "your_feedback": [
            {
                "asked_in": f.asking,
                "score": f.score,
                "comment": f.comment,
                "given_at": _when(f.updated_at),
            }
            for f in uow.repo.feedback_of([p.id])
            if f.person_id == pid
        ],
    }


# --- the readable summary of an export ---------------------------------------------------
Section = dict[str, Any]  # {"heading": str, "items": [(label, value), ...]}


def summary_sections(export: dict[str, Any], config: ProgrammeConfig) -> list[Section]:
    """The readable part of a data export: the same facts, without any characteristic."""
    tz = config.programme.timezone

    def on(value: str | None) -> str:
        return day(datetime.fromisoformat(value), tz) if value else ""

    person = export["person"]
    sections: list[Section] = [
        {
            "heading": "About you",
            "items": [
                ("Name", f"{person['first_name']} {person['last_name']}".strip()),
                ("Email", person["email"]),
                ("First in touch", on(person["first_contact"])),
            ],
        }
    ]
    grades = config.vocabulary.grade_names
    sections += [_registration_section(reg, grades) for reg in export["registrations"]]
    if export["speed_mentoring"]:
        sections.append(_speed_section(export["speed_mentoring"]))
    if export["long_term_requests"]:
        sections.append(_requests_section(export["long_term_requests"], on))
    sections += [_partnership_section(p, on) for p in export["partnerships"]]
    if export.get("coordinator_records"):
        sections.append(_records_section(export["coordinator_records"], on))
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


def _registration_section(reg: dict[str, Any], grades: dict[str, str]) -> Section:
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
    return {"heading": f"Your registration ({reg['round']} round)", "items": items}


def _speed_section(introductions: list[dict[str, Any]]) -> Section:
    return {
        "heading": "Speed mentoring",
        "items": [
            (
                f"Your {'mentor' if i['your_role'] == 'mentee' else 'mentee'}",
                f"{i['with']} ({i['round']} round, {i['status'].replace('_', ' ')})",
            )
            for i in introductions
        ],
    }


def _requests_section(requests: list[dict[str, Any]], on: Callable[[str | None], str]) -> Section:
    return {
        "heading": "Long-term requests",
        "items": [
            (
                "You asked" if a["your_role"] == "mentee" else "You were asked by",
                f"{a['with']} on {on(a['asked_at'])} ({a['status']})",
            )
            for a in requests
        ],
    }


def _records_section(
    records: list[dict[str, Any]], on: Callable[[str | None], str]
) -> Section:
    return {
        "heading": "What the coordinators recorded",
        "items": [
            (on(r["on"]), r["what"].capitalize() + (f": {r['note']}" if "note" in r else ""))
            for r in records
        ],
    }


def _partnership_section(p: dict[str, Any], on: Callable[[str | None], str]) -> Section:
    return {
        "heading": f"Mentoring partnership with {p['with']}",
        "items": [
            ("Your role", p["your_role"]),
            ("Started", on(p["started_at"])),
            ("Status", p["status"] + (f" ({on(p['ended_at'])})" if p["ended_at"] else "")),
            ("Meetings logged", str(len(p["meetings"]))),
            ("Hours (CPD points)", str(p["hours"])),
            *[
                (
                    f"Your feedback ({f['asked_in']})",
                    " – ".join(
                        x
                        for x in (f"{f['score']} out of 5" if f["score"] else "", f["comment"])
                        if x
                    ),
                )
                for f in p.get("your_feedback", [])
            ],
        ],
    }


# --- erasure -------------------------------------------------------------------------------
def erased_address(person_id: int) -> str:
    return f"erased-{person_id}@invalid"


def erase_person(uow: UnitOfWork, person: Person, now: datetime, *, by: str = "request") -> None:
    """Anonymise `person` in place. The caller ends their relationships (with notices) first.

    `by` says why, for the audit trail: "request" (theirs or a coordinator's) or
    "retention" (the retention period passed; the digest counts these).

    Kept: ids, states, dates and meeting minutes (anonymous facts, so the figures add up),
    the exactly-once keys of their messages (so a replay is still recognised) and a
    tombstone with a salted hash of the address (so a late reply or bounce is too).
    Gone: names, address, registration answers, meeting notes, feedback comments (theirs and
    their partners', which may name them; the scores stay), raw inbound mail, rendered
    outbound mail, reply tokens and any interest-list entry. The copies of their mail in the
    mailbox, and other mail that names them, go once the last emails to them have been sent:
    `finish_erasures`, after every drain of the outbox.
    """
    assert person.id is not None
    pid = person.id
    old_address = person.email
    _tombstone(uow, pid, old_address, _terms(person), now)
    for reg in uow.repo.registrations_of(pid):
        _blank_registration(reg, now)
    uow.flush()
    uow.repo.erase_mail_of(pid, old_address, erased_address(pid))
    uow.repo.clear_meeting_notes_of(pid)
    uow.repo.clear_feedback_comments_of(pid)
    uow.repo.clear_correction_notes_of(pid)
    uow.repo.forget_tokens_and_interest(pid, old_address)
    person.email = erased_address(pid)
    person.first_name = ""
    person.last_name = ""
    person.away_until = None
    person.erased_at = now
    uow.flush()
    uow.audit("person.erased", f"person:{pid}", {"by": by})


def _blank_registration(reg: Registration, now: datetime) -> None:
    """Their answers go; the registration's facts (round, roles, dates) stay."""
    reg.job_title = ""
    reg.bio = ""
    reg.characteristics = ""
    reg.wants_shared_characteristic = False
    reg.profession_of_interest = None
    if reg.status is not RegistrationStatus.WITHDRAWN:
        reg.status = RegistrationStatus.WITHDRAWN
        reg.withdrawn_at = now


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
    uow.repo.add_tombstone(pid, salt, _address_hash(salt, address), terms, now)


def was_erased(uow: UnitOfWork, address: str) -> bool:
    """Is this the address of someone whose data was erased? Re-arms their mailbox
    erasure, so a late message of theirs leaves the mailbox again at the next drain."""
    if not address:
        return False
    for found in uow.repo.tombstones():
        if _address_hash(found.salt, address) == found.address_hash:
            terms = list(found.pending_terms or ())
            if address.strip().lower() not in terms:
                terms.append(address.strip().lower())
            uow.repo.set_tombstone_terms(found.id, terms)
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
    records = ErasureRecords(db)
    outbox = OutboxRecords(db)
    finished = 0
    for erasure in records.pending():
        if outbox.unsent(queued_up_to=erasure.created_at):
            continue
        finished += _finish_one(records, transport, erasure, now)
    if finished:
        records.forget_freed_pages()
    return finished


def _finish_one(
    records: ErasureRecords, transport: Transport, erasure: Tombstone, now: datetime
) -> bool:
    """Erase one person's mail from the mailbox, then from the store. False if the
    mailbox could not be reached (the erasure stays pending, tried after the next drain)."""
    person_id = erasure.person_id
    terms = list(erasure.pending_terms or ())
    try:
        result = transport.erase_mail(terms)
    except TransportError as error:
        log.warning("mail of erased person %s not yet erased: %s", person_id, error)
        return False
    records.finish(
        erasure,
        erased_address(person_id),
        lambda raw: mentions(raw, terms),
        now,
        MAIL_ERASED_EVENT,
        # Mailbox ids only; the digest lists those left for the coordinators to delete.
        {"deleted": result.deleted, "left": list(result.left)},
    )
    if result.left:
        log.warning(
            "erased person %s: %d message(s) the mailbox would not let us delete",
            person_id,
            len(result.left),
        )
    log.info("erased person %s: %d message(s) deleted", person_id, result.deleted)
    return True


def blank_inbound(uow: UnitOfWork, inbound_id: int) -> None:
    """Blank one stored message's raw bytes (the erasure request itself); its key stays."""
    uow.repo.blank_inbound(inbound_id)


# --- the whole programme's export ---------------------------------------------------------
def export_state(uow: UnitOfWork) -> dict[str, Any]:
    """The whole programme's state for `mentoring export --json`: no characteristic at all."""
    repo = uow.repo
    # In id order: PostgreSQL returns rows in no set order, and an export should diff cleanly.
    rounds = sorted(repo.rounds(), key=lambda r: r.id or 0)
    pairings = repo.all_pairings()
    received, sent = repo.mail_counts()
    return {
        "rounds": [row(r, ROUND_FIELDS) for r in rounds],
        "people": [row(p, PERSON_FIELDS) for p in repo.all_people()],
        "registrations": [
            row(r, REGISTRATION_FIELDS)
            for rnd in rounds
            if rnd.id is not None
            for r in repo.registrations(rnd.id)
        ],
        "introductions": [row(i, INTRODUCTION_FIELDS) for i in repo.all_introductions()],
        "approaches": [row(a, APPROACH_FIELDS) for a in repo.all_approaches()],
        "pairings": [row(p, PAIRING_FIELDS) for p in pairings],
        "meetings": [
            row(m, MEETING_FIELDS) for m in sorted(repo.all_meetings(), key=lambda m: m.id or 0)
        ],
        # Scores only: a comment is its writer's own words, in their own export.
        "feedback": [
            row(f, FEEDBACK_FIELDS)
            for f in sorted(
                repo.feedback_of([p.id for p in pairings if p.id is not None]),
                key=lambda f: f.id or 0,
            )
        ],
        "mail": {"inbound": received, "outbound": sent},
    }


# Each table's export: (key, attribute) for each column written, in the export's order.
ROUND_FIELDS = ("id", "name", "opens_at", "closes_at", "status", "matched_at", "matches_sent_at")
PERSON_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "created_at",
    "erased_at",
    "bouncing_since",
    "away_until",
)
REGISTRATION_FIELDS = (
    "id",
    "round_id",
    "person_id",
    "roles:role_set",
    "status",
    "grade",
    "department",
    "profession",
    "job_title",
    "profession_of_interest",
    "long_term_capacity",
    "created_at",
    "confirmed_at",
    "withdrawn_at",
)
INTRODUCTION_FIELDS = ("id", "round_id", "mentor_id", "mentee_id", "number", "status", "sent_at")
APPROACH_FIELDS = (
    "id",
    "round_id",
    "mentee_id",
    "mentor_id",
    "status",
    "created_at",
    "answered_at",
)
PAIRING_FIELDS = (
    "id",
    "round_id",
    "mentor_id",
    "mentee_id",
    "status",
    "started_at",
    "ends_at",
    "ended_at",
    "end_reason",
)
MEETING_FIELDS = ("id", "pairing_id", "logged_by", "met_on", "minutes")
FEEDBACK_FIELDS = ("id", "pairing_id", "person_id", "asking", "score", "updated_at")


def _plain(value: object) -> object:
    """A field's value as JSON holds it: dates as ISO text, states by their value, a set
    of roles as a sorted list."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset):
        return sorted(str(_plain(v)) for v in value)
    return value


def row(entity: object, fields: Iterable[str]) -> dict[str, Any]:
    """One entity as an export row: each field is "attribute" or "key:attribute"."""
    out: dict[str, Any] = {}
    for field in fields:
        key, _, attribute = field.partition(":")
        out[key] = _plain(getattr(entity, attribute or key))
    return out
