"""From speed-mentoring matches to a long-term pairing and back, by email replies only.

Every step goes through the real pipeline on the Maildir transport: a reply to one of
the emails the service sent, with its token, and the state and emails checked after.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import select

from service import clock
from service.domain.model import (
    Approach,
    ApproachStatus,
    AuditEvent,
    EndReason,
    Introduction,
    IntroductionStatus,
    Meeting,
    Pairing,
    PairingStatus,
)
from service.store.records import OutboundMessage
from tests.harness import Programme, Sent
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
CHRIS = "chris.lee@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"
SAM = "sam.oneill@justice.gov.uk"
JO = "jo.evans@gov.wales"


def approaches(programme: Programme) -> list[Approach]:
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(Approach)).all())


def pairings(programme: Programme) -> list[Pairing]:
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(Pairing)).all())


def introductions(programme: Programme) -> list[Introduction]:
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(Introduction)).all())


def about(programme: Programme, address: str, words: str) -> list[Sent]:
    """The emails to `address` whose subject contains `words`."""
    return [m for m in programme.inbox_of(address) if words in m.subject]


def outbound_count(programme: Programme) -> int:
    with programme.app.uow() as uow:
        return len(uow.session.scalars(select(OutboundMessage)).all())


def test_happy_path_keep_accept_meet_unpair(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM, JO]})
    matches = programme.last_to(ALEX)

    programme.send(programme.reply(matches, "KEEP 2"))
    [approach] = approaches(programme)
    assert approach.status is ApproachStatus.PENDING
    sam = {i.number: i for i in introductions(programme)}[2]
    assert sam.status is IntroductionStatus.MET  # asking to keep them means they met
    request = programme.last_to(SAM)
    assert "Alex Morgan would like you to be their long-term mentor" in request.subject
    assert "ACCEPT" in request.text
    sent = programme.last_to(ALEX)
    assert "Sam" in sent.subject and "WITHDRAW REQUEST" in sent.text

    programme.send(programme.reply(request, "ACCEPT"))
    [pairing] = pairings(programme)
    assert pairing.status is PairingStatus.ACTIVE
    assert approaches(programme)[0].status is ApproachStatus.ACCEPTED
    started_for_alex = [m for m in programme.inbox_of(ALEX) if "starts now" in m.subject]
    started_for_sam = [m for m in programme.inbox_of(SAM) if "starts now" in m.subject]
    assert len(started_for_alex) == 1 and len(started_for_sam) == 1
    assert "has said yes. They are now your mentor" in started_for_alex[0].text
    assert "Thank you for agreeing to mentor Alex Morgan" in started_for_sam[0].text

    programme.send(programme.reply(started_for_alex[0], "MET 45 mins yesterday"))
    logged = programme.last_to(ALEX)
    assert "Meeting logged" in logged.subject
    with programme.app.uow() as uow:
        [meeting] = uow.session.scalars(select(Meeting)).all()
    assert meeting.minutes == 45
    assert meeting.met_on == date(2026, 5, 19)
    assert "0.8 CPD points" in logged.text

    programme.send(programme.reply(started_for_sam[0], "UNPAIR\nI have changed role."))
    [pairing] = pairings(programme)
    assert pairing.status is PairingStatus.ENDED
    assert pairing.end_reason is EndReason.UNPAIRED_BY_MENTOR
    [notice] = about(programme, ALEX, "has ended")
    assert "changed role" not in notice.text  # never the other person's reason
    assert "blame" in notice.text
    confirmation = programme.last_to(SAM)
    assert "You've ended your mentoring partnership" in confirmation.subject
    # The mentor ended it within six months: Alex may choose again among the others.
    [new_choice] = about(programme, ALEX, "Choose a new mentor")
    options = new_choice.text.split("These speed mentors")[1].split("Reply KEEP")[0]
    assert "Priya Shah" in options and "Jo Evans" in options and "Sam" not in options


def test_a_bare_yes_to_the_request_accepts_it(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "keep Priya please"))
    programme.send(programme.reply(programme.last_to(PRIYA), "Yes, happy to!"))
    [pairing] = pairings(programme)
    assert pairing.active and pairing.mentor_id != pairing.mentee_id


def test_decline_frees_the_mentee_to_ask_another(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM, JO]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "DECLINE"))
    assert approaches(programme)[0].status is ApproachStatus.DECLINED
    declined = programme.last_to(ALEX)
    assert "About your request to Priya Shah" in declined.subject
    assert "This is not about you" in declined.text
    assert "Sam Oneill" in declined.text and "Jo Evans" in declined.text
    assert "declined" in programme.last_to(PRIYA).subject

    programme.send(programme.reply(declined, "KEEP 3"))
    assert [a.status for a in approaches(programme)] == [
        ApproachStatus.DECLINED,
        ApproachStatus.PENDING,
    ]
    # Priya said no: asking her again is refused kindly.
    programme.send(programme.reply(declined, "WITHDRAW REQUEST"))
    programme.send(programme.reply(declined, "KEEP 1"))
    assert "already said they cannot be your long-term mentor" in programme.last_to(ALEX).text


def test_withdraw_request_tells_the_mentor(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(ALEX), "WITHDRAW REQUEST"))
    assert approaches(programme)[0].status is ApproachStatus.WITHDRAWN
    assert "has withdrawn their request" in programme.last_to(PRIYA).subject
    assert "withdrawn" in programme.last_to(ALEX).subject
    # The mentor answering the old request is told it is no longer open.
    [request] = about(programme, PRIYA, "would like you")
    programme.send(programme.reply(request, "ACCEPT"))
    assert pairings(programme) == []
    assert "withdrew this request" in programme.last_to(PRIYA).text


def test_none_ends_the_round_with_thanks(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    matches = programme.last_to(ALEX)
    programme.send(programme.reply(matches, "MET 1"))
    programme.send(programme.reply(matches, "NONE"))
    thanks = programme.last_to(ALEX)
    assert "Thank you for taking part" in thanks.subject
    assert "You met 1 mentor" in thanks.text
    assert {i.status for i in introductions(programme)} == {IntroductionStatus.CLOSED}
    with programme.app.uow() as uow:
        actions = [e.action for e in uow.session.scalars(select(AuditEvent)).all()]
    assert "mentee.kept_none" in actions
    programme.send(programme.reply(matches, "NONE"))
    assert "Already done" in programme.last_to(ALEX).subject


def test_none_is_refused_while_a_request_waits_or_while_paired(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    matches = programme.last_to(ALEX)
    programme.send(programme.reply(matches, "KEEP 1"))
    programme.send(programme.reply(matches, "NONE"))
    assert "WITHDRAW REQUEST" in programme.last_to(ALEX).text
    assert approaches(programme)[0].status is ApproachStatus.PENDING
    programme.send(programme.reply(programme.last_to(PRIYA), "ACCEPT"))
    programme.send(programme.reply(matches, "NONE"))
    refusal = programme.last_to(ALEX)
    assert "Priya Shah is your long-term mentor" in refusal.text and "UNPAIR" in refusal.text
    assert pairings(programme)[0].active


def test_accept_beyond_capacity_is_refused(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA], CHRIS: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(CHRIS), "KEEP 1"))
    first, second = [m for m in programme.inbox_of(PRIYA) if "would like you" in m.subject]
    # Two requests are waiting: a bare ACCEPT that answers neither email is ambiguous.
    programme.send(programme.reply(first, "yes"))
    assert len(pairings(programme)) == 1
    programme.send(programme.reply(second, "ACCEPT"))
    assert len(pairings(programme)) == 1
    refusal = programme.last_to(PRIYA)
    # Chris's request was closed when Priya's only place filled, not left to expire.
    assert "as many long-term mentees as you offered" in refusal.text
    assert "reply CAPACITY with your new number" in refusal.text
    assert {a.status for a in approaches(programme)} == {
        ApproachStatus.ACCEPTED,
        ApproachStatus.EXPIRED,
    }


def test_accept_twice_is_already_done(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    request = programme.last_to(PRIYA)
    programme.send(programme.reply(request, "ACCEPT"))
    before = len(programme.inbox_of(ALEX))
    programme.send(programme.reply(request, "ACCEPT"))
    assert "Already done" in programme.last_to(PRIYA).subject
    assert len(pairings(programme)) == 1
    assert len(programme.inbox_of(ALEX)) == before


def test_replaying_the_same_reply_sends_nothing_new(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    keep = programme.reply(programme.last_to(ALEX), "KEEP 1")
    programme.send(keep)
    count = outbound_count(programme)
    report = programme.send(keep)
    assert report.repeats == 1
    assert outbound_count(programme) == count
    assert len(approaches(programme)) == 1


def test_unpair_by_the_mentee_after_six_months_offers_no_new_choice(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "ACCEPT"))
    started = programme.last_to(ALEX)
    frozen.tick(timedelta(days=200))
    programme.send(programme.reply(started, "UNPAIR"))
    # A reply token that old is confirmed by email before anything ends.
    assert pairings(programme)[0].end_reason is None
    programme.send(programme.reply(programme.last_to(ALEX), "CONFIRM"))
    [pairing] = pairings(programme)
    assert pairing.end_reason is EndReason.UNPAIRED_BY_MENTEE
    programme.send_held(frozen)  # Priya hears in working hours, whenever Alex wrote
    assert "Your long-term place is free again" in programme.last_to(PRIYA).text
    assert not about(programme, ALEX, "Choose a new mentor")
    # The mentor's place is free again: another mentee could now be accepted.
    programme.send(programme.reply(programme.last_to(ALEX), "UNPAIR"))
    assert "Already done" in programme.last_to(ALEX).subject


def test_mentor_unpair_after_six_months_offers_no_new_choice(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "ACCEPT"))
    frozen.tick(timedelta(days=200))
    programme.send(programme.reply(programme.last_to(PRIYA), "UNPAIR"))
    programme.send(programme.reply(programme.last_to(PRIYA), "CONFIRM"))  # an old token
    assert pairings(programme)[0].end_reason is EndReason.UNPAIRED_BY_MENTOR
    assert not about(programme, ALEX, "Choose a new mentor")


def test_news_to_the_other_person_waits_for_working_hours(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    """Issue 16: only an answer to a person's own email goes out whenever it came. Alex's
    KEEP on a Saturday night is answered at once; the request it makes reaches Priya on
    the next working morning (Monday 25 May 2026 is a bank holiday)."""
    match_round(programme, {ALEX: [PRIYA, SAM]})
    frozen.move_to(datetime(2026, 5, 23, 21, 30, tzinfo=UTC))
    before = len(programme.inbox_of(PRIYA))
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    answer = programme.last_to(ALEX)
    assert answer.message["In-Reply-To"] and "Priya" in answer.text  # at once, in its thread
    assert len(programme.inbox_of(PRIYA)) == before
    programme.process()  # later passes that night send nothing to her either
    assert len(programme.inbox_of(PRIYA)) == before
    programme.send_held(frozen)
    assert clock.now() == datetime(2026, 5, 26, 7, 0, tzinfo=UTC)  # 08:00 in London
    assert "would like you to be their long-term mentor" in programme.last_to(PRIYA).subject
    assert len(programme.inbox_of(PRIYA)) == before + 1
