"""Feedback by email through the real pipeline: a check-in (and the end-of-programme
email) asks "how is your mentoring going, 1 to 5?"; replies in many shapes are read,
stored against the pairing and the person, acknowledged once, replaced by a second
answer, and a low score is filed in needs-attention with its reason."""

from __future__ import annotations

import email
import json
from email.policy import default

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from service import privacy
from service.domain.model import Feedback
from service.store.records import InboundMessage, InboundStatus
from tests.harness import Sent
from tests.jobs.world import World, at

QUESTION = "Reply with a number from 1 (not useful) to 5 (very useful)"


def _check_in(world: World, name: str = "ash") -> tuple[int, Sent]:
    pairing = world.pair("bo", "ash", at(0))
    world.run(at(42))
    [check_in] = [s for s in world.inbox(name) if "How is your mentoring" in s.subject]
    return pairing, check_in


def _answers(world: World) -> list[Feedback]:
    with world.app.uow() as uow:
        return sorted(uow.session.scalars(select(Feedback)).all(), key=lambda a: a.id or 0)


def _needs_attention(world: World) -> list[str]:
    with world.app.uow() as uow:
        found = uow.session.scalars(select(InboundMessage)).all()
        return [m.reason for m in found if m.status is InboundStatus.NEEDS_ATTENTION]


def test_the_check_in_asks_and_its_footer_offers_the_answer(world: World) -> None:
    with freeze_time(at(42)):
        _pairing, check_in = _check_in(world)
    assert QUESTION in check_in.text
    _, _, footer = check_in.text.partition("-" * 70)
    assert "a number from 1 to 5" in footer  # the body names nothing its footer does not
    [guidance] = [s for s in world.inbox("ash") if s.subject.startswith("Mentoring tips")]
    assert QUESTION not in guidance.text
    assert "a number from 1 to 5" not in guidance.text.partition("-" * 70)[2]


@pytest.mark.parametrize(
    ("reply", "score", "comment"),
    [
        ("4", 4, ""),
        ("4/5", 4, ""),
        ("Four - really helpful", 4, "really helpful"),
        ("5 thanks!", 5, ""),
        ("4 out of 5", 4, ""),
        ("Hi team,\n\n3. We meet monthly; Bo is patient.\n", 3, "We meet monthly; Bo is patient."),
    ],
)
def test_a_score_in_many_shapes_is_stored_and_acknowledged_once(
    world: World, reply: str, score: int, comment: str
) -> None:
    with freeze_time(at(42)) as frozen:
        pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        report = world.programme.send(world.programme.reply(check_in, reply))
    assert report.outcomes == {"processed": 1}
    [answer] = _answers(world)
    assert (answer.pairing_id, answer.person_id) == (pairing, world.ids["ash"])
    assert (answer.asking, answer.score, answer.comment) == ("check-in 1", score, comment)
    ack = world.inbox("ash")[-1]
    assert ack.subject.startswith("Thank you for your feedback")
    assert f"You gave it {score} out of 5." in ack.text
    assert "We do not tell Bo your answer." in ack.text
    assert not [s for s in world.inbox("bo") if "feedback" in s.subject.lower()]
    # The reply answered the check-in: a sign of life from the mentee.
    assert world.pairing(pairing).mentee_last_seen_at is not None


def test_a_second_answer_replaces_the_first_and_says_so(world: World) -> None:
    with freeze_time(at(42)) as frozen:
        _pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        world.programme.send(world.programme.reply(check_in, "3"))
        first_ack = world.inbox("ash")[-1]
        world.programme.send(world.programme.reply(first_ack, "5 - we sorted it out"))
    [answer] = _answers(world)
    assert (answer.score, answer.comment) == (5, "we sorted it out")
    again = world.inbox("ash")[-1]
    assert again.subject.startswith("Thank you: your answer is updated")
    assert "This replaces the answer you gave before to the same email (check-in 1)." in again.text


def test_a_low_score_is_stored_acknowledged_and_on_the_worklist(world: World) -> None:
    with freeze_time(at(42)) as frozen:
        pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        report = world.programme.send(
            world.programme.reply(check_in, "2 - Bo has cancelled three times")
        )
    assert report.outcomes == {"needs_attention": 1}
    [answer] = _answers(world)
    assert (answer.score, answer.comment) == (2, "Bo has cancelled three times")
    [reason] = _needs_attention(world)
    assert reason.startswith(f"feedback: low score 2 of 5 for pairing {pairing} (check-in 1)")
    assert "cancelled" not in reason  # the comment is personal data: never in a reason
    ack = world.inbox("ash")[-1]
    assert "passed your answer to the coordinators" in ack.text
    [filed] = world.programme.folder("needs-attention")
    body = email.message_from_bytes(filed.read_bytes(), policy=default).get_body(("plain",))
    assert body is not None and "cancelled three times" in body.get_content()


