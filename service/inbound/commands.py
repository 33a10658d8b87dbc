"""Commands read from the first lines of a reply and from its subject.

A command line is the command and nothing much else ("CONFIRM", "Met 45 mins yesterday",
"keep 2 please"). A verb inside a sentence ("I don't want to unpair") is never a command:
destructive verbs are never guessed, so anything unclear comes back with no command and
a reason, and the pipeline hands it to a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from service.inbound.dates import parse_date

if TYPE_CHECKING:
    from service.email_command import CommandTable, EmailCommand

_HEAD_LINES = 4  # how many content lines at the top of the new text are read
_MAX_LINE = 200


_POLITE = re.compile(r"(?:\s+(?:please|pls|thanks|thank you|thankyou|cheers|ta))+$")
_LEAD = re.compile(r"^(?:please|pls|ok|okay)\s+")
_EMAIL = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|fwd?|fw|sv|tr|wg|vs|antw|rif|r|ref)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
_TAG = re.compile(r"\[[^\]]{0,80}\]")
_GREETING = re.compile(
    r"^(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|morning|afternoon|hallo|bonjour)"
    r"\b[^.!?]{0,40}[,!]?$",
    re.IGNORECASE,
)
_DURATION = re.compile(
    r"^(?:for\s+)?(?:(?:about|around|approx(?:imately)?|roughly|~)\s+)?"
    r"(?:(?P<h1>\d+(?:\.\d+)?)\s*(?:h|hr|hrs|hour|hours)(?:(?P<m1b>\d{2})\b"
    # "1hr 30" (but not "1h 12/03" or "1h 15 March": a date follows)
    r"|\s+(?P<m1c>[0-5]\d)\b(?!\s*(?:[/.-]\d|[a-z]))|\s*(?:and\s+)?"
    r"(?P<m1>\d+)\s*(?:m|min|mins|minute|minutes)\b)?|(?P<m2>\d+)\s*(?:m|min|mins|minute|minutes)"
    r"|(?P<half>half an hour)|(?P<hour>an hour|one hour|a hour)"
    r"|(?P<hh>\d{1,2}):(?P<mm>\d{2}))\b",
    re.IGNORECASE,
)
_YES = re.compile(
    r"^(?:yes|yeah|yep|yup|sure|of course|definitely|absolutely|happy to|i'd be happy to|"
    r"i would be happy to|i will|i'll continue|ja|oui|si)\b",
    re.IGNORECASE,
)
_NO = re.compile(
    r"^(?:no|nope|sorry,?\s+no|sorry,?\s+not|unfortunately,?\s+(?:no|not)|not this time|"
    r"i'm afraid not|i am afraid not|afraid not|no thanks|no thank you|nein|non)\b",
    re.IGNORECASE,
)
_NOT_NO = re.compile(r"^no\s+(?:problem|worries|bother)\b", re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:not|no|n't|cannot|can't|won't|but|unfortunately|sorry)\b|n't\b")


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


@dataclass(frozen=True)
class Command:
    verb: str  # the `EmailCommand.verb` it was read as: "keep", "met", …
    choice: str | None = (
        None  # KEEP: "1".."3", a name or an email address; MET, NOT CONTACTED: "1".."9"
    )
    minutes: int | None = None  # MET
    on: date | None = None  # MET
    note: str = ""  # MET: "MET 1h 12/08 - great chat" (personal data: export, erase)
    reason: str = ""  # UNPAIR: the lines under the command
    target: str | None = None  # a coordinator's command about someone else


@dataclass(frozen=True)
class CommandReading:
    commands: tuple[Command, ...]
    answer: Answer | None
    reason: str
    # A command line we could not carry out as written, in words for its sender ("We
    # could not read “blursday” as a date…"); empty when there was none. That is then
    # the answer they get.
    problem: str = ""
    # Words of their own with no command in them (a question, a thank-you): not a
    # command attempt, so it goes to the coordinators with a kind answer.
    own_words: bool = False

    @property
    def understood(self) -> bool:
        return bool(self.commands) or self.answer is not None


def clean_subject(subject: str) -> str:
    """The subject without Re:/AW:/Fwd: prefixes and [tags]."""
    text = _TAG.sub(" ", subject)
    previous = None
    while previous != text:
        previous = text
        text = _PREFIX.sub("", text)
    return " ".join(text.split())


def _normalise(line: str) -> str:
    text = line.strip().lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"[*_`\"“”]+", "", text)  # bold/italic markers and quotes around a word
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)  # "not-responding"
    text = text.strip(" \t.!?,;:-()[]")
    return " ".join(text.split())


def _split_verb(
    text: str, table: CommandTable, *, lead: bool = True
) -> tuple[EmailCommand, str] | None:
    if lead:
        text = _LEAD.sub("", text)
    for spelling, command in table.spellings:
        if text == spelling or text.startswith(spelling + " ") or text.startswith(spelling + ":"):
            rest = text[len(spelling) :].strip(" :,.-")
            return command, rest
    return None


def _duration(text: str) -> tuple[int | None, str]:
    match = _DURATION.match(text)
    if not match or not match.group(0).strip():
        return None, text
    if match.group("h1"):
        extra = match.group("m1") or match.group("m1b") or match.group("m1c") or 0
        minutes = round(float(match.group("h1")) * 60) + int(extra)
    elif match.group("m2"):
        minutes = int(match.group("m2"))
    elif match.group("half"):
        minutes = 30
    elif match.group("hour"):
        minutes = 60
    else:
        minutes = int(match.group("hh")) * 60 + int(match.group("mm"))
    return minutes, text[match.end() :].strip(" ,.")


_MET_CHOICE = re.compile(
    r"^(?:with\s+)?(?:mentor\s+|mentee\s+|number\s+|no\s+)?(?P<n>[1-9])(?:\s+(?P<rest>.*))?$"
)


# A note follows the length and date after " - ", a dash, "," or ":", "(", or just as words.
_NOTE_SEPARATOR = re.compile(r"\s+-\s+|\s*[–—:,(]\s*")
# "12.03" and "12-03": day and month as people type them, read as "12/03".
_DOTTED_DAY = re.compile(
    r"(?<![\d./-])\b(\d{1,2})[.-](\d{1,2})\b(?![./-]\d)(?!\s*(?:h|hrs?|hours?|m|mins?|minutes?)\b)",
    re.IGNORECASE,
)
# Words that start a (mistyped) date, not a note: "MET 1h on Tusday" stays a refusal.
_NOT_A_NOTE = re.compile(
    r"^(?:on|at|in|for|last|this|the|yesterday|today|ago|about|around|\d)", re.IGNORECASE
)


def _met_with_note(rest: str, today: date) -> Command | None:
    """The meeting when `rest` is a clear length (and date) followed by a note."""
    cuts = [(m.start(), m.end()) for m in _NOTE_SEPARATOR.finditer(rest)]
    words = [m.start() for m in re.finditer(r"\s+", rest)]
    for start, end in cuts + sorted(((w, w) for w in words), reverse=True):
        head, note = rest[:start].strip(), rest[end:].strip(" -–—:,")
        note = note[:-1].rstrip() if note.endswith(")") and "(" not in note else note
        if not note or not head or _NOT_A_NOTE.match(note):
            continue  # the note must follow a length or a date we can read
        parsed = _parse_met_details(head, today)
        if isinstance(parsed, Command):
            return replace(parsed, note=note)
    return None


def _parse_met(rest: str, today: date) -> Command | str:
    """MET [who] [duration] [date] [note]; "who" is the number from the match email ("MET 1")."""
    rest = _DOTTED_DAY.sub(r"\1/\2", rest)
    parsed = _parse_met_details(rest, today)
    if isinstance(parsed, str):
        parsed = _met_with_note(rest, today) or parsed
    if isinstance(parsed, str):
        # Only when the words do not read as a length and a date: "met 3 March" is a date.
        match = _MET_CHOICE.match(rest)
        if match:
            tail = match.group("rest") or ""
            again = _parse_met_details(tail, today)
            if isinstance(again, str):
                again = _met_with_note(tail, today) or again
            if isinstance(again, Command):
                return replace(again, choice=match.group("n"))
    return parsed


def _parse_met_details(rest: str, today: date) -> Command | str:
    minutes, rest = _duration(rest)
    when: date | None = today
    if rest:
        when = parse_date(rest, today, future=False)
        if when is None:
            # "met yesterday for 45 minutes": the date may come first.
            for cut in range(len(rest.split()), 0, -1):
                head = " ".join(rest.split()[:cut])
                tail = " ".join(rest.split()[cut:])
                when = parse_date(head, today, future=False)
                if when is not None:
                    minutes2, leftover = _duration(tail)
                    if minutes is None and minutes2 is not None and not leftover:
                        minutes = minutes2
                        break
                    if not tail:
                        break
                    when = None
        if when is None:
            return f"We could not read when you met from “{rest}”."
    if when is not None and when > today:
        return "The meeting date is in the future."
    if minutes is not None and not 5 <= minutes <= 8 * 60:
        return "The meeting length does not look right."
    return Command("", minutes=minutes or 60, on=when)  # `meeting` names the verb


@dataclass(frozen=True)
class Words:
    """One command line as a command's argument parser sees it."""

    verb: str
    rest: str  # what follows the command word: lower-case, polite words removed
    line: str  # the whole line as written
    today: date
    coordinator: bool  # sent by a coordinator
    strict: bool  # a subject line: the command must stand alone
    destructive: bool
    targeted: bool


