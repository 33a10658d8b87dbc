"""The registration form: answers in, a complete `Registration` or every problem out.

Form relays send the answers in one of three shapes: an HTML table of question/answer
rows, plain text ("Question: answer", or the question on a line and the answer under
it), or JSON (the body or an attachment). `read_answers` works on question/answer pairs
whatever their source, so the CSV import reuses it.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from email_validator import EmailNotValidError, validate_email

from service.config import ProgrammeConfig, Question
from service.inbound.html_text import html_table_rows
from service.inbound.mime import ParsedMail, decode_bytes, parse_mail
from service.text import clean_text, fold, looks_encoded
from service.vocabulary import Vocabulary


class Role(StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


@dataclass(frozen=True)
class Registration:
    """A complete, valid form. Characteristics are present only if the person opted in."""

    email: str
    first_name: str
    last_name: str
    roles: frozenset[Role]
    grade: str  # the rung code
    department: str  # canonical name, or as typed when unknown
    profession: str | None
    job_title: str = ""
    profession_of_interest: str | None = None
    wants_shared_characteristic: bool = False
    characteristics: tuple[str, ...] = ()
    bio: str = ""
    long_term_capacity: int = 0  # long-term mentees a mentor offers; 0 for a mentee
    eligible: bool = True
    consent: bool = True
    interest_list: bool = False


@dataclass(frozen=True)
class Problem:
    """One thing wrong with (or to note about) one answer, said twice: to the person who
    filled in the form, and to the coordinator importing a spreadsheet, who sees it as
    "Row 12, column 'Your grade': <coordinator>". Neither ever holds a characteristic."""

    field: str | None  # the question's field; None: about the whole form
    person: str
    coordinator: str


@dataclass(frozen=True)
class FormResult:
    """Either `registration` is set and `problems` is empty, or the other way round."""

    registration: Registration | None
    problems: tuple[str, ...]
    contact: str | None = None  # a valid address to send the problems to, when given
    issues: tuple[Problem, ...] = ()  # the problems, with their fields and both wordings
    warnings: tuple[Problem, ...] = ()  # kept anyway ("Other (Analysis)"), worth a look
    first_name: str = ""  # to greet them by, when the form gave one

    @property
    def ok(self) -> bool:
        return self.registration is not None


# The widest a short answer may be: the store's columns hold this many characters
# (PostgreSQL refuses more, where SQLite would keep them).
MAX_ANSWER_CHARS = 200
# Their words inside "Other (…)": the whole must fit the store's column.
MAX_OTHER_WORDS = 80

_MISSING = {
    "email": "Your Civil Service email address is missing.",
    "first_name": "Your first name is missing.",
    "last_name": "Your last name is missing.",
    "roles": "Please tell us whether you want to be a mentor, a mentee or both.",
    "job_title": "Your job title is missing.",
    "department": "Your department or agency is missing.",
    "grade": "Your grade is missing.",
    "profession": "Your profession is missing.",
    "profession_of_interest": "The profession you would like your mentor to be from is missing.",
    "wants_shared_characteristic": (
        "Please tell us whether you would like to be matched with someone who shares"
        " an LGBT+ characteristic with you."
    ),
    "characteristics": "Please choose the characteristic(s) you would like to share.",
    "bio": "Your short biography is missing.",
    "long_term_capacity": "Please tell us how many long-term mentees you could support.",
    "eligible": "Please confirm that you are eligible to take part.",
    "consent": "Please confirm that you agree to the code of conduct and privacy notice.",
    "interest_list": "Please tell us whether we may contact you when the next round opens.",
}
_TRUE = {
    "yes",
    "y",
    "true",
    "1",
    "on",
    "checked",
    "ticked",
    "agreed",
    "iagree",
    "iconfirm",
    "confirmed",
    "x",
    "ja",
    "oui",
    "yesiconfirm",
    "yesiagree",
    "ido",
    "iam",
    "agree",
}
_TICKS = {"✓", "✔", "☑", "✅", "☒", "[x]", "(x)"}
_FALSE = {
    "no",
    "n",
    "false",
    "0",
    "off",
    "unchecked",
    "notticked",
    "idonotagree",
    "nein",
    "non",
    "none",
    "",
}
_NUMBER_WORDS = {"zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_SPLIT = re.compile(r"\s*(?:[,;\n/|]|\band\b|&)\s*", re.IGNORECASE)


_INDEXES: dict[int, tuple[object, dict[str, Question]]] = {}


def question_index(config: ProgrammeConfig) -> dict[str, Question]:
    """Every wording of every question, folded, to its question. Worked out once per
    (frozen) form configuration: every message the classifier reads asks for it."""
    form = config.form
    found = _INDEXES.get(id(form))
    if found is None or found[0] is not form:  # an id can be reused once a form is gone
        found = _INDEXES[id(form)] = (form, _question_index(config))
    return found[1]


def _question_index(config: ProgrammeConfig) -> dict[str, Question]:
    index: dict[str, Question] = {}
    for q in config.form.questions:
        # The field's own name too ("first_name"): files made by other tools use it.
        for wording in (q.text, *q.also, q.field):
            key = fold(straighten(wording))
            if key:
                index.setdefault(key, q)
    return index


def straighten(text: str) -> str:
    return (
        text.replace("’", "'")
        .replace("‘", "'")
        .replace("“", '"')
        .replace("”", '"')
        .strip()
        .rstrip("?*: \t")
        .strip()
    )


def _tick(value: str, question: Question) -> bool | None:
    text = value.strip()
    if text in _TICKS:
        return True
    key = fold(text)
    if key in _TRUE or key == fold(question.text) or key.startswith(("yes", "iconfirm", "iagree")):
        return True
    if key in _FALSE or key.startswith(("no", "idonot", "idont")):
        return False
    return None


def _roles(value: str) -> frozenset[Role] | None:
    text = value.lower()
    mentor = re.search(r"\bmentors?\b", text) is not None
    mentee = re.search(r"\bmentees?\b", text) is not None
    if re.search(r"\bboth\b", text) or (mentor and mentee):
        return frozenset({Role.MENTOR, Role.MENTEE})
    if mentor:
        return frozenset({Role.MENTOR})
    if mentee:
        return frozenset({Role.MENTEE})
    return None


def _capacity(value: str) -> int | None:
    numbers = re.findall(r"\d+", value)
    if numbers:
        return max(int(n) for n in numbers)  # "1-2" offers up to 2
    for word, number in _NUMBER_WORDS.items():
        if re.search(rf"\b{word}\b", value.lower()):
            return number
    return None


def _quoted(value: str) -> str:
    return "“" + " ".join(value.split())[:80] + "”"


REQUIRED = "empty, but an answer is required"


@dataclass
class _Answers:
    """One person's answers by field, and every problem found so far, in the order of
    the form (the person reads them in that order)."""

    values: dict[str, str]
    asked: dict[str, Question]
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def flag(self, name: str | None, person: str, coordinator: str) -> None:
        self.problems.append(Problem(name, person, coordinator))

    def missing(self, name: str) -> None:
        if not any(p.field == name and p.coordinator == REQUIRED for p in self.problems):
            self.flag(name, _MISSING[name], REQUIRED)

    def given(self, name: str) -> str:
        """The answer, noting it as missing when a required question has none."""
        value = self.values.get(name, "")
        if not value and name in self.asked and self.asked[name].required:
            self.missing(name)
        return value

    def yes_no(self, name: str) -> bool:
        text = self.given(name)
        if not text:
            return False
        ticked = _tick(text, self.asked[name])
        if ticked is None:
            self.flag(
                name,
                f"We could not tell whether {_quoted(text)} means yes or no"
                f" for “{self.asked[name].text}”. Please answer Yes or No.",
                f"{_quoted(text)} is neither a yes nor a no",
            )
        return bool(ticked)

    def profession(self, config: ProgrammeConfig, name: str) -> str | None:
        """The configured profession; "Any" for a preference is none; an unknown one is
        kept as "Other (their words)" with a warning rather than refused."""
        text = self.given(name)
        vocabulary = config.vocabulary
        if not text or (name == "profession_of_interest" and vocabulary.no_preference(text)):
            return None
        found = vocabulary.profession(text)
        if found is not None:
            return found
        words = " ".join(clean_text(text).split())[:MAX_OTHER_WORDS]
        kept = f"{config.form.other_profession} ({words})"
        self.warnings.append(
            Problem(
                name,
                f"We did not recognise the profession {_quoted(text)}, so we kept it as “{kept}”.",
                f"{_quoted(text)} is not a profession we know: kept as “{kept}”"
                " (add it to form.profession_aliases to map it)",
            )
        )
        return kept


def _by_field(answers: Mapping[str, str], config: ProgrammeConfig) -> dict[str, str]:
    """Answers keyed by the question's field, whatever wording the form used. When two
    wordings of one question appear, the question's own text beats another wording (a form
    tool's "Email" column loses to "Your Civil Service email address"), then the first
    non-empty answer wins; "anonymous" is never an address."""
    index = question_index(config)
    values: dict[str, str] = {}
    ranks: dict[str, int] = {}
    for question_text, answer in answers.items():
        key = fold(straighten(str(question_text)))
        q = index.get(key)
        if q is None:
            continue
        value = str(answer if answer is not None else "").strip()
        if q.field == "email" and fold(value) in _NOT_AN_ADDRESS:
            value = ""
        rank = 0 if key == fold(straighten(q.text)) else 1
        if not value:
            rank += 2  # an empty answer only stands until a real one arrives
        if q.field not in values or rank < ranks[q.field]:
            values[q.field], ranks[q.field] = value, rank
    return values


# What form tools write in their address column for someone who was not signed in.
_NOT_AN_ADDRESS = frozenset({"anonymous", "anon", "na", "none", "unknown"})


def _email(a: _Answers) -> tuple[str, str | None]:
    """The address, and it again as the contact for problems when it is valid."""
    email_text = a.given("email")
    if not email_text:
        return "", None
    email, problem = sendable_address(email_text)
    if problem:
        a.flag("email", problem, problem.replace("We cannot send email to", "we cannot send to"))
    return email, email or None


def _names(a: _Answers) -> tuple[str, str]:
    # Names reach headers of every later email: decoded once and cleaned as they are stored.
    first_name = clean_text(a.given("first_name"))
    last_name = clean_text(a.given("last_name"))
    if looks_encoded(f"{first_name} {last_name}"):
        a.flag(
            "first_name" if looks_encoded(first_name) else "last_name",
            "We could not read your name: it contains “=?…?=” codes. Please type it as plain text.",
            "the name contains “=?…?=” codes (an encoded word), not plain text",
        )
    return first_name, last_name


def _roles_of(a: _Answers) -> frozenset[Role]:
    roles_text = a.given("roles")
    if not roles_text:
        return frozenset()
    found = _roles(roles_text)
    if found is None:
        a.flag(
            "roles",
            f"We could not tell from {_quoted(roles_text)} whether you want to be a mentor,"
            " a mentee or both. Please answer “Mentor”, “Mentee” or “Both”.",
            f"{_quoted(roles_text)} says neither mentor, mentee nor both",
        )
        return frozenset()
    return found


def _grade_of(a: _Answers, vocabulary: Vocabulary, roles: frozenset[Role]) -> str:
    """The grade's rung code; a mentor must be senior enough to mentor."""
    grade_text = a.given("grade")
    if not grade_text:
        return ""
    grade = vocabulary.grade(grade_text)
    if grade is None:
        codes = ", ".join(vocabulary.grade_codes)
        a.flag(
            "grade",
            f"We could not read your grade {_quoted(grade_text)}. Please use one of: "
            + codes
            + " (or an equivalent name such as "
            + ", ".join(vocabulary.grade_names[c] for c in vocabulary.grade_codes[:3])
            + ").",
            f"{_quoted(grade_text)} is not a grade we know; use one of {codes}, or add it"
            " to a grade's aliases in the configuration",
        )
        return ""
    if Role.MENTOR in roles and not vocabulary.can_mentor(grade):
        minimum = vocabulary.minimum_mentor_grade
        a.flag(
            "roles",
            f"Mentors need to be {minimum} (or equivalent) or above, so at {grade} you can"
            " take part as a mentee. Please choose “Mentee” instead of"
            f" {_quoted(a.values.get('roles', ''))}.",
            f"a mentor must be {minimum} or above, and this person is {grade}: mentee only",
        )
    return grade


