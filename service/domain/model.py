"""The programme's entities as plain dataclasses.

No I/O and no database here: the store maps these classes onto its tables (imperative
mapping, in `service/store/`), so the rules in `service.domain.rules` work on the same
objects in tests and in production.

Identity is by object (``eq=False``): two registrations with equal fields are still two.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class RoundStatus(StrEnum):
    DRAFT = "draft"  # created, window not yet open (derived from dates; kept for clarity)
    OPEN = "open"
    CLOSED = "closed"  # window over, not yet matched
    MATCHED = "matched"  # introductions committed
    SENT = "sent"  # match emails queued


class RegistrationStatus(StrEnum):
    PENDING_CONFIRMATION = "pending_confirmation"
    CONFIRMED = "confirmed"
    WITHDRAWN = "withdrawn"


class IntroductionStatus(StrEnum):
    PROPOSED = "proposed"
    SENT = "sent"
    MET = "met"
    NOT_MET = "not_met"
    CLOSED = "closed"


class ApproachStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class PairingStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


class EndReason(StrEnum):
    UNPAIRED_BY_MENTEE = "unpaired_by_mentee"
    UNPAIRED_BY_MENTOR = "unpaired_by_mentor"
    UNPAIRED_BY_COORDINATOR = "unpaired_by_coordinator"
    UNRESPONSIVE = "unresponsive"
    STALE = "stale"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"
    DATA_ERASED = "data_erased"


@dataclass(eq=False)
class Person:
    """Someone who has written to the programme. Erasure blanks the personal fields."""

    email: str
    first_name: str
    last_name: str
    created_at: datetime
    id: int | None = None
    erased_at: datetime | None = None
    bouncing_since: datetime | None = None
    away_until: date | None = None  # from an out-of-office that stated a return date
    paused_at: datetime | None = None  # they said PAUSE (see `rules.is_paused`)
    paused_until: datetime | None = None  # ... until the start of the day they gave

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def erased(self) -> bool:
        return self.erased_at is not None


@dataclass(eq=False)
class Round:
    """One cohort: a registration window, then matching, then a programme year."""

    name: str
    opens_at: datetime
    closes_at: datetime
    created_at: datetime
    id: int | None = None
    status: RoundStatus = RoundStatus.OPEN
    matched_at: datetime | None = None
    matches_sent_at: datetime | None = None

    def window_open(self, moment: datetime) -> bool:
        return self.opens_at <= moment < self.closes_at


@dataclass(eq=False)
class Registration:
    """A person's place in one round, as mentor, mentee or both."""

    round_id: int
    person_id: int
    roles: str  # "mentor", "mentee" or "mentor,mentee": see `role_set`
    grade: str  # a rung code from the configured ladder
    department: str  # canonical name (or as typed when unknown)
    profession: str
    created_at: datetime
    id: int | None = None
    status: RegistrationStatus = RegistrationStatus.PENDING_CONFIRMATION
    job_title: str = ""
    profession_of_interest: str | None = None
    # Special-category data: kept only when the person asked to be matched on it, and
    # used only by the matcher. Never shown to anyone, never logged.
    wants_shared_characteristic: bool = False
    characteristics: str = ""
    bio: str = ""
    long_term_capacity: int = 1
    speed_capacity: int = 3
    confirmed_at: datetime | None = None
    withdrawn_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def role_set(self) -> frozenset[Role]:
        return frozenset(Role(r) for r in self.roles.split(",") if r)

    def has_role(self, role: Role) -> bool:
        # The stored text, not `role_set`: an Enum lookup per role cost a 1,000-person
        # round match ~2,000 of them.
        return role.value in self.roles.split(",")

    @property
    def active(self) -> bool:
        return self.status is not RegistrationStatus.WITHDRAWN


@dataclass(eq=False)
class Introduction:
    """A speed-mentoring match: the mentee contacts the mentor for one 30-minute session."""

    round_id: int
    mentor_id: int  # person ids
    mentee_id: int
    number: int  # 1..3, as listed in the mentee's match email
    created_at: datetime
    id: int | None = None
    status: IntroductionStatus = IntroductionStatus.PROPOSED
    score: int = 0
    why: str = ""  # the non-sensitive explanation shown in the match email
    sent_at: datetime | None = None
    contacted_at: datetime | None = None
    not_contacted_at: datetime | None = None


@dataclass(eq=False)
class Approach:
    """A mentee asking one of their speed mentors to continue long term."""

    round_id: int
    mentee_id: int
    mentor_id: int
    created_at: datetime
    id: int | None = None
    status: ApproachStatus = ApproachStatus.PENDING
    answered_at: datetime | None = None


@dataclass(eq=False)
class Pairing:
    """The long-term relationship: usually up to 12 months, meeting every 4 to 8 weeks."""

    round_id: int
    mentor_id: int
    mentee_id: int
    started_at: datetime
    ends_at: datetime  # end of the agreed period; CONTINUE moves it on
    id: int | None = None
    status: PairingStatus = PairingStatus.ACTIVE
    ended_at: datetime | None = None
    end_reason: EndReason | None = None
    period: int = 1  # how many agreed periods so far (CONTINUE adds one)
    # Signs of life, for check-ins, staleness and the unresponsiveness ladder.
    mentor_last_seen_at: datetime | None = None
    mentee_last_seen_at: datetime | None = None
    last_check_in_at: datetime | None = None
    unanswered_check_ins: int = 0
    stale_warned_at: datetime | None = None
    # The unresponsiveness ladder: who has gone quiet, since when, and how far we got.
    silent_id: int | None = None
    ladder_started_at: datetime | None = None
    nudges_sent: int = 0
    last_nudge_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.status is PairingStatus.ACTIVE

    def partner_of(self, person_id: int) -> int:
        return self.mentee_id if person_id == self.mentor_id else self.mentor_id

    def role_of(self, person_id: int) -> str:
        """ "mentor" or "mentee": which side of this pairing `person_id` is on."""
        return "mentor" if person_id == self.mentor_id else "mentee"


MAX_MEETING_NOTE = 200  # characters: a line of context, not minutes of the meeting


@dataclass(eq=False)
class Meeting:
    """A logged meeting. Hours count towards the programme figures and CPD."""

    pairing_id: int
    logged_by: int
    met_on: date
    minutes: int
    created_at: datetime
    id: int | None = None
    note: str = ""  # the person's own words ("great chat"): personal data, erased with them


MAX_FEEDBACK_COMMENT = 2000  # characters: what someone would like to tell us, not a diary
LOWEST_SCORE, HIGHEST_SCORE = 1, 5


@dataclass(eq=False)
class Feedback:
    """One person's answer to "How is your mentoring going?" (1 to 5, and a comment),
    asked by one of our emails about one pairing. A second answer to the same asking
    replaces the first. The comment is the person's own words: personal data, in their
    export and erased with them (and with their partner, whom it may name)."""

    pairing_id: int
    person_id: int
    asking: str  # which email asked: "check-in 3", "end 1"
    score: int | None  # None: words without a number
    comment: str
    created_at: datetime
    updated_at: datetime
    id: int | None = None


@dataclass(eq=False)
class AuditEvent:
    """Who did what, when, and which inbound message caused it. No personal data in detail."""

    at: datetime
    actor: str  # "person:12", "coordinator", "system", "job:<name>"
    action: str
    subject: str  # "registration:3", "pairing:7", ...
    detail: dict[str, object] = field(default_factory=dict)
    inbound_id: int | None = None
    id: int | None = None