# Reads a command's arguments: the command, why it is a broken command, or None (the
# line is a sentence, not a command).
ArgumentParser = Callable[[Words], "Command | str | None"]


def plain(words: Words) -> Command | str | None:
    """No arguments, or (coordinators, targeted commands) the address of a participant."""
    rest = words.rest
    if rest and words.targeted and _EMAIL.match(rest.strip("<>")):
        if not words.coordinator:
            return "Only the coordinators can name someone else in a command."
        return Command(words.verb, target=rest.strip("<>"))
    if rest:
        if words.strict or words.destructive:
            return None  # "decline to comment", "none of them suit": a sentence
        if len(rest.split()) > 3:
            return None
    return Command(words.verb)


def meeting(words: Words) -> Command | str | None:
    """MET [who] [duration] [date] [note]."""
    met = _parse_met(words.rest, words.today)
    if isinstance(met, Command):
        met = replace(met, verb=words.verb)
        if met.note:
            # The note as written (the line was lower-cased to read the command).
            found = re.search(r"\W+".join(re.escape(w) for w in met.note.split()), words.line, re.I)
            met = replace(met, note=found.group(0) if found else met.note)
    return met


def choice(words: Words) -> Command | str | None:
    """KEEP 2, KEEP Sam Jones, KEEP sam@dept.gov.uk."""
    if not words.rest:
        return f"{words.verb.upper()} needs a choice: 1, 2, 3, a name or an email address."
    chosen = words.rest.removeprefix("number ").removeprefix("no ").strip()
    if len(chosen.split()) > 4:
        return None  # "keep in touch with everyone ..." is a sentence, not a choice
    return Command(words.verb, choice=chosen)


