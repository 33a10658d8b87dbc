"""Reading a score from 1 to 5 out of a reply's own words (service.inbound.feedback), and
making a comment quotable (service.domain.feedback.without_names)."""

from __future__ import annotations

import pytest

from service.domain.feedback import without_names
from service.inbound.feedback import read_score


@pytest.mark.parametrize(
    ("text", "score", "comment"),
    [
        ("4", 4, ""),
        ("4/5", 4, ""),
        ("4 / 5", 4, ""),
        ("4 out of 5", 4, ""),
        ("Four - really helpful", 4, "really helpful"),
        ("five", 5, ""),
        ("two, not great", 2, "not great"),
        ("5 thanks!", 5, ""),
        ("5 stars", 5, ""),
        ("I'd say 4", 4, ""),
        ("Score: 3", 3, ""),
        ("Thanks!\n5 - brilliant", 5, "Thanks!\nbrilliant"),
        ("Hello,\n\n1. My mentor never answers.", 1, "My mentor never answers."),
    ],
)
def test_a_score_opens_the_reply(text: str, score: int, comment: str) -> None:
    reading = read_score(text)
    assert reading is not None
    assert (reading.score, reading.comment, reading.problem) == (score, comment, "")


@pytest.mark.parametrize(
    "text",
    [
        "3 meetings so far, going well",
        "One thing I would say is it needs more structure",
        "4th March was our last chat",
        "We met 2 times",
        "Going well!\nWe have met 3 times",
    ],
)
def test_a_number_inside_a_sentence_is_not_a_score(text: str) -> None:
    reading = read_score(text)
    assert reading is not None
    assert reading.score is None and reading.problem == ""
    assert reading.comment == text.strip()


@pytest.mark.parametrize("text", ["10", "0", "8/10", "4.5", "six"])
def test_a_number_we_cannot_take_is_a_problem_not_a_score(text: str) -> None:
    reading = read_score(text)
    assert reading is not None
    assert reading.score is None and "please reply with one number from 1" in reading.problem


def test_an_empty_reply_says_nothing() -> None:
    assert read_score("") is None
    assert read_score("  \n\n ") is None


def test_names_and_addresses_are_taken_out_of_a_comment() -> None:
    comment = "Sam O'Neill (sam.oneill@justice.gov.uk) helped; SAM is great, Samantha too."
    assert without_names(comment, ["Sam O'Neill", "Sam", "O'Neill"]) == (
        "[name] ([email address]) helped; [name] is great, Samantha too."
    )
