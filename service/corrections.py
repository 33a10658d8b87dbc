"""A coordinator's corrections, as rules over data (no I/O).

What a coordinator may put right by hand after the matching was committed: pair two
people, unpair them, reopen a partnership that was closed, change or delete a logged
meeting, send an email again, withdraw or reinstate a registration, and keep a note.
The handlers (`handlers/pair.py`, `reopen.py`, `meeting_fix.py`, `note.py`,
`resend.py`, `reinstate.py`, and UNPAIR and WITHDRAW for a coordinator) change the state
through these rules and record each change as a `Correction`; the command line
(`service/cli/corrections.py`) and a verified coordinator's email reach the same handlers.
Every refusal is one sentence written to the coordinator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from service.config import ProgrammeConfig
from service.domain.model import (
    EndReason,
    Meeting,
    Pairing,
    PairingStatus,
    Person,
    Registration,
    RegistrationStatus,
    Role,
)
from service.errors import DomainError
from service.store.records import Correction

# What each correction is called in a person's story (`service.story`).
ACTIONS = {
    "pairing.paired": "paired by hand",
    "pairing.unpaired": "unpaired",
    "pairing.reopened": "partnership reopened",
    "meeting.edited": "meeting changed",
    "meeting.deleted": "meeting deleted",
    "email.resent": "email sent again",
    "registration.withdrawn": "withdrawn from the round",
    "registration.reinstated": "registration reinstated",
    "person.note": "note",
    "pairing.note": "note on the partnership",
}


def coordinator_address(address: str | None, config: ProgrammeConfig) -> str:
    """The coordinator a correction is recorded against: one of the configured ones."""
    given = (address or "").strip().lower()
    known = [a.lower() for a in config.coordinators.addresses]
    if not given:
        raise DomainError(
            "Say which coordinator is making this correction: --by ADDRESS (or set"
            " MENTORING_COORDINATOR)."
        )
    if given not in known:
        listed = ", ".join(known) or "none are configured"
        raise DomainError(f"{given} is not one of the programme's coordinators ({listed}).")
    return given


def correction(
    coordinator: str,
    action: str,
    now: datetime,
    *,
    person: Person | None = None,
    pairing: Pairing | None = None,
    detail: dict[str, object] | None = None,
    note: str = "",
) -> Correction:
    """The audit record of one correction; about a pairing, it names both its people."""
    assert action in ACTIONS, action
    person_id = person.id if person is not None else None
    partner_id = None
    if pairing is not None:
        person_id = person_id or pairing.mentee_id
        partner_id = pairing.partner_of(person_id)
    return Correction(
        at=now,
        coordinator=coordinator,
        action=action,
        person_id=person_id,
        partner_id=partner_id,
        pairing_id=pairing.id if pairing is not None else None,
        detail=dict(detail or {}),
        note=note,
    )


def ensure_may_pair(
    mentor: Person,
    mentee: Person,
    mentor_registration: Registration | None,
    mentee_registration: Registration | None,
    mentee_pairing: Pairing | None,
) -> None:
    """Pairing two people by hand: both taking part in the round in those roles, and the
    mentee without a long-term mentor (a mentor's places are the coordinator's call)."""
    if mentor.id == mentee.id:
        raise DomainError("A person cannot be their own mentor.")
    for who, reg, role in (
        (mentor, mentor_registration, Role.MENTOR),
        (mentee, mentee_registration, Role.MENTEE),
    ):
        if who.erased or reg is None or not reg.active or not reg.has_role(role):
            raise DomainError(
                f"{who.email} is not taking part as a {role.value} in that round,"
                " so they cannot be paired."
            )
    if mentee_pairing is not None:
        raise DomainError(
            f"{mentee.email} already has a long-term mentor: unpair them first"
            " (mentoring pairing end)."
        )


def pair_by_hand(
    mentor_registration: Registration, mentee_id: int, now: datetime, config: ProgrammeConfig
) -> Pairing:
    """A new long-term pairing, as if the mentor had accepted a request today."""
    return Pairing(
        round_id=mentor_registration.round_id,
        mentor_id=mentor_registration.person_id,
        mentee_id=mentee_id,
        started_at=now,
        ends_at=now + timedelta(days=config.timings.programme_length),
        mentor_last_seen_at=now,
        mentee_last_seen_at=now,
    )


def reopen(
    pairing: Pairing, mentee_pairing: Pairing | None, now: datetime, config: ProgrammeConfig
) -> EndReason | None:
    """Open an ended partnership again, with a clean slate for the reminders (it is as if
    both had just been in touch). Returns why it had ended."""
    if pairing.status is PairingStatus.ACTIVE:
        raise DomainError("That partnership is still open, so there is nothing to reopen.")
    if pairing.end_reason is EndReason.DATA_ERASED:
        raise DomainError("That partnership ended because a person's data was erased.")
    if mentee_pairing is not None:
        raise DomainError(
            "The mentee has another long-term mentor now: end that partnership first."
        )
    reason = pairing.end_reason
    pairing.status = PairingStatus.ACTIVE
    pairing.ended_at = None
    pairing.end_reason = None
    pairing.mentor_last_seen_at = pairing.mentee_last_seen_at = now
    pairing.unanswered_check_ins = 0
    pairing.stale_warned_at = None
    pairing.silent_id = pairing.ladder_started_at = pairing.last_nudge_at = None
    pairing.nudges_sent = 0
    if pairing.ends_at <= now:
        pairing.ends_at = now + timedelta(days=config.timings.programme_length)
    return reason


def in_order(meetings: Iterable[Meeting]) -> list[Meeting]:
    """A person's meetings as their story numbers them: by the day met, then when logged."""
    return sorted(meetings, key=lambda m: (m.met_on, m.created_at, m.id or 0))