def _agreements(a: _Answers) -> tuple[bool, bool]:
    """Eligibility and consent: both must be ticked, and an explicit "No" is a problem,
    not a silent refusal."""
    eligible = a.yes_no("eligible")
    consent = a.yes_no("consent")
    for name, ticked in (("eligible", eligible), ("consent", consent)):
        if a.values.get(name) and not ticked and _tick(a.values[name], a.asked[name]) is False:
            said = f"answered {_quoted(a.values[name])}, so they cannot take part"
            a.flag(name, _MISSING[name], said)
    return eligible, consent


def _characteristics(a: _Answers, vocabulary: Vocabulary) -> list[str]:
    """Asked only with the person's opt-in: otherwise this special-category answer is
    dropped unread."""
    characteristics: list[str] = []
    text = a.values.get("characteristics", "")
    whole = vocabulary.characteristic(text) if text.strip() else None
    pieces = [text] if whole is not None else _SPLIT.split(text)  # "Bisexual or pansexual"
    for piece in pieces:
        if not piece.strip() or vocabulary.no_preference(piece):
            continue
        known = vocabulary.characteristic(piece)
        if known is None:
            a.flag(
                "characteristics",
                # Not repeated back either: an email can be read by others.
                "We could not read one of the characteristics you chose. Please use: "
                + ", ".join(vocabulary.characteristics)
                + ".",
                # Special-category data: the coordinator's message never repeats it.
                "one answer is not a characteristic we know (not shown: special-category"
                " data); add it to form.characteristic_aliases or ask the person",
            )
            continue
        characteristics.extend(c for c in known if c not in characteristics)
    return characteristics