def optional_number(words: Words) -> Command | str | None:
    """NOT CONTACTED, or NOT CONTACTED 2 (the number from the match email)."""
    if re.fullmatch(r"(?:mentee\s+|number\s+|no\s+)?[1-9]", words.rest):
        return Command(words.verb, choice=words.rest.split()[-1])
    return plain(words)


def _parse_line(
    line: str, today: date, coordinator: bool, table: CommandTable, *, strict: bool = False
) -> Command | str | None:
    """A command, a reason why the line is a broken command, or None (not a command).

    `strict` (for subjects, which usually quote ours): the line must be the command alone,
    so "Re: Please confirm your place" is not a CONFIRM.
    """
    text = _POLITE.sub("", _normalise(line))
    if len(text) > _MAX_LINE:
        return None
    asking = line.rstrip().endswith("?")
    split = _split_verb(text, table, lead=not strict)
    if split is None:
        return None
    command, rest = split
    if strict and rest and not (command.arguments_in_subject or command.targeted):
        return None
    if asking and command.destructive:
        return None  # "Withdraw?" asks about it; it does not ask for it
    words = Words(
        verb=command.verb,
        rest=_POLITE.sub("", rest).strip(" .!,"),
        line=line,
        today=today,
        coordinator=coordinator,
        strict=strict,
        destructive=command.destructive,
        targeted=command.targeted,
    )
    return command.arguments(words)


def _content_lines(text: str) -> list[str]:
    lines = [ln.strip() for ln in text.split("\n")]
    lines = [ln for ln in lines if ln]
    while lines and _GREETING.match(lines[0]):
        lines = lines[1:]
    return lines


def is_command_line(line: str, table: CommandTable) -> bool:
    """Does this line start with a command word ("MET 1h yesterday")?"""
    return _split_verb(_POLITE.sub("", _normalise(line)), table) is not None


def content_lines(text: str) -> list[str]:
    """The non-blank lines of a reply's new text, greetings ("Hi Sam,") left out."""
    return _content_lines(text)


