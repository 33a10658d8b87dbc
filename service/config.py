"""The programme's configuration: loaded from TOML, merged, validated, frozen.

`config/mentoring.toml` holds the defaults; a deployment file (``--config`` or
``MENTORING_CONFIG``) overrides it key by key. Anything wrong is refused with a
`ConfigError` whose message names the file and the key, so a coordinator can fix it
without reading Python.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as _field
from datetime import date, datetime
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from service.errors import ConfigError
from service.text import fold

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

    from service.vocabulary import Vocabulary

DEFAULT_CONFIG_PATH = Path(__file__).resolve().parent.parent / "config" / "mentoring.toml"


class _Section:
    """One table of the configuration: a frozen dataclass, validated by pydantic when it
    is read from TOML (`load_config`). Plain dataclasses, so that a command whose
    configuration is cached (`service.config_cache`) never imports pydantic: importing
    it and building its models was a third of `round match`'s start-up."""

    # Read by pydantic: an unknown key is refused, not ignored.
    __pydantic_config__ = {"extra": "forbid"}


# Every scalar and array field is validated strictly (3 is not "3", true is not 1), with
# its constraints (ge, le, min_length, pattern) as pydantic reads them from the metadata.
# A nested table, or a Literal (pydantic cannot be strict about one), needs no metadata.
_STRICT = {"strict": True}


def _strict(**constraints: object) -> dict[str, object]:
    return {**_STRICT, **constraints}


