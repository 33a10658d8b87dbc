"""Reading commands from the new text and the subject of a reply."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import TABLE
from service.inbound.commands import Answer, asks_question, clean_subject, read_commands
from tests.inbound.helpers import Verb

TODAY = date(2026, 3, 13)  # a Friday


def one(text: str, subject: str = "", *, coordinator: bool = False):
    reading = read_commands(text, subject, today=TODAY, commands=TABLE, coordinator=coordinator)
    assert len(reading.commands) == 1, reading.reason
    return reading.commands[0]


def nothing(text: str, subject: str = "") -> str:
    reading = read_commands(text, subject, today=TODAY, commands=TABLE)
    assert reading.commands == () and reading.answer is None
    return reading.reason


@pytest.mark.parametrize(
    ("text", "verb"),
    [
        ("CONFIRM", Verb.CONFIRM),
        ("confirm.", Verb.CONFIRM),
        ("**Confirm** please", Verb.CONFIRM),
        ("Hi team,\n\nConfirm!\n\nThanks", Verb.CONFIRM),
        ("NONE", Verb.NONE),
        ("Accept", Verb.ACCEPT),
        ("decline", Verb.DECLINE),
        ("Not responding", Verb.NOT_RESPONDING),
        ("not-contacted", Verb.NOT_CONTACTED),
        ("WITHDRAW", Verb.WITHDRAW),
        ("Continue", Verb.CONTINUE),
        ("status?", Verb.STATUS),
        ("Help", Verb.HELP),
        ("My data", Verb.MY_DATA),
        ("Delete my data", Verb.DELETE_MY_DATA),
        ("Yes, confirm", Verb.CONFIRM),
    ],
)
def test_single_word_commands(text: str, verb: Verb) -> None:
    assert one(text).verb == verb


@pytest.mark.parametrize(
    ("text", "minutes", "on"),
    [
        ("met 45 mins yesterday", 45, date(2026, 3, 12)),
        ("MET 1h 12/03", 60, date(2026, 3, 12)),
        ("met 1.5 hours on 3 March", 90, date(2026, 3, 3)),
        ("Met", 60, TODAY),
        ("we met for half an hour on Tuesday", 30, date(2026, 3, 10)),
        ("MET 1h30 last friday", 90, date(2026, 3, 6)),
        ("met yesterday for 40 minutes", 40, date(2026, 3, 12)),
        ("met 2 hours 20/12", 120, date(2025, 12, 20)),
        ("met 30m 2026-03-01", 30, date(2026, 3, 1)),
        ("MET 90 minutes 3rd March 2026", 90, date(2026, 3, 3)),
    ],
)
def test_met_reads_duration_and_date_uk_style(text: str, minutes: int, on: date) -> None:
    command = one(text)
    assert (command.verb, command.minutes, command.on) == (Verb.MET, minutes, on)


def test_met_in_the_future_or_unreadable_is_not_guessed() -> None:
    assert "future" in nothing("met 1h on 20/03/2026")
    assert "could not read" in nothing("met 1h at the usual place")


@pytest.mark.parametrize(
    ("text", "minutes", "on", "note"),
    [
        ("MET 1h 12/03 - great chat", 60, date(2026, 3, 12), "great chat"),
        (
            "met 45 mins yesterday, talked about promotion",
            45,
            date(2026, 3, 12),
            "talked about promotion",
        ),
        ("MET 30 minutes on Tuesday: CV review", 30, date(2026, 3, 10), "CV review"),
        ("MET 1h 12/03 – Board prep", 60, date(2026, 3, 12), "Board prep"),
        ("met 1h Lovely coffee", 60, TODAY, "Lovely coffee"),
        ("MET 1h 12/03", 60, date(2026, 3, 12), ""),
        # Lengths and dates as people write them, each with a note after.
        ("met 1.5 hrs on 12/03: good session", 90, date(2026, 3, 12), "good session"),
        ("MET 1hr 30 12/3 great chat", 90, date(2026, 3, 12), "great chat"),
        ("MET 1h30 12.03 - good", 90, date(2026, 3, 12), "good"),
        ("MET 1h 12-03 - great chat", 60, date(2026, 3, 12), "great chat"),
        ("MET 12/03 1h - great chat", 60, date(2026, 3, 12), "great chat"),
        ("MET 1h 12/03 (great chat)", 60, date(2026, 3, 12), "great chat"),
        ("MET 1 hour 12th March - Great chat!", 60, date(2026, 3, 12), "Great chat"),
        ("Met for an hour on 12/03/26 - lovely", 60, date(2026, 3, 12), "lovely"),
        ("met today - quick catch up", 60, TODAY, "quick catch up"),
    ],
)
def test_met_keeps_a_trailing_note_as_written(text: str, minutes: int, on: date, note: str) -> None:
    command = one(text)
    assert (command.verb, command.minutes, command.on, command.note) == (
        Verb.MET,
        minutes,
        on,
        note,
    )


@pytest.mark.parametrize(
    "text",
    [
        "MET a while - great chat",  # an unclear length is refused, not turned into a note
        "met 1h on Tusday",  # a mistyped date is not a note either
        "met 1h 32/03 - great chat",
        "met 1h 20/03/2026 - great chat",  # still in the future
    ],
)
def test_met_with_a_note_but_no_clear_length_or_date_is_refused(text: str) -> None:
    assert nothing(text)


@pytest.mark.parametrize(
    ("text", "choice"),
    [
        ("KEEP 1", "1"),
        ("keep 3 please", "3"),
        ("Keep Sam Jones", "sam jones"),
        ("keep sam.jones@hmrc.gov.uk", "sam.jones@hmrc.gov.uk"),
        ("Keep number 2", "2"),
    ],
)
def test_keep_takes_a_choice(text: str, choice: str) -> None:
    command = one(text)
    assert (command.verb, command.choice) == (Verb.KEEP, choice)


def test_unpair_keeps_the_reason_below() -> None:
    command = one("UNPAIR\nWe have drifted apart.\nNo hard feelings.")
    assert command.verb == Verb.UNPAIR
    assert command.reason == "We have drifted apart.\nNo hard feelings."


@pytest.mark.parametrize(
    "text",
    [
        "I don't want to unpair",
        "Please don't withdraw me, I am just busy",
        "I might decline, not sure yet",
        "Should I delete my data?",
        "Withdraw?",
        "none of them really suited me but happy to chat",
    ],
)
def test_destructive_verbs_inside_sentences_are_never_acted_on(text: str) -> None:
    nothing(text)


def test_two_different_verbs_are_ambiguous() -> None:
    assert "two different commands" in nothing("ACCEPT\nDECLINE")
    assert "two different commands" in nothing("CONFIRM", "WITHDRAW")


def test_a_command_next_to_a_buried_destructive_word_is_ambiguous() -> None:
    assert "not guessing" in nothing("Continue\nor maybe unpair, I'm torn")


def test_subject_command_only_when_the_subject_is_the_command() -> None:
    assert one("", "RE: Fwd: SV: STATUS").verb == Verb.STATUS
    assert one("", "AW: TR: [ref:abcdefghijklmnop] help").verb == Verb.HELP
    assert "no command" in nothing("", "Re: Please confirm your place")


def test_clean_subject_strips_prefixes_and_tags() -> None:
    assert clean_subject("RE: AW: Fwd: [ref:k7p2xq4rmn3vb6ta] Hello  there") == "Hello there"


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("Yes, happy to", Answer.YES),
        ("yes please", Answer.YES),
        ("Of course!", Answer.YES),
        ("No problem, happy to", Answer.YES),
        ("Sorry, no", Answer.NO),
        ("No thanks", Answer.NO),
        ("Unfortunately not this time", Answer.NO),
    ],
)
def test_yes_no_answers(text: str, answer: Answer) -> None:
    reading = read_commands(text + "\n\nSam", "", today=TODAY, commands=TABLE)
    assert (reading.commands, reading.answer) == ((), answer)


@pytest.mark.parametrize("text", ["Yes but not yet", "No, wait, yes", "Maybe", "Yes, I can't"])
def test_unclear_yes_no_is_not_an_answer(text: str) -> None:
    nothing(text)


def test_coordinators_may_name_a_target_and_participants_may_not() -> None:
    for verb in ("UNPAIR", "STATUS", "WITHDRAW"):
        command = one(f"{verb} sam@dept.gov.uk", coordinator=True)
        assert (command.verb, command.target) == (verb.lower(), "sam@dept.gov.uk")
    assert "Only the coordinators" in nothing("WITHDRAW sam@dept.gov.uk")


def test_only_the_first_lines_are_read() -> None:
    assert "no command" in nothing("Hello\nline one\nline two\nline three\nline four\nCONFIRM")


def test_a_subject_that_quotes_ours_is_not_a_command() -> None:
    nothing("", "Re: Status update on your pairing")
    nothing("", "RE: Status update")


@pytest.mark.parametrize(
    ("text", "own_words", "broken"),
    [
        ("can you tell me how many CPD points I have?", True, False),
        ("Thanks so much, this is great", True, False),
        ("I might withdraw if this goes on, what do you think?", True, False),  # a mention
        ("KEEP", False, True),  # a command we could not read
        ("MET a while - great chat", False, True),
        ("KEEP 1\nUNPAIR", False, False),  # two commands: not guessing, not own words
        ("", False, False),
    ],
)
def test_own_words_are_told_apart_from_command_attempts(
    text: str, own_words: bool, broken: bool
) -> None:
    reading = read_commands(text, "", today=TODAY, commands=TABLE)
    assert (reading.own_words, bool(reading.problem)) == (own_words, broken)


def test_a_question_is_told_from_other_words() -> None:
    assert asks_question("Hi Sam\ncan you tell me how many CPD points I have?")
    assert asks_question("How do I change my grade")
    assert not asks_question("Thanks, that was a great session")
