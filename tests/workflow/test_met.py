"""MET, CONTINUE, NOT RESPONDING and NOT CONTACTED, and commands about a pairing that ended."""

from __future__ import annotations

import json
from datetime import date, timedelta

from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import select

from service.domain.model import Introduction, IntroductionStatus, Meeting, Pairing
from tests.harness import Programme, Sent
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
CHRIS = "chris.lee@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"
SAM = "sam.oneill@justice.gov.uk"


def paired(programme: Programme) -> tuple[Sent, Sent]:
    """Alex keeps Priya and Priya accepts: (Alex's, Priya's) pairing-started emails."""
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "ACCEPT"))
    return programme.last_to(ALEX), programme.last_to(PRIYA)


def the_pairing(programme: Programme) -> Pairing:
    with programme.app.uow() as uow:
        [pairing] = uow.session.scalars(select(Pairing)).all()
        return pairing


def meetings(programme: Programme) -> list[Meeting]:
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(Meeting)).all())


def test_met_logs_and_keeps_a_running_total(programme: Programme) -> None:
    for_alex, for_priya = paired(programme)
    programme.send(programme.reply(for_alex, "MET 1h 18/05"))
    programme.send(programme.reply(for_priya, "Met for 90 minutes yesterday"))
    logged = programme.last_to(PRIYA)
    assert [(m.minutes, m.met_on) for m in meetings(programme)] == [
        (60, date(2026, 5, 18)),
        (90, date(2026, 5, 19)),
    ]
    assert "2 meetings" in logged.text and "2.5 CPD points" in logged.text
    programme.send(programme.reply(for_alex, "MET"))  # length defaults to an hour, date to today
    assert meetings(programme)[-1].minutes == 60
    assert meetings(programme)[-1].met_on == date(2026, 5, 20)
    assert "3.5 CPD points" in programme.last_to(ALEX).text


def test_met_is_a_sign_of_life_and_resets_the_check_ins(programme: Programme) -> None:
    for_alex, for_priya = paired(programme)
    with programme.app.uow() as uow:
        pairing = uow.session.scalars(select(Pairing)).one()
        pairing.unanswered_check_ins = 1
        uow.commit()
    programme.send(programme.reply(for_priya, "NOT RESPONDING"))
    pairing = the_pairing(programme)
    assert pairing.silent_id == pairing.mentee_id and pairing.ladder_started_at is not None
    programme.send(programme.reply(for_alex, "MET 30 mins"))
    pairing = the_pairing(programme)
    assert pairing.silent_id is None and pairing.ladder_started_at is None
    assert pairing.unanswered_check_ins == 0
    assert pairing.mentee_last_seen_at is not None


def test_the_same_met_reply_twice_logs_one_meeting(programme: Programme) -> None:
    for_alex, _ = paired(programme)
    met = programme.reply(for_alex, "MET 45 mins yesterday")
    programme.send(met)
    sent = len(programme.sent())
    programme.send(met)
    assert len(meetings(programme)) == 1
    assert len(programme.sent()) == sent


def test_a_meeting_too_long_to_be_one_is_not_logged(programme: Programme) -> None:
    for_alex, _ = paired(programme)
    programme.send(programme.reply(for_alex, "MET 8 hours 30 mins"))
    assert meetings(programme) == []
    assert programme.last_to(ALEX).subject.startswith("We could not do what you asked")


