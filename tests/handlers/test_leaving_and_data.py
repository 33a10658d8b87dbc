"""STATUS, HELP, WITHDRAW, MY DATA and DELETE MY DATA on the in-memory unit of work.

DELETE MY DATA is two steps: the question is queued through the real outbox (so the
store holds it, with its reply token, as the pipeline would leave it), and the "yes"
that answers it erases.
"""

from __future__ import annotations

import json

from handlers.data import ERASURE_PURPOSE, delete_my_data, my_data
from handlers.help_ import help_
from handlers.status import status
from handlers.withdraw import withdraw
from service import privacy
from service.domain.model import EndReason, PairingStatus, RegistrationStatus
from service.mail import outbox
from service.store.records import ReplyToken
from tests.handlers.build import ask
from tests.handlers.world import World, key, sent
from tests.inbound.helpers import Verb


def test_status_and_help_answer_and_change_nothing(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    world.introduce(mentor, mentee)
    [answer] = world.run(status, ask(mentee, Verb.STATUS))
    assert (answer.template, answer.to.address) == ("status", "alex@dept.gov.uk")
    assert [i["name"] for i in answer.context["introductions"]] == ["Sam Example"]
    assert sent(world.run(help_, ask(mentee, Verb.HELP))) == [("help", "alex@dept.gov.uk")]
    assert world.events() == []


def test_a_coordinators_status_goes_to_the_coordinator(world: World) -> None:
    mentee = world.person("Alex")
    request = ask(mentee, Verb.STATUS, coordinator="coordinator@dept.gov.uk")
    assert sent(world.run(status, request)) == [("status", "coordinator@dept.gov.uk")]


def test_withdraw_ends_the_pairing_and_tells_the_partner(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    pairing = world.pair(mentor, mentee)
    emails = world.run(withdraw, ask(mentee, Verb.WITHDRAW))
    assert sent(emails)[-1] == ("withdrawn_confirmation", "alex@dept.gov.uk")
    assert ("sam@dept.gov.uk") in {to for _, to in sent(emails)}
    ended = world.fresh(pairing)
    assert ended.status is PairingStatus.ENDED and ended.end_reason is EndReason.WITHDRAWN
    reg = world.read(lambda uow: uow.repo.registration(world.round_id, key(mentee)))
    assert reg is not None and reg.status is RegistrationStatus.WITHDRAWN
    again = world.run(withdraw, ask(mentee, Verb.WITHDRAW))
    assert sent(again) == [("already_done", "alex@dept.gov.uk")]


def test_my_data_sends_the_export_without_anyone_elses_address(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    world.introduce(mentor, mentee)
    [email] = world.run(my_data, ask(mentee, Verb.MY_DATA))
    assert email.template == "data_export"
    [attachment] = email.attachments
    export = json.loads(attachment.data)
    assert export["person"]["email"] == "alex@dept.gov.uk"
    assert export["speed_mentoring"][0]["with"] == "Sam Example"
    assert "sam@dept.gov.uk" not in attachment.data.decode()
    assert world.events() == [f"person.exported person:{key(mentee)}"]


def test_delete_my_data_asks_first_then_erases_on_the_answer(world: World) -> None:
    mentee, mentor = world.person("Alex"), world.mentor("Sam")
    pairing = world.pair(mentor, mentee)
    with world.uow() as uow:
        [question] = delete_my_data(ask(mentee, Verb.DELETE_MY_DATA), uow, world.ctx)
        assert question.template == "erasure_confirm" and question.purpose == ERASURE_PURPOSE
        assert len(outbox.queue_all(uow, [question], world.config)) == 1
        uow.commit()
    assert not world.fresh(mentee).erased

    def tokens_of() -> list[int]:
        return [t.person_id for t in world.store.tables.all(ReplyToken)]

    assert tokens_of() == [key(mentee)]  # the question's, for the "yes"
    answer = ask(mentee, Verb.DELETE_MY_DATA, purpose=ERASURE_PURPOSE)
    emails = world.run(delete_my_data, answer)
    assert sent(emails)[-1] == ("erasure_done", "alex@dept.gov.uk")
    gone = world.fresh(mentee)
    assert gone.erased and gone.email == privacy.erased_address(key(mentee))
    assert world.fresh(pairing).end_reason is EndReason.DATA_ERASED
    assert tokens_of() == []  # the question's reply token went with the rest of their data
    assert [t.person_id for t in world.read(lambda uow: uow.repo.tombstones())] == [key(mentee)]
    assert "person.erased person:" + str(key(mentee)) in world.events()


def test_delete_my_data_answering_nothing_we_asked_only_asks(world: World) -> None:
    mentee = world.person("Alex")
    answer = ask(mentee, Verb.DELETE_MY_DATA, purpose=ERASURE_PURPOSE)
    assert sent(world.run(delete_my_data, answer)) == [("erasure_confirm", "alex@dept.gov.uk")]
    assert not world.fresh(mentee).erased
