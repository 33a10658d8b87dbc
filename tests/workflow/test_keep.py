"""KEEP refusals: one mentor at a time, and only your own speed mentors."""

from __future__ import annotations

from sqlalchemy import select

from service.domain.model import Approach, ApproachStatus
from tests.harness import Programme
from tests.workflow.matched import match_round

ALEX = "alex.morgan@homeoffice.gov.uk"
CHRIS = "chris.lee@homeoffice.gov.uk"
PRIYA = "priya.shah@hmrc.gov.uk"
SAM = "sam.oneill@justice.gov.uk"
JO = "jo.evans@gov.wales"
ZOE = "zoë.brien@dft.gov.uk"


def approaches(programme: Programme) -> list[Approach]:
    with programme.app.uow() as uow:
        return list(uow.session.scalars(select(Approach)).all())


def test_keep_by_name_address_or_first_name(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM], CHRIS: [JO, SAM]})
    programme.send(programme.reply(programme.last_to(ALEX), "keep SAM ONEILL"))
    programme.send(programme.reply(programme.last_to(CHRIS), f"KEEP {JO}"))
    with programme.app.uow() as uow:
        sam, jo = uow.repo.person_by_email(SAM), uow.repo.person_by_email(JO)
        assert sam is not None and jo is not None
        by_mentor = {a.mentor_id for a in approaches(programme)}
    assert by_mentor == {sam.id, jo.id}


def test_keep_a_mentor_who_was_never_yours_is_refused(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM], CHRIS: [JO]})
    programme.send(programme.reply(programme.last_to(ALEX), f"KEEP {JO}"))
    refusal = programme.last_to(ALEX)
    assert "Jo Evans was not one of your speed mentors" in refusal.text
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP Jo"))
    assert "None of your speed mentors is called Jo" in programme.last_to(ALEX).text
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 3"))
    assert "You do not have a number 3" in programme.last_to(ALEX).text
    assert approaches(programme) == []
    assert not [m for m in programme.inbox_of(JO) if "would like you" in m.subject]


def test_keep_while_a_request_is_pending_names_it_and_how_to_withdraw(
    programme: Programme,
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]})
    matches = programme.last_to(ALEX)
    programme.send(programme.reply(matches, "KEEP 1"))
    programme.send(programme.reply(matches, "KEEP 2"))
    refusal = programme.last_to(ALEX)
    assert "You already asked Priya Shah on 20 May 2026" in refusal.text
    # When the request expires: 10 working days (25 May is a bank holiday).
    assert "4 June 2026" in refusal.text
    assert "WITHDRAW REQUEST" in refusal.text
    assert [a.status for a in approaches(programme)] == [ApproachStatus.PENDING]
    assert not [m for m in programme.inbox_of(SAM) if "would like you" in m.subject]


def test_keep_while_paired_is_refused(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM]}, capacity={SAM: 2})
    matches = programme.last_to(ALEX)
    programme.send(programme.reply(matches, "KEEP 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "ACCEPT"))
    programme.send(programme.reply(matches, "KEEP 2"))
    assert "already have a long-term mentor" in programme.last_to(ALEX).text
    assert len(approaches(programme)) == 1


def test_keep_a_mentor_with_no_place_left_suggests_the_others(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA], CHRIS: [PRIYA, JO]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(PRIYA), "ACCEPT"))
    programme.send(programme.reply(programme.last_to(CHRIS), "KEEP Priya"))
    refusal = programme.last_to(CHRIS)
    assert "Priya Shah cannot take on another long-term mentee this round" in refusal.text
    assert "KEEP 2 for Jo Evans" in refusal.text
    assert len(approaches(programme)) == 1


def test_commands_from_someone_who_is_not_taking_part(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    # No token: the From header alone proves nothing, so nothing changes.
    report = programme.send(programme.plain("stranger@example.org", "KEEP 1", "KEEP 1"))
    assert report.outcomes == {"needs_attention": 1}
    # A participant's forged command without the token is not acted on either.
    report = programme.send(programme.plain(ALEX, "KEEP 1", "KEEP 1"))
    assert report.outcomes == {"needs_attention": 1}
    assert approaches(programme) == []
    assert programme.inbox_of("stranger@example.org") == []


def test_a_mentor_who_is_not_a_mentee_cannot_keep(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA]})
    programme.send(programme.reply(programme.last_to(PRIYA), "KEEP 1"))
    assert "We have not sent you any speed-mentoring matches" in programme.last_to(PRIYA).text
    assert approaches(programme) == []


def test_requests_waiting_for_a_mentor_who_fills_up_are_closed_at_once(
    programme: Programme,
) -> None:
    # Alex and Chris both ask Priya, who offered one place; she accepts Alex.
    match_round(programme, {ALEX: [PRIYA], CHRIS: [PRIYA, JO]})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(CHRIS), "KEEP 1"))
    alex_request = next(m for m in programme.inbox_of(PRIYA) if "would like you" in m.subject)
    programme.send(programme.reply(alex_request, "ACCEPT"))
    closed = programme.last_to(CHRIS)
    assert "They have now filled all the long-term places they offered" in closed.text
    assert "2. Jo Evans" in closed.text
    statuses = sorted(a.status.value for a in approaches(programme))
    assert statuses == [ApproachStatus.ACCEPTED.value, ApproachStatus.EXPIRED.value]
    # Chris is free to ask Jo straight away.
    programme.send(programme.reply(closed, "KEEP 2"))
    assert [m for m in programme.inbox_of(JO) if "would like you" in m.subject]


def test_a_mentor_with_a_place_left_keeps_the_other_requests(programme: Programme) -> None:
    match_round(programme, {ALEX: [PRIYA], CHRIS: [PRIYA]}, capacity={PRIYA: 2})
    programme.send(programme.reply(programme.last_to(ALEX), "KEEP 1"))
    programme.send(programme.reply(programme.last_to(CHRIS), "KEEP 1"))
    alex_request = next(m for m in programme.inbox_of(PRIYA) if "would like you" in m.subject)
    programme.send(programme.reply(alex_request, "ACCEPT"))
    assert sorted(a.status.value for a in approaches(programme)) == [
        ApproachStatus.ACCEPTED.value,
        ApproachStatus.PENDING.value,
    ]


def test_the_footer_names_each_match_that_may_be_kept_or_is_not_yet_met(
    programme: Programme,
) -> None:
    match_round(programme, {ALEX: [PRIYA, SAM, JO, "kim.lowe@dwp.gov.uk"]})
    programme.send(programme.reply(programme.last_to(ALEX), "MET 2"))
    programme.send(programme.reply(programme.last_to(ALEX), "HELP"))
    lines = programme.last_to(ALEX).text.splitlines()
    assert "  KEEP 1, 2, 3 or 4" in lines
    assert "  MET 1, 3 or 4" in lines  # number 2 is met
