"""A verified coordinator's corrections by email, through the real pipeline and Maildir.

PAIR, REOPEN, EDIT/DELETE MEETING, NOTE, RESEND and REINSTATE act only on mail the
receiving host verified as the coordinators' (a confirmation round trip could not carry
their arguments); each is recorded with the sender's address and answered with what was
done and who was told. From a participant the same words are their own, not a command.
"""

from __future__ import annotations

from sqlalchemy import select

from service.domain.model import PairingStatus, RegistrationStatus
from service.store.records import Correction
from tests.harness import Programme
from tests.workflow.people_helpers import MENTEE, MENTOR, OTHER_MENTOR, cast, pair, person_id

COORDINATOR = "coordinators@civilservice.lgbt.example"


def _corrections(programme: Programme) -> list[Correction]:
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(Correction).order_by(Correction.id)).all())  # type: ignore[arg-type]


def test_pair_by_email_tells_both_and_answers_the_coordinator(programme: Programme) -> None:
    cast(programme)
    report = programme.send(
        programme.plain(COORDINATOR, "Correction", f"PAIR {OTHER_MENTOR} {MENTEE}")
    )
    assert report.outcomes == {"processed": 1}
    assert "A coordinator has paired you with Sam Oneill" in programme.last_to(MENTEE).text
    assert "A coordinator has paired you with Alex Morgan" in programme.last_to(OTHER_MENTOR).text
    done = programme.last_to(COORDINATOR)
    assert done.subject.startswith("Correction made: paired by hand")
    assert "Done: paired Alex Morgan with Sam Oneill by hand." in done.text
    assert "We have emailed Alex Morgan and Sam Oneill about it." in done.text
    [made] = _corrections(programme)
    assert (made.coordinator, made.action) == (COORDINATOR, "pairing.paired")


def test_an_unverified_coordinator_correction_changes_nothing(programme: Programme) -> None:
    cast(programme)
    before = len(programme.sent())
    line = f"PAIR {OTHER_MENTOR} {MENTEE}"
    report = programme.send(programme.plain(COORDINATOR, "Correction", line, verified=False))
    assert report.outcomes == {"needs_attention": 1}
    assert len(programme.sent()) == before and _corrections(programme) == []
    with programme.app.uow() as uow:
        assert uow.repo.active_pairing_of_mentee(person_id(programme, MENTEE)) is None


def test_a_participant_writing_note_is_not_giving_a_command(programme: Programme) -> None:
    cast(programme)
    report = programme.send(
        programme.reply(programme.last_to(MENTEE), f"Note {MENTOR} I will be away in August")
    )
    assert report.outcomes == {"needs_attention": 1}
    assert _corrections(programme) == []
    assert "We have passed it to the coordinators" in programme.last_to(MENTEE).text


def test_meeting_fix_note_and_status_story_by_email(programme: Programme) -> None:
    ids = cast(programme)
    pair(programme, ids["mentor"], ids["mentee"])
    programme.send(programme.reply(programme.last_to(MENTEE), "MET 45 mins yesterday"))
    programme.send(programme.reply(programme.last_to(MENTEE), "MET 30 mins yesterday"))
    for line in (
        f"EDIT MEETING {MENTEE} 2 1 hour",
        f"DELETE MEETING {MENTEE} 1",
        f"NOTE {MENTEE} {MENTOR} Both asked for evening meetings",
    ):
        assert programme.send(programme.plain(COORDINATOR, "Fix", line)).outcomes == {
            "processed": 1
        }
    with programme.app.uow() as uow:
        [meeting] = uow.repo.meetings(uow.repo.all_pairings()[0].id or 0)
        assert meeting.minutes == 60
    # A mistake is answered in one sentence, and changes nothing.
    programme.send(programme.plain(COORDINATOR, "Fix", f"DELETE MEETING {MENTEE} 4"))
    refused = programme.last_to(COORDINATOR)
    assert refused.subject.startswith("Not done")
    assert "We have changed nothing: There is no meeting 4: that person has 1 logged" in (
        refused.text
    )
    programme.send(programme.plain(COORDINATOR, "Who?", f"STATUS {MENTEE}"))
    answer = programme.last_to(COORDINATOR)
    [story] = [
        part.get_content()
        for part in answer.message.iter_attachments()
        if part.get_filename() == "story.txt"
    ]
    assert f"{COORDINATOR} changed meeting 2 of Alex Morgan from 30 minutes" in story
    assert f"{COORDINATOR} deleted meeting 1 of Alex Morgan (45 minutes" in story
    assert "Both asked for evening meetings" in story
    assert "Bisexual" not in story
    assert "The attached story.txt tells their whole story" in answer.text
    # The note is about both: Priya's story has it too.
    with programme.app.uow() as uow:
        assert len(uow.repo.corrections_about(ids["mentor"])) == 3


def test_resend_sends_the_same_email_again_once_per_request(programme: Programme) -> None:
    cast(programme)
    first = programme.last_to(MENTEE)
    ask = programme.plain(COORDINATOR, "Resend", f"RESEND {MENTEE} registration_received")
    before = len(programme.inbox_of(MENTEE))
    programme.send(ask)
    again = programme.inbox_of(MENTEE)
    assert len(again) == before + 1
    original = next(m for m in again if m.subject == again[-1].subject)
    assert again[-1].message_id != original.message_id
    assert again[-1].text == original.text
    assert programme.send(ask).repeats == 1  # the same request replayed sends nothing
    assert len(programme.inbox_of(MENTEE)) == before + 1
    programme.send(programme.plain(COORDINATOR, "Resend", f"RESEND {MENTEE} registration_received"))
    assert len(programme.inbox_of(MENTEE)) == before + 2  # a new request: a new copy
    assert first.to == again[-1].to


def test_withdraw_reinstate_and_reopen_by_email(programme: Programme) -> None:
    ids = cast(programme)
    pairing = pair(programme, ids["mentor"], ids["mentee"])
    programme.send(programme.plain(COORDINATOR, "Leaving", f"WITHDRAW {MENTEE}"))
    programme.send(programme.plain(COORDINATOR, "Mistake", f"REINSTATE {MENTEE}"))
    programme.send(programme.plain(COORDINATOR, "Mistake", f"REOPEN {MENTEE} {MENTOR}"))
    with programme.app.uow() as uow:
        reg = uow.repo.registrations_of(ids["mentee"])[0]
        assert reg.status is RegistrationStatus.CONFIRMED
        reopened = uow.repo.pairing(pairing)
        assert reopened is not None and reopened.status is PairingStatus.ACTIVE
    actions = [c.action for c in _corrections(programme)]
    assert actions == ["registration.withdrawn", "registration.reinstated", "pairing.reopened"]
    assert "open again" in programme.last_to(MENTOR).subject
