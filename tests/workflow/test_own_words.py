"""Questions in a person's own words: passed to the coordinators with a kind answer, while
a command attempt that fails still gets the answer that says exactly what was wrong."""

from __future__ import annotations

import email
from dataclasses import replace
from email.policy import default

from tests.harness import Programme
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"


def _reasons(programme: Programme) -> list[str]:
    """What the needs-attention folder holds: the messages' subjects and first lines."""
    found = []
    for path in programme.folder("needs-attention"):
        msg = email.message_from_bytes(path.read_bytes(), policy=default)
        body = msg.get_body(("plain",))
        found.append(f"{msg['Subject']} | {body.get_content() if body else ''}")
    return found


def test_a_question_goes_to_the_coordinators_with_a_kind_answer(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    before = len(programme.inbox_of(ALEX))
    report = programme.send(
        programme.reply(
            programme.last_to(ALEX), "Hi,\ncan you tell me how many CPD points I have?\nAlex"
        )
    )
    assert report.outcomes == {"needs_attention": 1}
    assert any("how many CPD points" in r for r in _reasons(programme))
    answer = programme.last_to(ALEX)
    assert len(programme.inbox_of(ALEX)) == before + 1
    assert answer.subject.startswith("We have passed your question to the coordinators")
    assert "who usually answer within 3 working days" in answer.text
    assert "couldn't" not in answer.text and "could not" not in answer.text


def test_words_that_are_not_a_question_are_a_message(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "Thanks so much, this is great"))
    answer = programme.last_to(ALEX)
    assert answer.subject.startswith("We have passed your message to the coordinators")


def test_the_number_of_working_days_comes_from_the_configuration(programme: Programme) -> None:
    coordinators = replace(programme.app.config.coordinators, answer_within_working_days=1)
    programme.app.config = replace(programme.app.config, coordinators=coordinators)
    match_round(programme, {ALEX: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "Who do I talk to about my grade?"))
    assert "who usually answer within 1 working day." in programme.last_to(ALEX).text


def test_a_failed_command_attempt_gets_the_specific_answer(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 7"))
    answer = programme.last_to(ALEX)
    assert "passed your" not in answer.subject
    assert "You do not have a number 7" in answer.text and "1 Priya" in answer.text
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP"))
    answer = programme.last_to(ALEX)
    assert "passed your" not in answer.subject
    assert "KEEP needs a choice: 1, 2, 3, a name or an email address." in answer.text


def test_a_question_from_a_participant_address_without_a_token(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    report = programme.send(
        programme.plain(ALEX, "A question", "When does the programme end?", verified=False)
    )
    assert report.outcomes == {"needs_attention": 1}
    assert programme.last_to(ALEX).subject.startswith("We have passed your question")
    # A command without the token is still not acted on, and says why.
    programme.send(programme.plain(ALEX, "KEEP 1", "KEEP 1", verified=False))
    assert "We could not link your email" in programme.last_to(ALEX).text