def _long_term_capacity(a: _Answers, config: ProgrammeConfig) -> int:
    """How many long-term mentees a mentor offers (the default when not said)."""
    capacity_text = a.values.get("long_term_capacity", "")
    if not capacity_text:
        return config.capacity.mentor_long_term_default
    number = _capacity(capacity_text)
    top = config.capacity.mentor_long_term_max
    if number is None or number > top:
        a.flag(
            "long_term_capacity",
            f"We could not read {_quoted(capacity_text)} as the number of long-term"
            f" mentees you could support. Please give a number from 0 to {top}.",
            f"{_quoted(capacity_text)} is not a number from 0 to {top}",
        )
        return config.capacity.mentor_long_term_default
    return number


def _fit_the_store(a: _Answers, short_answers: dict[str, tuple[str, str]]) -> None:
    for name, (label, value) in short_answers.items():
        if len(value) > MAX_ANSWER_CHARS:
            a.flag(
                name,
                f"Your {label} is too long ({len(value)} characters):"
                f" please keep it to {MAX_ANSWER_CHARS}.",
                f"{len(value)} characters; at most {MAX_ANSWER_CHARS} fit",
            )


def _refused(a: _Answers, contact: str | None, first_name: str) -> FormResult:
    """Every problem, once each, in the person's words and (as issues) the coordinator's."""
    return FormResult(
        None,
        tuple(dict.fromkeys(p.person for p in a.problems)),
        contact,
        first_name=first_name,
        issues=tuple(a.problems),
        warnings=tuple(a.warnings),
    )