def test_met_before_a_pairing_marks_the_speed_session(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    matches = programme.last_to(ALEX)
    programme.send(programme.reply(matches, "MET"))
    assert "which of your speed-mentoring matches" in programme.last_to(ALEX).text
    programme.send(programme.reply(matches, "MET 2"))
    assert "Speed-mentoring session with Sam Oneill" in programme.last_to(ALEX).subject
    with programme.app.uow() as uow:
        status = {i.number: i.status for i in uow.session.scalars(select(Introduction))}
    assert status == {1: IntroductionStatus.SENT, 2: IntroductionStatus.MET}
    programme.send(programme.reply(matches, "MET"))  # only Priya is left
    with programme.app.uow() as uow:
        status = {i.number: i.status for i in uow.session.scalars(select(Introduction))}
    assert status == {1: IntroductionStatus.MET, 2: IntroductionStatus.MET}


def test_continue_extends_once_per_period(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    for_alex, for_priya = paired(programme)
    ends = the_pairing(programme).ends_at
    programme.send(programme.reply(for_alex, "CONTINUE"))
    assert "Already done" in programme.last_to(ALEX).subject  # months to go: nothing to do
    frozen.tick(timedelta(days=300))
    programme.send(programme.reply(for_priya, "CONTINUE"))
    assert the_pairing(programme).ends_at == ends + timedelta(days=365)
    assert "carries on" in programme.last_to(PRIYA).subject
    programme.send(programme.reply(for_alex, "CONTINUE"))
    assert "Already done" in programme.last_to(ALEX).subject
    assert the_pairing(programme).period == 2


def test_not_responding_starts_the_ladder_once(programme: Programme) -> None:
    for_alex, _ = paired(programme)
    programme.send(programme.reply(for_alex, "NOT RESPONDING"))
    pairing = the_pairing(programme)
    assert pairing.silent_id == pairing.mentor_id
    assert pairing.nudges_sent == 0
    noted = programme.last_to(ALEX)
    assert "We will try to reach Priya Shah" in noted.subject
    # The nudges are the jobs' work: nothing went to Priya.
    assert not [m for m in programme.inbox_of(PRIYA) if "try to reach" in m.subject]
    programme.send(programme.reply(for_alex, "not responding"))
    assert "Already done" in programme.last_to(ALEX).subject


def test_not_contacted_marks_the_mentees_who_have_not_been_in_touch(
    programme: Programme,
) -> None:
    match_round(programme, {ALEX: [PRIYA], CHRIS: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "MET 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "NOT CONTACTED"))
    with programme.app.uow() as uow:
        marked = {
            (i.mentee_id, i.not_contacted_at is not None)
            for i in uow.session.scalars(select(Introduction))
        }
        alex, chris = uow.repo.person_by_email(ALEX), uow.repo.person_by_email(CHRIS)
        assert alex is not None and chris is not None
    assert marked == {(alex.id, False), (chris.id, True)}
    noted = programme.last_to(PRIYA)
    assert "Chris Lee" in noted.text and "Alex Morgan" not in noted.text
    programme.send(programme.reply(noted, "NOT CONTACTED 1"))  # Alex, who met her
    assert "already recorded that you met Alex Morgan" in programme.last_to(PRIYA).text


def test_commands_about_a_pairing_that_ended(programme: Programme) -> None:
    for_alex, for_priya = paired(programme)
    programme.send(programme.reply(for_alex, "UNPAIR"))
    for command in ("MET 1h", "CONTINUE", "NOT RESPONDING"):
        programme.send(programme.reply(for_priya, command))
        assert "already ended on 20 May 2026" in programme.last_to(PRIYA).text, command
    assert meetings(programme) == []
    assert the_pairing(programme).silent_id is None


def test_a_note_after_met_is_kept_shown_exported_and_erased(programme: Programme) -> None:
    for_alex, _for_priya = paired(programme)
    programme.send(programme.reply(for_alex, "MET 1h 18/05 - Great chat about the CV"))
    [meeting] = meetings(programme)
    assert (meeting.minutes, meeting.met_on) == (60, date(2026, 5, 18))
    assert meeting.note == "Great chat about the CV"  # as written, not lower-cased
    logged = programme.last_to(ALEX)
    assert 'Your note: "Great chat about the CV"' in logged.text
    assert "Great chat" not in logged.subject
    programme.send(programme.reply(logged, "MY DATA"))
    [part] = list(programme.last_to(ALEX).message.iter_attachments())
    content = part.get_content()
    export = json.loads(content if isinstance(content, str) else content.decode("utf-8"))
    assert export["partnerships"][0]["meetings"][0]["note"] == "Great chat about the CV"
    programme.send(programme.reply(programme.last_to(ALEX), "DELETE MY DATA"))
    programme.send(programme.reply(programme.last_to(ALEX), "Yes"))
    [meeting] = meetings(programme)
    assert meeting.note == "" and meeting.minutes == 60  # the figures still add up


def test_an_unclear_length_with_a_note_is_still_refused(programme: Programme) -> None:
    for_alex, _for_priya = paired(programme)
    programme.send(programme.reply(for_alex, "MET a while - great chat"))
    assert meetings(programme) == []
    answer = programme.last_to(ALEX)
    assert "We could not do what you asked" in answer.subject
    assert "We could not read when you met" in answer.text  # why, in words