def meeting_numbered(meetings: Sequence[Meeting], number: int) -> Meeting:
    """Meeting `number` (from 1) of a person's meetings in order, or a clear refusal."""
    ordered = in_order(meetings)
    if not ordered:
        raise DomainError("No meetings are logged for that person.")
    if not 1 <= number <= len(ordered):
        raise DomainError(
            f"There is no meeting {number}: that person has {len(ordered)} logged"
            f" (numbers 1 to {len(ordered)}, as `mentoring person show` lists them)."
        )
    return ordered[number - 1]


def edit_meeting(
    meeting: Meeting, minutes: int | None, met_on: date | None, today: date
) -> dict[str, object]:
    """Change a logged meeting's length or day; returns what it was and is (the audit)."""
    if minutes is None and met_on is None:
        raise DomainError("Say what to change: the length (--minutes) or the day (--date).")
    if minutes is not None and not 1 <= minutes <= 600:
        raise DomainError("A meeting's length must be between 1 and 600 minutes.")
    if met_on is not None and met_on > today:
        raise DomainError("A meeting cannot be logged for a day that has not come yet.")
    before = {"minutes": meeting.minutes, "met_on": meeting.met_on.isoformat()}
    meeting.minutes = minutes if minutes is not None else meeting.minutes
    meeting.met_on = met_on if met_on is not None else meeting.met_on
    return {
        "was": before,
        "now": {"minutes": meeting.minutes, "met_on": meeting.met_on.isoformat()},
    }


def reinstate(registration: Registration) -> RegistrationStatus:
    """Undo a withdrawal: back to confirmed when they had confirmed, else to pending."""
    if registration.status is not RegistrationStatus.WITHDRAWN:
        raise DomainError("That registration was not withdrawn, so there is nothing to reinstate.")
    registration.status = (
        RegistrationStatus.CONFIRMED
        if registration.confirmed_at is not None
        else RegistrationStatus.PENDING_CONFIRMATION
    )
    registration.withdrawn_at = None
    return registration.status


def ensure_note(text: str) -> str:
    note = " ".join(text.split())
    if not note:
        raise DomainError("The note is empty: write what you want to keep.")
    if len(note) > 1000:
        raise DomainError("A note is at most 1,000 characters.")
    return note


def resend_key(original_key: str, count: int) -> str:
    """The idempotency key of a coordinator's resend: a new email that names the one it
    repeats, so the same logical email goes again only when a coordinator asks."""
    return f"resend:{count}:{original_key}"


_ENDED = {
    EndReason.UNPAIRED_BY_MENTEE: "the mentee ended it",
    EndReason.UNPAIRED_BY_MENTOR: "the mentor ended it",
    EndReason.UNPAIRED_BY_COORDINATOR: "a coordinator ended it",
    EndReason.UNRESPONSIVE: "one side stopped answering",
    EndReason.STALE: "it went quiet and was closed as stale",
    EndReason.COMPLETED: "it came to its planned end",
    EndReason.WITHDRAWN: "one of them left the programme",
    EndReason.DATA_ERASED: "one of them had their data erased",
}


def why_it_ended(reason: EndReason | str | None, leaver: str | None = None) -> str:
    """How a partnership ended, in words (never blame); `leaver` names who left the
    programme, when the record says (older records do not)."""
    if reason is None:
        return "it ended"
    if leaver is not None and reason == EndReason.WITHDRAWN:
        return f"{leaver} left the programme"
    return _ENDED.get(EndReason(reason), str(reason).replace("_", " "))


def _meeting(values: object) -> str:
    if not isinstance(values, dict):
        return "a meeting"
    met_on = date.fromisoformat(str(values.get("met_on")))
    return f"{values.get('minutes')} minutes on {met_on.day} {met_on:%B %Y}"


def correction_words(c: Correction, names: dict[int, str]) -> str:
    """One correction as a sentence for the coordinators, naming who made it."""
    who = names.get(c.person_id or 0, "a participant")
    other = names.get(c.partner_id or 0, "their partner")
    d = c.detail
    was = d.get("was")
    ended = f"where {why_it_ended(was)}" if isinstance(was, str) else "after it had ended"
    words = {
        "pairing.paired": f"paired {who} with {other} by hand",
        "pairing.unpaired": f"ended the partnership of {who} and {other}",
        "pairing.reopened": f"reopened the partnership of {who} and {other} ({ended})",
        "meeting.edited": f"changed meeting {d.get('number')} of {who} from"
        f" {_meeting(d.get('was'))} to {_meeting(d.get('now'))}",
        "meeting.deleted": f"deleted meeting {d.get('number')} of {who} ({_meeting(d.get('was'))})",
        "email.resent": f"sent {who} the {d.get('template')} email again",
        "registration.withdrawn": f"withdrew {who} from the {d.get('round', '')} round",
        "registration.reinstated": f"reinstated {who}'s registration for the"
        f" {d.get('round', '')} round",
        "person.note": f"noted about {who}: “{c.note}”",
        "pairing.note": f"noted about the partnership of {who} and {other}: “{c.note}”",
    }
    return f"{c.coordinator} {words.get(c.action, ACTIONS.get(c.action, c.action))}"