def read_answers(answers: Mapping[str, str], config: ProgrammeConfig) -> FormResult:
    """Check and normalise one person's answers (question wording -> answer text)."""
    vocabulary = config.vocabulary
    a = _Answers(_by_field(answers, config), {q.field: q for q in config.form.questions})
    email, contact = _email(a)
    first_name, last_name = _names(a)
    roles = _roles_of(a)
    grade = _grade_of(a, vocabulary, roles)
    department_text = a.given("department")
    department = vocabulary.department(department_text) if department_text else ""
    profession = a.profession(config, "profession")
    profession_of_interest = a.profession(config, "profession_of_interest")
    eligible, consent = _agreements(a)
    wants_shared = a.yes_no("wants_shared_characteristic")
    interest_list = a.yes_no("interest_list")
    characteristics = _characteristics(a, vocabulary) if wants_shared else []
    capacity = _long_term_capacity(a, config) if Role.MENTOR in roles else 0
    job_title = " ".join(a.values.get("job_title", "").split())
    _fit_the_store(
        a,
        {
            "first_name": ("first name", first_name),
            "last_name": ("last name", last_name),
            "job_title": ("job title", job_title),
            "department": ("department", department),
        },
    )
    for name, question in a.asked.items():
        if name not in a.values and question.required:
            a.missing(name)
    if a.problems:
        return _refused(a, contact, first_name)
    return FormResult(
        Registration(
            email=email,
            first_name=first_name,
            last_name=last_name,
            roles=roles,
            grade=grade,
            department=department,
            profession=profession,
            job_title=job_title,
            profession_of_interest=profession_of_interest,
            wants_shared_characteristic=wants_shared,
            characteristics=tuple(characteristics),
            bio=a.values.get("bio", "").strip()[:4000],
            long_term_capacity=capacity,
            eligible=eligible,
            consent=consent,
            interest_list=interest_list,
        ),
        (),
        contact,
        warnings=tuple(a.warnings),
    )