_HH_MM = _strict(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")  # a local time of day


@dataclass(frozen=True, kw_only=True)
class Programme(_Section):
    name: str = _field(metadata=_STRICT)
    short_name: str = _field(metadata=_STRICT)
    mailbox: str = _field(metadata=_STRICT)
    message_id_domain: str = _field(metadata=_STRICT)
    plus_addressing: bool = _field(default=True, metadata=_STRICT)
    timezone: str = _field(default="Europe/London", metadata=_STRICT)
    website: str = _field(default="", metadata=_STRICT)
    feedback_url: str = _field(default="", metadata=_STRICT)
    code_of_conduct_url: str = _field(default="", metadata=_STRICT)
    privacy_notice_url: str = _field(default="", metadata=_STRICT)
    signature: str = _field(default="", metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class Coordinators(_Section):
    addresses: tuple[str, ...] = _field(metadata=_strict(min_length=1))
    # A question in a person's own words goes to them; the kind answer says how soon.
    answer_within_working_days: int = _field(default=3, metadata=_strict(ge=1, le=30))


@dataclass(frozen=True, kw_only=True)
class Feedback(_Section):
    """How participants are asked how useful their mentoring is (issue 15)."""

    # Check-ins and the end-of-programme email ask for a score from 1 to 5 by reply.
    by_email: bool = _field(default=True, metadata=_STRICT)
    # The end-of-programme email also links to `programme.feedback_url` (when set).
    link_in_end_email: bool = _field(default=True, metadata=_STRICT)
    # A score this low or lower puts the pairing on the coordinators' needs-attention list.
    low_score: int = _field(default=2, metadata=_strict(ge=1, le=4))


@dataclass(frozen=True, kw_only=True)
class Grade(_Section):
    code: str = _field(metadata=_strict(min_length=1))
    name: str = _field(metadata=_strict(min_length=1))
    aliases: tuple[str, ...] = _field(default=(), metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class Eligibility(_Section):
    minimum_mentor_grade: str = _field(metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class Capacity(_Section):
    mentee_introductions: int = _field(metadata=_strict(ge=1, le=10))
    mentor_introductions: int = _field(metadata=_strict(ge=1, le=10))
    mentor_long_term_default: int = _field(metadata=_strict(ge=0, le=10))
    mentor_long_term_max: int = _field(metadata=_strict(ge=1, le=10))

    def __post_init__(self) -> None:
        if self.mentor_long_term_default > self.mentor_long_term_max:
            raise ValueError("mentor_long_term_default cannot be more than mentor_long_term_max")


@dataclass(frozen=True, kw_only=True)
class MatchingWeights(_Section):
    grade_gap_2: int = _field(default=12, metadata=_STRICT)
    grade_gap_1: int = _field(default=9, metadata=_STRICT)
    profession_of_interest: int = _field(default=10, metadata=_STRICT)
    shared_characteristic: int = _field(default=6, metadata=_STRICT)
    repeated_profession: int = _field(default=-3, metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class Matching(_Section):
    grade_gap_min: int = _field(metadata=_strict(ge=1))
    grade_gap_max: int = _field(metadata=_strict(ge=1))
    weights: MatchingWeights = MatchingWeights()

    def __post_init__(self) -> None:
        if self.grade_gap_min > self.grade_gap_max:
            raise ValueError("grade_gap_min cannot be more than grade_gap_max")


Days = int


@dataclass(frozen=True, kw_only=True)
class Timings(_Section):
    """Every figure is in days."""

    confirm_reminder_after: Days = _field(metadata=_strict(ge=1))
    registration_closing_reminder_before: Days = _field(metadata=_strict(ge=0))
    speed_window: Days = _field(metadata=_strict(ge=1))
    contact_nudges_after: tuple[Days, ...] = _field(metadata=_STRICT)
    mentor_contact_check_after: Days = _field(metadata=_strict(ge=1))
    decide_reminder_after: Days = _field(metadata=_strict(ge=1))
    approach_reminder_after: Days = _field(metadata=_strict(ge=1))
    approach_expiry_after: Days = _field(metadata=_strict(ge=1))
    guidance_period: Days = _field(metadata=_strict(ge=0))
    guidance_after: tuple[Days, ...] = _field(metadata=_STRICT)
    check_in_every: Days = _field(metadata=_strict(ge=1))
    stale_after_unanswered_check_ins: int = _field(metadata=_strict(ge=1))
    stale_closure_after_warning: Days = _field(metadata=_strict(ge=1))
    unresponsive_nudge_spacing: Days = _field(metadata=_strict(ge=1))
    # A reminder (contact nudge, mentor's contact check, decide reminder) is not sent to
    # someone we emailed in this many days before it fell due, answers included.
    reminder_quiet_days: Days = _field(default=6, metadata=_strict(ge=0))
    # ... nor to someone who had reminder_budget_emails emails from us in the
    # reminder_budget_days before it fell due (0 emails: no such budget).
    reminder_budget_days: Days = _field(default=30, metadata=_strict(ge=1))
    reminder_budget_emails: int = _field(default=4, metadata=_strict(ge=0))
    unresponsive_nudges: int = _field(metadata=_strict(ge=0, le=10))
    mentor_early_end_rechoice_within: Days = _field(metadata=_strict(ge=0))
    programme_length: Days = _field(metadata=_strict(ge=1))
    # After the programme_end email, how long CONTINUE stays open before the pairing closes.
    continue_within_after_end: Days = _field(default=14, metadata=_strict(ge=0))
    data_retention_after_round: Days = _field(metadata=_strict(ge=1))
    # Registrations never confirmed are deleted this long after their round's window
    # closes (the confirmation emails give the date).
    unconfirmed_deleted_after_close: Days = _field(default=30, metadata=_strict(ge=0))

    def __post_init__(self) -> None:
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


@dataclass(frozen=True, kw_only=True)
class Limits(_Section):
    auto_answers_per_sender_per_day: int = _field(metadata=_strict(ge=1))
    max_message_bytes: int = _field(metadata=_strict(ge=10_000))
    token_lifetime_days: int = _field(metadata=_strict(ge=1))
    # How long a "yes" to the DELETE MY DATA question counts; later, we ask again.
    erasure_confirm_days: int = _field(default=14, metadata=_strict(ge=1))


@dataclass(frozen=True, kw_only=True)
class Sending(_Section):
    messages_per_minute: int = _field(metadata=_strict(ge=1))
    recipients_per_day: int = _field(metadata=_strict(ge=1))
    concurrent_requests: int = _field(metadata=_strict(ge=1, le=16))
    limit_local: bool = _field(default=False, metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class Schedule(_Section):
    """When the worker does what: the one place the recurring schedule lives."""

    poll_mailbox_every_minutes: int = _field(default=3, metadata=_strict(ge=1, le=1440))
    drain_outbox_every_minutes: int = _field(default=1, metadata=_strict(ge=1, le=1440))
    # Daily jobs run once a day at or after this local time (programme.timezone), "HH:MM".
    daily_rules_at: str = _field(default="07:00", metadata=_HH_MM)
    digest_at: str = _field(default="08:00", metadata=_HH_MM)
    # The weekly programme-health email goes out with the digest on this day.
    health_report_day: Literal[
        "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"
    ] = "monday"
    # Failed jobs are retried after these many seconds (one retry per entry).
    retry_backoff_seconds: tuple[int, ...] = _field(default=(30, 120, 600), metadata=_STRICT)
    # A job's lock is renewed while it runs; a holder that stops renewing (its machine
    # died) loses it after this long. A dead holder on the same machine loses it at once.
    lock_timeout_seconds: int = _field(default=120, metadata=_strict(ge=10))


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


@dataclass(frozen=True, kw_only=True)
class WorkingHours(_Section):
    """When automatic email may go out (`service.domain.working_time`), in
    programme.timezone: answers to someone's own email are never held."""

    days: tuple[Weekday, ...] = _field(default=WEEKDAYS[:5], metadata=_STRICT)
    starts: str = _field(default="08:00", metadata=_HH_MM)
    ends: str = _field(default="18:00", metadata=_HH_MM)
    # Days off on a working weekday (the UK bank holidays of the deployment's nation).
    bank_holidays: tuple[date, ...] = _field(default=(), metadata=_STRICT)
    # The rules where a person is expected to act (answer a request, reply to a nudge,
    # answer a stale warning) count these days only.
    count_working_days: bool = _field(default=True, metadata=_STRICT)

    def __post_init__(self) -> None:
        if not self.days:
            raise ValueError("days: at least one working day is needed")
        if self.starts >= self.ends:
            raise ValueError("starts must be earlier than ends")


@dataclass(frozen=True, kw_only=True)
class Question(_Section):
    field: str = _field(metadata=_STRICT)
    text: str = _field(metadata=_strict(min_length=1))
    also: tuple[str, ...] = _field(default=(), metadata=_STRICT)
    required: bool = _field(default=False, metadata=_STRICT)


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


@dataclass(frozen=True, kw_only=True)
class FormExport(_Section):
    """A form tool's spreadsheet layout: its own columns, recognised and not read as answers."""

    name: str = _field(metadata=_strict(min_length=1))
    # Headers that together say the file came from this tool (all must be present).
    signature: tuple[str, ...] = _field(metadata=_strict(min_length=1))
    # The tool's columns (the signature's included): never read as answers.
    metadata: tuple[str, ...] = _field(default=(), metadata=_STRICT)
    # The tool's column holding the respondent's address, when it has one ("anonymous"
    # when they were not signed in): used only when the form's own question is unanswered.
    respondent_email: str = _field(default="", metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class Form(_Section):
    senders: tuple[str, ...] = _field(default=(), metadata=_STRICT)
    # The registration form's web address: every "fill in the form again" links to it,
    # and the email that tells the interest list a round has opened.
    form_url: str = _field(default="", metadata=_STRICT)
    questions: tuple[Question, ...] = _field(metadata=_STRICT)
    characteristics: tuple[str, ...] = _field(default=(), metadata=_STRICT)
    professions: tuple[str, ...] = _field(metadata=_strict(min_length=1))
    # What people write for a profession: alias -> a configured profession.
    profession_aliases: dict[str, str] = _field(default_factory=dict, metadata=_STRICT)
    # What people (and other tools) write for a characteristic: alias -> configured ones.
    characteristic_aliases: dict[str, tuple[str, ...]] = _field(
        default_factory=dict, metadata=_STRICT
    )
    # Answers that mean "no preference" (a profession of interest, characteristics).
    no_preference: tuple[str, ...] = _field(default=(), metadata=_STRICT)
    # An unknown profession is kept as "<this> (<their words>)", with a warning.
    other_profession: str = _field(default="Other", metadata=_STRICT)
    # Spreadsheet layouts of form tools (Microsoft Forms, Google Forms).
    exports: tuple[FormExport, ...] = _field(default=(), metadata=_STRICT)

    def __post_init__(self) -> None:
        self._aliases_known()
        self._fields_known()

    def _aliases_known(self) -> None:
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

    def _fields_known(self) -> None:
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


@dataclass(frozen=True, kw_only=True)
class Privacy(_Section):
    """What a lock screen, a notification preview or a shared mailbox's list may show.

    With `discreet_subjects` (the default) subjects, an email's opening lines and the
    sender's name call the programme `discreet_name`, never the network's name: for some
    participants a subject naming an LGBT+ network is outing.
    """

    discreet_subjects: bool = _field(default=True, metadata=_STRICT)
    discreet_name: str = _field(default="mentoring programme", metadata=_strict(min_length=1))
    # The From display name; empty: chosen by discreet_subjects.
    sender_name: str = _field(default="", metadata=_STRICT)

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


@dataclass(frozen=True, kw_only=True)
class Security(_Section):
    """How sure we are of who sent a message (see `service.inbound.sender`).

    Evidence is what the receiving mail system adds and a sender cannot forge. With no
    `authserv_id` and no Exchange organisation headers, verification is off: no sender
    counts as verified, so privileged mail needs a confirmation round trip.
    """

    # The authserv-id of the receiving host's Authentication-Results header (RFC 8601).
    authserv_id: str = _field(default="", metadata=_strict(pattern=r"^[^\s;()=]*$"))
    # Exchange Online writes its Authentication-Results with no authserv-id: when true,
    # the topmost Authentication-Results header counts if (and only if) it has none.
    trust_topmost_without_authserv_id: bool = _field(default=False, metadata=_STRICT)
    # X-MS-Exchange-Organization-AuthAs: Internal (Exchange strips it from external mail)
    # proves a sender inside our Microsoft 365 organisation, for these From domains.
    exchange_organization_domains: tuple[str, ...] = _field(default=(), metadata=_STRICT)
    # Form updates for one address in one day; more go to the coordinators.
    form_updates_per_address_per_day: int = _field(default=3, metadata=_strict(ge=1))
    # UNPAIR / WITHDRAW with a reply token older than this need a confirmation round trip.
    destructive_token_max_age_days: int = _field(default=90, metadata=_strict(ge=1))
    # An out-of-office pauses nudges for at most this many days.
    out_of_office_max_pause_days: int = _field(default=30, metadata=_strict(ge=1))

    def __post_init__(self) -> None:
        for domain in self.exchange_organization_domains:
            if "@" in domain or "." not in domain or domain != domain.strip().lower():
                raise ValueError(
                    f"exchange_organization_domains: {domain!r} is not a lower-case domain"
                    " such as dept.gov.uk"
                )

    @property
    def verification_on(self) -> bool:
        return bool(
            self.authserv_id
            or self.trust_topmost_without_authserv_id
            or self.exchange_organization_domains
        )


@dataclass(frozen=True, kw_only=True)
class Department(_Section):
    name: str = _field(metadata=_strict(min_length=1))
    aliases: tuple[str, ...] = _field(default=(), metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class InductionSession(_Section):
    """One induction session (`mentoring round invite`). `starts_at` is programme-local
    time, written as a TOML date-time (2026-06-23T11:00:00)."""

    starts_at: datetime = _field(metadata=_STRICT)
    minutes: int = _field(default=45, metadata=_strict(ge=5, le=480))
    how: str = _field(default="on Microsoft Teams", metadata=_STRICT)
    link: str = _field(default="", metadata=_STRICT)
    # Who it is for: "mentor", "mentee" or "both".
    role: Literal["mentor", "mentee", "both"] = "both"


@dataclass(frozen=True, kw_only=True)
class Induction(_Section):
    sessions: tuple[InductionSession, ...] = _field(default=(), metadata=_STRICT)


@dataclass(frozen=True, kw_only=True)
class ProgrammeConfig(_Section):
    """The whole validated configuration. Immutable; pass it around."""

    programme: Programme
    coordinators: Coordinators
    grades: tuple[Grade, ...] = _field(metadata=_strict(min_length=2))
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
    departments: tuple[Department, ...] = _field(default=(), metadata=_STRICT)
    induction: Induction = Induction()

    def __post_init__(self) -> None:
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
    """TOML arrays become tuples, so the frozen tables accept them in strict mode."""
    if isinstance(value, list):
        return tuple(_tuples(v) for v in value)
    if isinstance(value, dict):
        return {k: _tuples(v) for k, v in value.items()}
    return value


Source = tuple[Path, bytes]  # a configuration file and what it holds


def read_sources(path: str | os.PathLike[str] | None = None) -> tuple[Source, ...]:
    """The defaults file, then the deployment file (argument, else MENTORING_CONFIG) if
    any, each with its bytes: all that the configuration is made from."""
    override_path = path or os.environ.get("MENTORING_CONFIG") or None
    paths = [DEFAULT_CONFIG_PATH, *([Path(override_path)] if override_path else [])]
    return tuple((p, _read_bytes(p)) for p in paths)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from None


def _parse_toml(path: Path, raw: bytes) -> dict[str, Any]:
    import tomllib  # only when the files are read, not when the cache has them

    try:
        return tomllib.loads(raw.decode())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def _describe(exc: ValidationError, path: Path) -> str:
    """One line per problem, each naming the file and the dotted key."""
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] in ("extra_forbidden", "unexpected_keyword_argument"):
            msg = "unknown key (check the spelling against config/mentoring.toml)"
        elif err["type"] == "missing":
            msg = "missing"
        lines.append(f"{path}: {loc or '(top level)'}: {msg}")
    return "\n".join(lines)


def load_config(path: str | os.PathLike[str] | None = None) -> ProgrammeConfig:
    """Load the defaults, then the deployment file (argument, else MENTORING_CONFIG)."""
    return parse(read_sources(path))


def parse(sources: tuple[Source, ...]) -> ProgrammeConfig:
    """The configuration these files make, each overriding the one before key by key;
    a ConfigError naming the (last) file and each wrong key."""
    data: dict[str, Any] = {}
    for path, raw in sources:
        data = _merge(data, _parse_toml(path, raw))
    return validate(_tuples(data), sources[-1][0])


@cache
def _validator() -> TypeAdapter[ProgrammeConfig]:
    # Imported and built once, and only when a configuration file is read (not cached).
    from pydantic import TypeAdapter

    return TypeAdapter(ProgrammeConfig)


def validate(data: dict[str, Any], source: Path) -> ProgrammeConfig:
    """The configuration `data` (read from `source`) as a ProgrammeConfig, or a
    ConfigError naming the file and each wrong key."""
    from pydantic import ValidationError

    try:
        return _validator().validate_python(data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, source)) from None
