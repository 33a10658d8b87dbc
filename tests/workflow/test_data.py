"""MY DATA and DELETE MY DATA through the real pipeline."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import select

from service.domain.model import (
    Approach,
    ApproachStatus,
    AuditEvent,
    EndReason,
    IntroductionStatus,
    Pairing,
    PairingStatus,
    Person,
    Registration,
)
from service.store.orm import outbound_messages
from service.store.records import InboundMessage, OutboundMessage, ReplyToken
from tests.harness import Programme, Sent
from tests.workflow.people_helpers import (
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    ask,
    cast,
    introduce,
    pair,
    person,
)


def _attachment(mail: Sent) -> dict[str, object]:
    [part] = list(mail.message.iter_attachments())
    assert part.get_filename() == "my-mentoring-data.json"
    data = part.get_content()
    return json.loads(data if isinstance(data, str) else data.decode("utf-8"))  # type: ignore[no-any-return]


def test_my_data_sends_a_summary_and_the_json_with_only_their_own_characteristics(
    programme: Programme,
) -> None:
    ids = cast(programme)
    introduce(programme, ids["mentor"], ids["mentee"], 1, IntroductionStatus.MET)
    pair(programme, ids["mentor"], ids["mentee"])
    programme.send(programme.reply(programme.last_to(MENTEE), "MY DATA"))
    mail = programme.last_to(MENTEE)
    assert "A copy of the information we hold about you" in mail.subject
    assert "Executive Officer" in mail.text and "Priya Shah" in mail.text
    for part in (mail.text, mail.html):
        assert "Bisexual" not in part
    export = _attachment(mail)
    person_data = export["person"]
    assert isinstance(person_data, dict) and person_data["email"] == MENTEE
    regs = export["registrations"]
    assert isinstance(regs, list) and len(regs) == 1
    reg = regs[0]
    assert reg["characteristics"] == ["Bisexual"]
    partnerships = export["partnerships"]
    assert isinstance(partnerships, list) and partnerships[0]["with"] == "Priya Shah"
    raw = json.dumps(export)
    assert "Trans" not in raw  # the mentor's characteristic is never in someone else's copy
    assert MENTOR not in raw  # nor their address


def _erase_round_trip(programme: Programme) -> tuple[dict[str, int], Sent]:
    """Erase the mentee; returns the ids and the first email they had from us (kept
    here, because our own copies of their mail are erased too)."""
    ids = cast(programme)
    first = programme.inbox_of(MENTEE)[0]
    pair(programme, ids["mentor"], ids["mentee"])
    introduce(programme, ids["other"], ids["mentee"], 2)
    programme.send(programme.reply(programme.last_to(MENTEE), "DELETE MY DATA"))
    question = programme.last_to(MENTEE)
    assert "Please confirm" in question.subject
    assert "your mentoring partnership with Priya Shah ends" in question.text
    # Nothing is erased by the request alone.
    assert not person(programme, ids["mentee"]).erased
    programme.send(programme.reply(question, "Yes"))
    return ids, first


def test_delete_my_data_asks_then_erases_and_tells_the_partner(programme: Programme) -> None:
    ids, _first = _erase_round_trip(programme)
    erased = person(programme, ids["mentee"])
    assert erased.erased
    assert erased.email == f"erased-{ids['mentee']}@invalid"
    assert erased.first_name == "" and erased.last_name == ""
    # The goodbye and the partners' notices were sent, then our copies of them erased
    # (they name Alex): the sent folder keeps nothing to or about them.
    assert not programme.inbox_of(MENTEE)
    assert not [s for s in programme.sent() if "Alex Morgan" in s.subject]
    with programme.app.uow() as uow:
        sent = {
            (m.template, m.to_address)
            for m in uow.session.scalars(select(OutboundMessage)).all()
            if m.status.value == "sent"
        }
        assert ("erasure_done", erased.email) in sent
        # Only the partner hears; the open speed match with the other mentor closes
        # without a word (issue 16: no surprises).
        assert ("partner_withdrew", MENTOR) in sent
        assert not [m for m in sent if m[1] == OTHER_MENTOR and m[0] == "partner_withdrew"]
    with programme.app.uow() as uow:
        [pairing] = uow.session.scalars(select(Pairing)).all()
        assert pairing.status is PairingStatus.ENDED
        assert pairing.end_reason is EndReason.DATA_ERASED
        reg = next(
            r
            for r in uow.session.scalars(select(Registration)).all()
            if r.person_id == ids["mentee"]
        )
        assert (reg.characteristics, reg.bio, reg.job_title) == ("", "", "")
        assert not reg.wants_shared_characteristic
        mine = [
            m
            for m in uow.session.scalars(select(InboundMessage)).all()
            if m.person_id == ids["mentee"]
        ]
        assert mine and all(m.raw == b"" and m.key for m in mine)
        # The form that registered them (with their answers) is blanked too.
        everything = uow.session.scalars(select(InboundMessage)).all()
        assert not [m for m in everything if b"Bisexual" in m.raw or MENTEE.encode() in m.raw]
        assert [m for m in everything if b"Trans" in m.raw]  # the mentor's form stays
        to_them = [
            m
            for m in uow.session.scalars(select(OutboundMessage)).all()
            if m.person_id == ids["mentee"]
        ]
        assert to_them and all(m.raw == b"" for m in to_them)
        assert all(m.to_address == erased.email for m in to_them)
        tokens = uow.session.scalars(select(ReplyToken)).all()
        assert not [t for t in tokens if t.person_id == ids["mentee"]]
        details = json.dumps([e.detail for e in uow.session.scalars(select(AuditEvent)).all()])
        assert "Alex" not in details and MENTEE not in details


def test_after_erasure_old_tokens_do_nothing_and_replays_send_nothing(
    programme: Programme,
) -> None:
    _ids, old = _erase_round_trip(programme)
    # An email sent before the erasure still carries its (now deleted) token.
    count = len(programme.sent())
    report = programme.send(programme.reply(old, "STATUS", sender=MENTEE))
    # Recognised by the tombstone's salted hash: not acted on, not answered, not kept.
    assert report.outcomes == {"ignored": 1}
    assert len(programme.sent()) == count
    assert not [p for p in programme.folder("ignored") if MENTEE.encode() in p.read_bytes()]


def test_a_yes_without_the_erasure_question_erases_nothing(programme: Programme) -> None:
    ids = cast(programme)
    ask(programme, ids["mentee"], ids["mentor"])
    # A bare "yes" to an email that asked no erasure question deletes nothing.
    programme.send(programme.reply(programme.last_to(MENTEE), "Yes"))
    assert not person(programme, ids["mentee"]).erased
    # "Delete my data" through an ordinary token only asks.
    programme.send(programme.reply(programme.last_to(MENTEE), "DELETE MY DATA"))
    assert not person(programme, ids["mentee"]).erased
    assert "Please confirm" in programme.last_to(MENTEE).subject
    programme.send(programme.reply(programme.last_to(MENTEE), "DELETE MY DATA"))
    assert person(programme, ids["mentee"]).erased  # the second answered the question
    with programme.app.uow() as uow:
        [approach] = uow.session.scalars(select(Approach)).all()
        assert approach.status is ApproachStatus.WITHDRAWN
        mentor = uow.session.get(Person, ids["mentor"])
        assert mentor is not None and not mentor.erased
        # Not told: an erasure emails only a partner in an active partnership, and a
        # request is not one (issue 16: no surprises). The request simply closed.
        told = uow.session.scalars(
            select(OutboundMessage).where(outbound_messages.c.template == "approach_withdrawn")
        ).all()
        assert told == []


def test_the_erasure_question_counts_for_the_configured_days(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    config = programme.app.config
    programme.app.config = replace(config, limits=replace(config.limits, erasure_confirm_days=2))
    ids = cast(programme)
    programme.send(programme.reply(programme.last_to(MENTEE), "DELETE MY DATA"))
    question = programme.last_to(MENTEE)
    assert "Friday 22 May 2026" in question.text  # two days from Wednesday 20 May
    frozen.tick(timedelta(days=3))
    programme.send(programme.reply(question, "Yes"))
    assert not person(programme, ids["mentee"]).erased  # too late: asked again instead
    again = programme.last_to(MENTEE)
    assert "Please confirm" in again.subject and "Monday 25 May 2026" in again.text
    frozen.tick(timedelta(days=1))
    programme.send(programme.reply(again, "Yes"))
    assert person(programme, ids["mentee"]).erased