# --- the three shapes a form relay sends ---------------------------------------------


def _json_value(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(_json_value(v) for v in value)
    if value is None:
        return ""
    return str(value)


def answers_from_json(text: str) -> dict[str, str] | None:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, dict):
        for key in ("answers", "responses", "fields", "data"):
            if isinstance(data.get(key), list | dict):
                data = data[key]
                break
    pairs: dict[str, str] = {}
    if isinstance(data, dict):
        for k, v in data.items():
            pairs[str(k)] = _json_value(v)
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict):
                q = item.get("question") or item.get("title") or item.get("label")
                a = item.get("answer", item.get("value", item.get("response")))
                if q is not None:
                    pairs[str(q)] = _json_value(a)
    return pairs or None


def answers_from_rows(rows: list[list[str]], config: ProgrammeConfig) -> dict[str, str]:
    index = question_index(config)
    pairs: dict[str, str] = {}
    pending: str | None = None
    for row in rows:
        cells = [c for c in row if c.strip()] if len(row) > 2 else row
        if len(cells) >= 2 and fold(straighten(cells[0])) in index:
            pairs.setdefault(cells[0], cells[1])
            pending = None
        elif len(cells) == 1 and fold(straighten(cells[0])) in index:
            pending = cells[0]  # question row, answer in the next row
            pairs.setdefault(pending, "")
        elif len(cells) == 1 and pending is not None:
            pairs[pending] = cells[0]
            pending = None
    return pairs


def _question_prefix(line: str, wordings: list[str]) -> int | None:
    """Where the answer starts when a line holds a question ending in ? and its answer."""
    lowered = _straighten_quotes(line).lower()
    for wording in wordings:
        if lowered.startswith(wording) and len(lowered) > len(wording):
            return len(wording)
    return None