def _yes_no(line: str) -> Answer | None:
    text = line.strip().replace("’", "'")
    if _NOT_NO.match(text):
        rest = text[_NOT_NO.match(text).end() :]  # type: ignore[union-attr]
        return Answer.YES if not _NEGATION.search(rest.lower()) else None
    yes = _YES.match(text)
    no = _NO.match(text)
    if yes and not no:
        rest = text[yes.end() :].lower()
        return Answer.YES if not _NEGATION.search(rest) else None
    if no and not yes:
        rest = text[no.end() :].lower()
        return Answer.NO if not re.search(r"\b(?:yes|happy to)\b", rest) else None
    return None


@dataclass
class _Found:
    commands: list[Command]
    problems: list[str]
    buried: list[EmailCommand]  # destructive commands mentioned inside sentences


def _read_lines(lines: list[str], today: date, coordinator: bool, table: CommandTable) -> _Found:
    found = _Found([], [], [])
    for index, line in enumerate(lines[:_HEAD_LINES]):
        parsed = _parse_line(line, today, coordinator, table)
        if isinstance(parsed, Command):
            follows = table[parsed.verb].reason_follows
            if follows and not parsed.target:
                reason = "\n".join(lines[index + 1 :]).strip()
                parsed = Command(parsed.verb, reason=reason[:2000])
            found.commands.append(parsed)
            if follows:
                break  # what follows is the reason, not more commands
        elif isinstance(parsed, str):
            found.problems.append(parsed)
        else:
            for word in table.verb_words.findall(_normalise(line)):
                split = _split_verb(" ".join(word.split()), table)
                if split and split[0].destructive:
                    found.buried.append(split[0])
    return found


def read_commands(
    text: str, subject: str, *, today: date, commands: CommandTable, coordinator: bool = False
) -> CommandReading:
    """Read the commands in a reply's new text and subject; never guess a destructive one."""
    lines = _content_lines(text)
    head = lines[:_HEAD_LINES]
    found = _read_lines(lines, today, coordinator, commands)
    subject_text = clean_subject(subject)
    if subject_text:
        parsed = _parse_line(subject_text, today, coordinator, commands, strict=True)
        if isinstance(parsed, Command):
            found.commands.append(parsed)
    answer = _yes_no(head[0]) if head else None
    if not found.commands and head:
        # "Yes, confirm" / "Yes - keep 2": a yes in front of a command line.
        stripped = _YES.sub("", head[0], count=1).strip(" ,.-!")
        if stripped and stripped != head[0].strip():
            parsed = _parse_line(stripped, today, coordinator, commands)
            if isinstance(parsed, Command):
                found.commands.append(parsed)
                answer = None
    reading = _verdict(found, answer, commands)
    if reading.own_words and not lines and not subject_text:
        return replace(reading, own_words=False)  # an empty reply says nothing of its own
    return reading


_QUESTION_WORDS = re.compile(
    r"^(?:how|what|when|where|which|who|whom|why|can|could|would|will|is|are|do|does|did|"
    r"should|may|am|have|has)\b",
    re.IGNORECASE,
)


def asks_question(text: str) -> bool:
    """Whether a person's own words hold a question ("can you tell me how many CPD points
    I have?", "How do I change my grade"): the kind answer then speaks of a question."""
    for line in _content_lines(text)[:_HEAD_LINES]:
        if line.rstrip().endswith("?") or _QUESTION_WORDS.match(line.strip()):
            return True
    return False


def _verdict(found: _Found, answer: Answer | None, table: CommandTable) -> CommandReading:
    """One command, one answer, or why we are not guessing."""
    verbs = {c.verb for c in found.commands}
    buried = found.buried
    if len(verbs) > 1:
        names = " and ".join(sorted(table[v].name for v in verbs))
        return CommandReading((), None, f"two different commands ({names}): not guessing")
    if verbs and buried:
        return CommandReading(
            (),
            None,
            f"a command and a sentence mentioning {buried[0].verb.upper()}: not guessing",
        )
    if len(set(found.commands)) > 1:
        return CommandReading((), None, "the same command twice with different details")
    if found.commands:
        command = found.commands[0]
        if answer is Answer.NO and not table[command.verb].destructive:
            return CommandReading((), None, "a 'no' together with a command: not guessing")
        return CommandReading((command,), None, f"command {command.verb.upper()}")
    if found.problems:
        return CommandReading((), None, found.problems[0], problem=found.problems[0])
    if buried:
        return CommandReading(
            (),
            None,
            f"mentions {buried[0].name} inside a sentence: not acting on it",
            own_words=True,
        )
    if answer is not None:
        return CommandReading((), answer, f"answered {answer.value}")
    return CommandReading(
        (), None, "no command found in the first lines or the subject", own_words=True
    )
