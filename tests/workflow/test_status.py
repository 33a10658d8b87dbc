"""STATUS and HELP through the real pipeline: the right picture and commands at each stage,
and a coordinator's STATUS <email> answered to the coordinator."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime

from handlers.stage import stage_sentence
from service.config import ProgrammeConfig
from service.domain.model import (
    Approach,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
    RoundStatus,
)
from service.standing import Standing
from tests.harness import Programme
from tests.workflow.people_helpers import (
    MENTEE,
    MENTOR,
    ask,
    cast,
    introduce,
    pair,
    register,
)

COORDINATOR = "coordinators@civilservice.lgbt.example"


def _footer(text: str) -> str:
    return text.split("WHAT YOU CAN DO NOW", 1)[1]


def test_help_before_confirming_offers_confirm(programme: Programme) -> None:
    register(programme, MENTEE, "Alex", "Morgan", confirm=False)
    programme.send(programme.reply(programme.last_to(MENTEE), "HELP"))
    answer = programme.last_to(MENTEE)
    assert "What you can send" in answer.subject
    lines = answer.text.splitlines()
    assert "  CONFIRM" in lines  # the footer: the one list of commands
    assert "  HELP" not in lines  # HELP's answer does not offer HELP again
    assert "not confirmed your address yet" in answer.text
    assert "KEEP" not in answer.text


def test_help_in_speed_mentoring_offers_met_first_then_keep_and_none(
    programme: Programme,
) -> None:
    ids = cast(programme)
    introduce(programme, ids["mentor"], ids["mentee"], 1)
    programme.send(programme.reply(programme.last_to(MENTEE), "help"))
    before = programme.last_to(MENTEE).text.splitlines()
    # Nobody met yet: MET first; KEEP and NONE come once there is a choice to make.
    assert "  MET 1" in before  # their one speed match, by its number
    assert not [ln for ln in before if ln.startswith("  KEEP")] and "  NONE" not in before
    programme.send(programme.reply(programme.last_to(MENTEE), "MET 1"))
    programme.send(programme.reply(programme.last_to(MENTEE), "help"))
    answer = programme.last_to(MENTEE)
    lines = answer.text.splitlines()
    assert "  KEEP 1" in lines and "  NONE" in lines
    assert "  CONFIRM" not in lines
    assert "speed-mentoring stage: contact your mentors by 17 June 2026" in answer.text


def test_help_for_a_mentor_with_a_request_offers_accept_and_decline(programme: Programme) -> None:
    ids = cast(programme)
    introduce(programme, ids["mentor"], ids["mentee"], 1, IntroductionStatus.MET)
    ask(programme, ids["mentee"], ids["mentor"])
    programme.send(programme.reply(programme.last_to(MENTOR), "HELP"))
    answer = programme.last_to(MENTOR)
    lines = answer.text.splitlines()
    assert "  ACCEPT" in lines and "  DECLINE" in lines
    assert "please reply ACCEPT or DECLINE" in answer.text


def test_status_shows_registration_matches_request_and_never_a_characteristic(
    programme: Programme,
) -> None:
    ids = cast(programme)
    introduce(programme, ids["mentor"], ids["mentee"], 1, IntroductionStatus.MET)
    introduce(programme, ids["other"], ids["mentee"], 2)
    ask(programme, ids["mentee"], ids["mentor"])
    programme.send(programme.reply(programme.last_to(MENTEE), "STATUS"))
    answer = programme.last_to(MENTEE)
    assert answer.subject.startswith("Your place in the")
    text = answer.text
    assert "Grade: Executive Officer" in text
    assert "1. Priya Shah (your mentor): you have met" in text
    assert "2. Sam Oneill (your mentor): waiting for you to get in touch" in text
    assert "You asked Priya Shah on Wednesday 20 May 2026" in text
    # The request expires after 10 working days (25 May is a bank holiday).
    assert "Thursday 4 June 2026" in text
    assert "WITHDRAW REQUEST" in _footer(text)
    for part in (answer.text, answer.html):
        assert "Bisexual" not in part and "Trans" not in part


def test_status_of_a_paired_mentor_shows_the_partnership(programme: Programme) -> None:
    ids = cast(programme)
    pair(programme, ids["mentor"], ids["mentee"])
    programme.send(programme.reply(programme.last_to(MENTOR), "status"))
    text = programme.last_to(MENTOR).text
    assert "Your mentee is Alex Morgan" in text
    assert "0 meetings" in text
    assert "You are mentoring 1 long-term mentee." in text
    footer = _footer(text)
    assert "UNPAIR" in footer and "MET" in footer


def test_coordinator_status_answers_the_coordinator_not_the_participant(
    programme: Programme,
) -> None:
    ids = cast(programme)
    pair(programme, ids["mentor"], ids["mentee"])
    before = len(programme.inbox_of(MENTEE))
    report = programme.send(programme.plain(COORDINATOR, "A participant", f"STATUS {MENTEE}"))
    assert report.outcomes == {"processed": 1}
    assert len(programme.inbox_of(MENTEE)) == before
    answer = programme.last_to(COORDINATOR)
    assert answer.subject.startswith("Alex Morgan: their place in the")
    assert "Hello coordinators," in answer.text
    assert "Here is what we hold about Alex Morgan's place" in answer.text
    assert "Alex Morgan's mentor is Priya Shah" in answer.text
    assert "Alex Morgan has a long-term mentor." in answer.text
    # Spoken about the participant, not to the coordinator as if they were them.
    body = answer.text.split("Here is what we hold", 1)[1].split("Reply to this email", 1)[0]
    for second_person in ("You have", "Your mentor", "Your partnership", "your place", "MET."):
        assert second_person not in body
    assert "Bisexual" not in answer.text and "Bisexual" not in answer.html


def test_replayed_status_sends_nothing_new(programme: Programme) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    ask_status = programme.reply(programme.last_to(MENTEE), "STATUS")
    programme.send(ask_status)
    count = len(programme.sent())
    report = programme.send(ask_status)
    assert report.repeats == 1
    assert len(programme.sent()) == count


# --- the stage sentence, as a plain function -----------------------------------------

NOW = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)


def _standing(**kw: object) -> Standing:
    person = Person(email="a@b.gov.uk", first_name="A", last_name="B", created_at=NOW, id=1)
    round_ = Round(
        name="2026",
        opens_at=datetime(2026, 5, 1, tzinfo=UTC),
        closes_at=datetime(2026, 6, 1, tzinfo=UTC),
        created_at=NOW,
        id=1,
    )
    reg = Registration(
        round_id=1,
        person_id=1,
        roles="mentee",
        grade="EO",
        department="DWP",
        profession="Policy",
        created_at=NOW,
        status=RegistrationStatus.CONFIRMED,
    )
    return Standing(person=person, round=round_, registration=reg, **kw)  # type: ignore[arg-type]


def test_stage_sentences_follow_the_most_pressing_thing(config: ProgrammeConfig) -> None:
    assert "matching people now" in stage_sentence(_standing(), NOW, config)
    late = Introduction(
        round_id=1,
        mentor_id=2,
        mentee_id=1,
        number=1,
        created_at=NOW,
        status=IntroductionStatus.MET,
        sent_at=datetime(2026, 5, 2, tzinfo=UTC),
    )
    assert "KEEP" in stage_sentence(_standing(introductions_as_mentee=[late]), NOW, config)
    pending = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    assert "15 July 2026" in stage_sentence(  # 10 working days after Wednesday 1 July
        _standing(introductions_as_mentee=[late], pending_approach=pending), NOW, config
    )
    pairing = Pairing(
        round_id=1,
        mentor_id=2,
        mentee_id=1,
        started_at=NOW,
        ends_at=datetime(2027, 7, 1, tzinfo=UTC),
    )
    assert "runs until 1 July 2027" in stage_sentence(_standing(pairings=[pairing]), NOW, config)
    withdrawn = _standing()
    assert withdrawn.registration is not None
    withdrawn.registration.status = RegistrationStatus.WITHDRAWN
    withdrawn.registration.withdrawn_at = NOW
    assert "You left the 2026 round on 1 July 2026" in stage_sentence(withdrawn, NOW, config)
    assert "not registered" in stage_sentence(Standing(person=_standing().person), NOW, config)


def test_every_stage_sentence_has_a_third_person_form_for_coordinators(
    config: ProgrammeConfig,
) -> None:
    intro = Introduction(
        round_id=1,
        mentor_id=2,
        mentee_id=1,
        number=1,
        created_at=NOW,
        status=IntroductionStatus.SENT,
        sent_at=datetime(2026, 6, 20, tzinfo=UTC),
    )
    as_mentor = Introduction(
        round_id=1, mentor_id=1, mentee_id=3, number=1, created_at=NOW, sent_at=NOW
    )
    pending = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    asked = Approach(round_id=1, mentee_id=3, mentor_id=1, created_at=NOW)
    ends = datetime(2027, 7, 1, tzinfo=UTC)
    as_mentee = Pairing(round_id=1, mentor_id=2, mentee_id=1, started_at=NOW, ends_at=ends)
    mentoring = Pairing(round_id=1, mentor_id=1, mentee_id=3, started_at=NOW, ends_at=ends)
    erased = _standing()
    erased.person.erased_at = NOW
    withdrawn = _standing()
    assert withdrawn.registration is not None
    withdrawn.registration.status = RegistrationStatus.WITHDRAWN
    unconfirmed = _standing()
    assert unconfirmed.registration is not None
    unconfirmed.registration.status = RegistrationStatus.PENDING_CONFIRMATION
    open_round = _standing()
    assert open_round.round is not None
    open_round.round.closes_at = datetime(2026, 8, 1, tzinfo=UTC)
    sent_round = _standing()
    assert sent_round.round is not None
    sent_round.round.status = RoundStatus.SENT
    sent_round.round.matches_sent_at = NOW
    places = [
        erased,
        _standing(approaches_to_answer=[asked]),
        _standing(pairings=[as_mentee]),
        _standing(pairings=[mentoring]),
        _standing(pending_approach=pending),
        Standing(person=_standing().person),
        withdrawn,
        unconfirmed,
        _standing(introductions_as_mentee=[intro]),
        _standing(
            introductions_as_mentee=[replace(intro, sent_at=datetime(2026, 5, 1, tzinfo=UTC))]
        ),
        _standing(introductions_as_mentor=[as_mentor]),
        open_round,
        sent_round,
        _standing(),
    ]
    sentences = set()
    for place in places:
        theirs = stage_sentence(place, NOW, config, about="Sam Lee")
        yours = stage_sentence(place, NOW, config)
        assert "Sam Lee" in theirs and "Sam Lee" not in yours
        assert not re.search(r"\b(you|your)\b", theirs, flags=re.I), theirs
        sentences.add(theirs)
    assert len(sentences) == len(places)  # every place has its own sentence