def _straighten_quotes(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


_WORDINGS: dict[int, tuple[object, list[str]]] = {}


def _run_on_wordings(config: ProgrammeConfig) -> list[str]:
    """Only wordings ending in "?" can run on into an answer without a colon; longest
    first. Worked out once per form configuration, like `question_index`."""
    form = config.form
    found = _WORDINGS.get(id(form))
    if found is None or found[0] is not form:
        wordings = sorted(
            (
                _straighten_quotes(w).lower()
                for q in form.questions
                for w in (q.text, *q.also)
                if w.rstrip().endswith("?")
            ),
            key=len,
            reverse=True,
        )
        found = _WORDINGS[id(form)] = (form, wordings)
    return found[1]


def answers_from_text(text: str, config: ProgrammeConfig) -> dict[str, str]:
    index = question_index(config)
    wordings = _run_on_wordings(config)
    pairs: dict[str, str] = {}
    current: str | None = None
    collected: list[str] = []

    def finish() -> None:
        if current is not None and current not in pairs:
            pairs[current] = "\n".join(collected).strip()

    for raw_line in text.split("\n")[:2000]:
        line = raw_line.strip().lstrip("*#-•").strip()
        if fold(straighten(line)) in index:
            finish()
            current, collected = line, []
            continue
        prefix = _question_prefix(line, wordings)
        if prefix is not None:
            finish()
            answer = line[prefix:].strip(" \t:*")
            current, collected = line[:prefix], [answer] if answer else []
            continue
        if ":" in line:
            question, _, answer = line.partition(":")
            if fold(straighten(question)) in index:
                finish()
                current, collected = question, [answer.strip()] if answer.strip() else []
                continue
        if current is not None and line:
            collected.append(line)
    finish()
    return pairs


def form_answers(mail: ParsedMail, config: ProgrammeConfig) -> dict[str, str]:
    """The question/answer pairs in a form email, from whichever shape gives the most."""
    candidates: list[dict[str, str]] = []
    for att in mail.attachments:
        if att.content_type == "application/json" or att.filename.lower().endswith(".json"):
            found = answers_from_json(decode_bytes(att.data[:1_000_000], "utf-8"))
            if found:
                candidates.append(found)
    body = mail.text.strip()
    if body.startswith(("{", "[")):
        found = answers_from_json(body)
        if found:
            candidates.append(found)
    if mail.html:
        candidates.append(answers_from_rows(html_table_rows(mail.html), config))
    candidates.append(answers_from_text(mail.text, config))
    index = question_index(config)

    def known(pairs: dict[str, str]) -> int:
        return sum(1 for q in pairs if fold(straighten(q)) in index)

    return max(candidates, key=known)


def looks_like_form(mail: ParsedMail, config: ProgrammeConfig) -> bool:
    """Three or more of our questions answered: a form submission, whoever sent it."""
    index = question_index(config)
    answers = form_answers(mail, config)
    return sum(1 for q in answers if fold(straighten(q)) in index) >= 3


def parse_form_email(mail: ParsedMail | bytes, config: ProgrammeConfig) -> FormResult:
    """Read a form relay's email (parsed, or its raw bytes) into a `FormResult`."""
    if isinstance(mail, bytes):
        mail = parse_mail(mail, config.limits.max_message_bytes)
    result = read_answers(form_answers(mail, config), config)
    if result.contact is None:
        # The typed address is unusable: relays that know the responder (Power Automate,
        # Microsoft Forms inside the organisation) put it in Reply-To.
        reply_to = _reply_to(mail, config)
        if reply_to:
            return FormResult(result.registration, result.problems, reply_to)
    return result


def _reply_to(mail: ParsedMail, config: ProgrammeConfig) -> str | None:
    value = mail.header("reply-to")
    if not value:
        return None
    _name, address = email.utils.parseaddr(value[:500])
    address = address.strip().lower()
    ours = {config.programme.mailbox.lower(), *(s.lower() for s in config.form.senders)}
    if "@" not in address or address in ours:
        return None
    sendable, _problem = sendable_address(address)
    return sendable or None


def sendable_address(text: str) -> tuple[str, str]:
    """(the address as we send to it, "") or ("", the problem in words).

    email-validator accepts internationalised addresses (`zoë.núñez@…`), but mail to
    them needs SMTPUTF8 end to end, which Exchange and most relays do not offer: such an
    address is a problem on the form, not a crash when we write to it. A non-ASCII domain
    is fine in its ASCII (IDNA) form, which is the one we keep.
    """
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        return "", f"{_quoted(text)} is not a valid email address: {exc}"
    if checked.ascii_email is None:
        return "", (
            f"We cannot send email to {_quoted(text)}: our mail system cannot deliver to"
            " addresses with accents or other special letters before the @. Please use an"
            " address without accents (most organisations give everyone one, for example"
            " with plain letters instead of ë or ñ)."
        )
    return checked.ascii_email.lower(), ""