@pytest.mark.parametrize(
    ("reply", "problem"),
    [
        ("10", "We could not take “10” as a score"),
        ("0", "We could not take “0” as a score"),
        ("8/10", "We could not take “8/10” as a score"),
        ("", "a number in the email you replied to does not count"),
    ],
)
def test_a_number_we_cannot_take_is_asked_again_kindly(
    world: World, reply: str, problem: str
) -> None:
    with freeze_time(at(42)) as frozen:
        _pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        # The quoted check-in below the reply holds numbers ("2 check-ins", "1 (not
        # useful)"): only the reply's own words count.
        world.programme.send(world.programme.reply(check_in, reply))
        again = world.inbox("ash")[-1]
        assert again.subject.startswith("How is your mentoring going? One number, please")
        assert problem in again.text
        assert _answers(world) == []
        # The question asked again is bound to the same check-in: a plain answer counts.
        frozen.move_to(at(44))
        world.programme.send(world.programme.reply(again, "4"))
    [answer] = _answers(world)
    assert (answer.asking, answer.score) == ("check-in 1", 4)


def test_words_without_a_number_are_kept_as_a_comment_for_a_coordinator(world: World) -> None:
    with freeze_time(at(42)) as frozen:
        pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        report = world.programme.send(
            world.programme.reply(check_in, "Going well, we meet every month.")
        )
    assert report.outcomes == {"needs_attention": 1}
    [answer] = _answers(world)
    assert (answer.score, answer.comment) == (None, "Going well, we meet every month.")
    [reason] = _needs_attention(world)
    assert reason.startswith(f"feedback: comment without a score for pairing {pairing}")
    assert "a coordinator will read it" in world.inbox("ash")[-1].text


def test_a_question_in_reply_to_the_check_in_is_a_question(world: World) -> None:
    with freeze_time(at(42)) as frozen:
        _pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        world.programme.send(world.programme.reply(check_in, "Can I change my mentor?"))
    assert _answers(world) == []
    assert world.inbox("ash")[-1].subject.startswith("We have passed your question")


def test_a_number_to_an_email_that_did_not_ask_is_no_score(world: World) -> None:
    with freeze_time(at(42)):
        _check_in(world)
        # The guidance email sent with it asks nothing: "4" there is not a score.
        [guidance] = [s for s in world.inbox("ash") if s.subject.startswith("Mentoring tips")]
        world.programme.send(world.programme.reply(guidance, "4"))
    assert _answers(world) == []


def test_the_end_email_asks_too_and_keeps_the_link(world: World) -> None:
    pairing = world.pair("bo", "ash", at(0))
    length = world.app.config.timings.programme_length
    world.update_pairing(pairing, last_check_in_at=at(length - 1), mentee_last_seen_at=at(length))
    with freeze_time(at(length)) as frozen:
        world.run(at(length))
        [end] = [s for s in world.inbox("ash") if "thank you" in s.subject]
        assert QUESTION in end.text
        assert world.app.config.programme.feedback_url in end.text
        frozen.move_to(at(length + 1))
        world.programme.send(world.programme.reply(end, "5"))
    [answer] = _answers(world)
    assert (answer.asking, answer.score) == ("end 1", 5)


def test_comments_are_in_the_export_and_erased_with_either_partner(world: World) -> None:
    with freeze_time(at(42)) as frozen:
        _pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        world.programme.send(world.programme.reply(check_in, "4 - Bo helped with my CV"))
        with world.app.uow() as uow:
            ash = uow.repo.person(world.ids["ash"])
            bo = uow.repo.person(world.ids["bo"])
            assert ash is not None and bo is not None
            mine = privacy.export_person(uow, ash)["partnerships"][0]["your_feedback"]
            theirs = privacy.export_person(uow, bo)["partnerships"][0]["your_feedback"]
            text = json.dumps(
                privacy.summary_sections(privacy.export_person(uow, ash), world.app.config)
            )
        assert mine == [
            {"asked_in": "check-in 1", "score": 4, "comment": "Bo helped with my CV",
             "given_at": mine[0]["given_at"]}
        ]  # fmt: skip
        assert theirs == []  # a partner never sees another's answer
        assert "Bo helped with my CV" in text
        with world.app.uow() as uow:
            whole = privacy.export_state(uow)
        # The programme's export has the score for its figures, never the words.
        assert [(f["person_id"], f["asking"], f["score"]) for f in whole["feedback"]] == [
            (world.ids["ash"], "check-in 1", 4)
        ]
        assert "Bo helped" not in json.dumps(whole)
        with world.app.uow() as uow:
            bo = uow.repo.person(world.ids["bo"])
            assert bo is not None
            privacy.erase_person(uow, bo, at(44))  # the partner's erasure: the comment names them
            uow.commit()
    [answer] = _answers(world)
    assert (answer.score, answer.comment) == (4, "")  # the figures still add up


def test_a_score_beside_met_is_taken_with_the_meeting(world: World) -> None:
    with freeze_time(at(42)) as frozen:
        pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        report = world.programme.send(
            world.programme.reply(check_in, "MET 45 mins yesterday\n4 - good chat")
        )
    assert report.outcomes == {"processed": 1}
    with world.app.uow() as uow:
        assert uow.repo.minutes_met(pairing) == 45
    [answer] = _answers(world)
    assert (answer.score, answer.comment) == (4, "good chat")
    subjects = [s.subject for s in world.inbox("ash")[-2:]]
    assert any(s.startswith("Meeting logged") for s in subjects)
    assert any(s.startswith("Thank you for your feedback") for s in subjects)


def test_unpair_with_a_reason_is_never_read_as_a_score(world: World) -> None:
    with freeze_time(at(42)) as frozen:
        _pairing, check_in = _check_in(world)
        frozen.move_to(at(43))
        world.programme.send(
            world.programme.reply(check_in, "UNPAIR\n2 reasons: time and distance")
        )
    assert _answers(world) == []
