"""The programme's configuration: loaded from TOML, merged, validated, frozen.

`config/mentoring.toml` holds the defaults; a deployment file (``--config`` or
``MENTORING_CONFIG``) overrides it key by key. Anything wrong is refused with a
`ConfigError` whose message names the file and the key, so a coordinator can fix it
without reading Python.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.errors import ConfigError
from service.text import fold

if TYPE_CHECKING:
    from service.vocabulary import Vocabulary

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "mentoring.toml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Programme(_Strict):
    name: str
    short_name: str
    mailbox: str
    message_id_domain: str
    plus_addressing: bool = True
    timezone: str = "Europe/London"
    website: str = ""
    feedback_url: str = ""
    code_of_conduct_url: str = ""
    privacy_notice_url: str = ""
    signature: str = ""


class Coordinators(_Strict):
    addresses: tuple[str, ...] = Field(min_length=1)
    # A question in a person's own words goes to them; the kind answer says how soon.
    answer_within_working_days: int = Field(default=3, ge=1, le=30)


class Feedback(_Strict):
    """How participants are asked how useful their mentoring is (issue 15)."""

    # Check-ins and the end-of-programme email ask for a score from 1 to 5 by reply.
    by_email: bool = True
    # The end-of-programme email also links to `programme.feedback_url` (when set).
    link_in_end_email: bool = True
    # A score this low or lower puts the pairing on the coordinators' needs-attention list.
    low_score: int = Field(default=2, ge=1, le=4)


class Grade(_Strict):
    code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()


class Eligibility(_Strict):
    minimum_mentor_grade: str


class Capacity(_Strict):
    mentee_introductions: int = Field(ge=1, le=10)
    mentor_introductions: int = Field(ge=1, le=10)
    mentor_long_term_default: int = Field(ge=0, le=10)
    mentor_long_term_max: int = Field(ge=1, le=10)

    @model_validator(mode="after")
    def _default_within_max(self) -> Capacity:
        if self.mentor_long_term_default > self.mentor_long_term_max:
            raise ValueError("mentor_long_term_default cannot be more than mentor_long_term_max")
        return self


class MatchingWeights(_Strict):
    grade_gap_2: int = 12
    grade_gap_1: int = 9
    profession_of_interest: int = 10
    shared_characteristic: int = 6
    repeated_profession: int = -3


class Matching(_Strict):
    grade_gap_min: int = Field(ge=1)
    grade_gap_max: int = Field(ge=1)
    weights: MatchingWeights = MatchingWeights()

    @model_validator(mode="after")
    def _gap_order(self) -> Matching:
        if self.grade_gap_min > self.grade_gap_max:
            raise ValueError("grade_gap_min cannot be more than grade_gap_max")
        return self


Days = int


class Timings(_Strict):
    """Every figure is in days."""

    confirm_reminder_after: Days = Field(ge=1)
    registration_closing_reminder_before: Days = Field(ge=0)
    speed_window: Days = Field(ge=1)
    contact_nudges_after: tuple[Days, ...]
    mentor_contact_check_after: Days = Field(ge=1)
    decide_reminder_after: Days = Field(ge=1)
    approach_reminder_after: Days = Field(ge=1)
    approach_expiry_after: Days = Field(ge=1)
    guidance_period: Days = Field(ge=0)
    guidance_after: tuple[Days, ...]
    check_in_every: Days = Field(ge=1)
    stale_after_unanswered_check_ins: int = Field(ge=1)
    stale_closure_after_warning: Days = Field(ge=1)
    unresponsive_nudge_spacing: Days = Field(ge=1)
    # A reminder (contact nudge, mentor's contact check, decide reminder) is not sent to
    # someone we emailed in this many days before it fell due, answers included.
    reminder_quiet_days: Days = Field(default=6, ge=0)
    unresponsive_nudges: int = Field(ge=0, le=10)
    mentor_early_end_rechoice_within: Days = Field(ge=0)
    programme_length: Days = Field(ge=1)
    # After the programme_end email, how long CONTINUE stays open before the pairing closes.
    continue_within_after_end: Days = Field(default=14, ge=0)
    data_retention_after_round: Days = Field(ge=1)
    # Registrations never confirmed are deleted this long after their round's window
    # closes (the confirmation emails give the date).
    unconfirmed_deleted_after_close: Days = Field(default=30, ge=0)

    @model_validator(mode="after")
    def _possible(self) -> Timings:
        # Each refusal names the offending key first so the message points at it.
        if self.approach_reminder_after >= self.approach_expiry_after:
            raise ValueError(
                "approach_reminder_after must be fewer days than approach_expiry_after,"
                " or the reminder would come after the approach expired"
            )
        if any(d < 1 for d in self.contact_nudges_after):
            raise ValueError("contact_nudges_after: every day must be 1 or more")
        if any(d >= self.speed_window for d in self.contact_nudges_after):
            raise ValueError(
                f"contact_nudges_after must all fall inside speed_window ({self.speed_window} days)"
            )
        if list(self.contact_nudges_after) != sorted(set(self.contact_nudges_after)):
            raise ValueError("contact_nudges_after must be increasing, without repeats")
        if any(d < 0 or d > self.guidance_period for d in self.guidance_after):
            raise ValueError(
                f"guidance_after must all fall inside guidance_period ({self.guidance_period} days)"
            )
        if list(self.guidance_after) != sorted(set(self.guidance_after)):
            raise ValueError("guidance_after must be increasing, without repeats")
        if self.guidance_period > self.programme_length:
            raise ValueError("guidance_period cannot be longer than programme_length")
        if self.check_in_every >= self.programme_length:
            raise ValueError("check_in_every must be shorter than programme_length")
        if self.mentor_early_end_rechoice_within > self.programme_length:
            raise ValueError(
                "mentor_early_end_rechoice_within cannot be longer than programme_length"
            )
        return self


class Limits(_Strict):
    auto_answers_per_sender_per_day: int = Field(ge=1)
    max_message_bytes: int = Field(ge=10_000)
    token_lifetime_days: int = Field(ge=1)
    # How long a "yes" to the DELETE MY DATA question counts; later, we ask again.
    erasure_confirm_days: int = Field(default=14, ge=1)


class Sending(_Strict):
    messages_per_minute: int = Field(ge=1)
    recipients_per_day: int = Field(ge=1)
    concurrent_requests: int = Field(ge=1, le=16)
    limit_local: bool = False


class Schedule(_Strict):
    """When the worker does what: the one place the recurring schedule lives."""

    poll_mailbox_every_minutes: int = Field(default=3, ge=1, le=1440)
    drain_outbox_every_minutes: int = Field(default=1, ge=1, le=1440)
    # Daily jobs run once a day at or after this local time (programme.timezone), "HH:MM".
    daily_rules_at: str = Field(default="07:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    digest_at: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # The weekly programme-health email goes out with the digest on this day.
    health_report_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    # Failed jobs are retried after these many seconds (one retry per entry).
    retry_backoff_seconds: tuple[int, ...] = (30, 120, 600)
    # A job's lock is renewed while it runs; a holder that stops renewing (its machine
    # died) loses it after this long. A dead holder on the same machine loses it at once.
    lock_timeout_seconds: int = Field(default=120, ge=10)


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEKDAYS: tuple[Weekday, ...] = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
)


class WorkingHours(_Strict):
    """When automatic email may go out (`service.domain.working_time`), in
    programme.timezone: answers to someone's own email are never held."""

    days: tuple[Weekday, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday")
    starts: str = Field(default="08:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    ends: str = Field(default="18:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    # Days off on a working weekday (the UK bank holidays of the deployment's nation).
    bank_holidays: tuple[date, ...] = ()
    # The rules where a person is expected to act (answer a request, reply to a nudge,
    # answer a stale warning) count these days only.
    count_working_days: bool = True

    @model_validator(mode="after")
    def _possible(self) -> WorkingHours:
        if not self.days:
            raise ValueError("days: at least one working day is needed")
        if self.starts >= self.ends:
            raise ValueError("starts must be earlier than ends")
        return self


class Question(_Strict):
    field: str
    text: str = Field(min_length=1)
    also: tuple[str, ...] = ()
    required: bool = False


FORM_FIELDS = frozenset(
    {
        "email",
        "first_name",
        "last_name",
        "roles",
        "job_title",
        "department",
        "grade",
        "profession",
        "profession_of_interest",
        "wants_shared_characteristic",
        "characteristics",
        "bio",
        "long_term_capacity",
        "eligible",
        "consent",
        "interest_list",
    }
)
REQUIRED_FORM_FIELDS = frozenset({"email", "first_name", "last_name", "roles", "grade"})


class FormExport(_Strict):
    """A form tool's spreadsheet layout: its own columns, recognised and not read as answers."""

    name: str = Field(min_length=1)
    # Headers that together say the file came from this tool (all must be present).
    signature: tuple[str, ...] = Field(min_length=1)
    # The tool's columns (the signature's included): never read as answers.
    metadata: tuple[str, ...] = ()
    # The tool's column holding the respondent's address, when it has one ("anonymous"
    # when they were not signed in): used only when the form's own question is unanswered.
    respondent_email: str = ""


class Form(_Strict):
    senders: tuple[str, ...] = ()
    # The registration form's web address: every "fill in the form again" links to it,
    # and the email that tells the interest list a round has opened.
    form_url: str = ""
    questions: tuple[Question, ...]
    characteristics: tuple[str, ...] = ()
    professions: tuple[str, ...] = Field(min_length=1)
    # What people write for a profession: alias -> a configured profession.
    profession_aliases: dict[str, str] = Field(default_factory=dict)
    # What people (and other tools) write for a characteristic: alias -> configured ones.
    characteristic_aliases: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    # Answers that mean "no preference" (a profession of interest, characteristics).
    no_preference: tuple[str, ...] = ()
    # An unknown profession is kept as "<this> (<their words>)", with a warning.
    other_profession: str = "Other"
    # Spreadsheet layouts of form tools (Microsoft Forms, Google Forms).
    exports: tuple[FormExport, ...] = ()

    @model_validator(mode="after")
    def _aliases_known(self) -> Form:
        for alias, profession in self.profession_aliases.items():
            if profession not in self.professions:
                raise ValueError(
                    f"profession_aliases: {alias!r} names {profession!r}, which is not in"
                    " professions"
                )
        for alias, names in self.characteristic_aliases.items():
            unknown = [n for n in names if n not in self.characteristics]
            if unknown or not names:
                raise ValueError(
                    f"characteristic_aliases: {alias!r} must name configured characteristics"
                )
        if self.other_profession not in self.professions:
            raise ValueError(f"other_profession: {self.other_profession!r} is not in professions")
        return self

    @model_validator(mode="after")
    def _fields_known(self) -> Form:
        seen: set[str] = set()
        for q in self.questions:
            if q.field not in FORM_FIELDS:
                raise ValueError(
                    f"questions: unknown field {q.field!r}; known fields are "
                    + ", ".join(sorted(FORM_FIELDS))
                )
            if q.field in seen:
                raise ValueError(f"questions: field {q.field!r} is asked twice")
            seen.add(q.field)
        missing = REQUIRED_FORM_FIELDS - seen
        if missing:
            raise ValueError("questions: the form must ask for " + ", ".join(sorted(missing)))
        return self


class Privacy(_Strict):
    """What a lock screen, a notification preview or a shared mailbox's list may show.

    With `discreet_subjects` (the default) subjects, an email's opening lines and the
    sender's name call the programme `discreet_name`, never the network's name: for some
    participants a subject naming an LGBT+ network is outing.
    """

    discreet_subjects: bool = True
    discreet_name: str = Field(default="mentoring programme", min_length=1)
    sender_name: str = ""  # the From display name; empty: chosen by discreet_subjects

    def programme_name(self, programme: Programme) -> str:
        """How subjects and openings name the programme (after "the")."""
        return self.discreet_name if self.discreet_subjects else programme.name

    def signature(self, programme: Programme) -> str:
        """Who signs: in a short email the sign-off is part of the preview too."""
        if self.discreet_subjects:
            return f"The {self.discreet_name} team"
        return programme.signature

    def sender(self, programme: Programme) -> str:
        if self.sender_name:
            return self.sender_name
        name = self.programme_name(programme)
        return name[:1].upper() + name[1:]


class Security(_Strict):
    """How sure we are of who sent a message (see `service.inbound.sender`).

    Evidence is what the receiving mail system adds and a sender cannot forge. With no
    `authserv_id` and no Exchange organisation headers, verification is off: no sender
    counts as verified, so privileged mail needs a confirmation round trip.
    """

    # The authserv-id of the receiving host's Authentication-Results header (RFC 8601).
    authserv_id: str = Field(default="", pattern=r"^[^\s;()=]*$")
    # Exchange Online writes its Authentication-Results with no authserv-id: when true,
    # the topmost Authentication-Results header counts if (and only if) it has none.
    trust_topmost_without_authserv_id: bool = False
    # X-MS-Exchange-Organization-AuthAs: Internal (Exchange strips it from external mail)
    # proves a sender inside our Microsoft 365 organisation, for these From domains.
    exchange_organization_domains: tuple[str, ...] = ()
    # Form updates for one address in one day; more go to the coordinators.
    form_updates_per_address_per_day: int = Field(default=3, ge=1)
    # UNPAIR / WITHDRAW with a reply token older than this need a confirmation round trip.
    destructive_token_max_age_days: int = Field(default=90, ge=1)
    # An out-of-office pauses nudges for at most this many days.
    out_of_office_max_pause_days: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _domains_are_domains(self) -> Security:
        for domain in self.exchange_organization_domains:
            if "@" in domain or "." not in domain or domain != domain.strip().lower():
                raise ValueError(
                    f"exchange_organization_domains: {domain!r} is not a lower-case domain"
                    " such as dept.gov.uk"
                )
        return self

    @property
    def verification_on(self) -> bool:
        return bool(
            self.authserv_id
            or self.trust_topmost_without_authserv_id
            or self.exchange_organization_domains
        )


class Department(_Strict):
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()


class InductionSession(_Strict):
    """One induction session (`mentoring round invite`). `starts_at` is programme-local
    time, written as a TOML date-time (2026-06-23T11:00:00)."""

    starts_at: datetime
    minutes: int = Field(default=45, ge=5, le=480)
    how: str = "on Microsoft Teams"
    link: str = ""
    # Who it is for: "mentor", "mentee" or "both".
    role: Literal["mentor", "mentee", "both"] = "both"


class Induction(_Strict):
    sessions: tuple[InductionSession, ...] = ()


class ProgrammeConfig(_Strict):
    """The whole validated configuration. Immutable; pass it around."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, ignored_types=(cached_property,)
    )

    programme: Programme
    coordinators: Coordinators
    grades: tuple[Grade, ...] = Field(min_length=2)
    eligibility: Eligibility
    capacity: Capacity
    matching: Matching
    timings: Timings
    limits: Limits
    sending: Sending
    schedule: Schedule = Schedule()
    working_hours: WorkingHours = WorkingHours()
    security: Security = Security()
    privacy: Privacy = Privacy()
    feedback: Feedback = Feedback()
    form: Form
    departments: tuple[Department, ...] = ()
    induction: Induction = Induction()

    @model_validator(mode="after")
    def _ladder_is_whole(self) -> ProgrammeConfig:
        # The ladder is a list, so it cannot have a numeric gap; a "gap" is a rung
        # named twice, an alias that points at two rungs, or an unknown minimum.
        codes = [g.code for g in self.grades]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"grades: rung {dupes[0]!r} is listed twice")
        owner: dict[str, str] = {}
        for g in self.grades:
            for name in (g.code, g.name, *g.aliases):
                key = fold(name)
                if not key:
                    raise ValueError(f"grades: rung {g.code!r} has an empty alias")
                if owner.setdefault(key, g.code) != g.code:
                    raise ValueError(f"grades: {name!r} names both {owner[key]!r} and {g.code!r}")
        if self.eligibility.minimum_mentor_grade not in codes:
            raise ValueError(
                f"eligibility.minimum_mentor_grade: {self.eligibility.minimum_mentor_grade!r}"
                " is not one of the grades (" + ", ".join(codes) + ")"
            )
        if self.matching.grade_gap_max >= len(codes):
            raise ValueError("matching.grade_gap_max is larger than the grade ladder")
        dept_owner: dict[str, str] = {}
        for d in self.departments:
            for name in (d.name, *d.aliases):
                if dept_owner.setdefault(fold(name), d.name) != d.name:
                    raise ValueError(
                        f"departments: {name!r} names both {dept_owner[fold(name)]!r}"
                        f" and {d.name!r}"
                    )
        return self

    @cached_property
    def vocabulary(self) -> Vocabulary:
        from service.vocabulary import Vocabulary

        return Vocabulary.from_config(self)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _tuples(value: Any) -> Any:
    """TOML arrays become tuples, so the frozen models accept them in strict mode."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None


def _describe(exc: ValidationError, path: Path) -> str:
    """One line per problem, each naming the file and the dotted key."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key (check the spelling against config/mentoring.toml)"
        elif err["type"] == "missing":
            msg = "missing"
        lines.append(f"{path}: {loc or '(top level)'}: {msg}")
    return "\n".join(lines)


def load_config(path: str | os.PathLike[str] | None = None) -> ProgrammeConfig:
    """Load the defaults, then the deployment file (argument, else MENTORING_CONFIG)."""
    data = _read_toml(DEFAULT_CONFIG_PATH)
    source = DEFAULT_CONFIG_PATH
    override_path = path or os.environ.get("MENTORING_CONFIG") or None
    if override_path:
        source = Path(override_path)
        data = _merge(data, _read_toml(source))
    try:
        return ProgrammeConfig.model_validate(_tuples(data))
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
