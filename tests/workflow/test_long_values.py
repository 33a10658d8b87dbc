"""Values longer than their columns: the same answer on SQLite as on PostgreSQL.

SQLite stores a string of any length in a VARCHAR(200); PostgreSQL refuses it, which
would fail the message on every try. Long answers get a plain answer, long headers are
no reason to fail, on both backends.
"""

from __future__ import annotations

from datetime import timedelta
from email.utils import make_msgid
from typing import Any

import pytest
from sqlalchemy import Column, String, select

from service.domain.model import Registration
from service.errors import DomainError
from service.inbound.forms import MAX_ANSWER_CHARS
from service.rounds import ROUND_NAME_CHARS
from service.store.orm import outbound_messages, people, registrations, rounds
from service.store.records import DEDUPE_KEY_CHARS, InboundMessage, InboundStatus, dedupe_key
from tests.harness import Programme, person_answers
from tests.workflow.conftest import CLOSES


def _statuses(programme: Programme) -> list[InboundStatus]:
    with programme.app.uow() as uow:
        return [m.status for m in uow.session.scalars(select(InboundMessage)).all()]


def test_a_form_with_overlong_answers_gets_a_plain_answer(programme: Programme) -> None:
    answers = person_answers(
        "alex@dwp.gov.uk", "Alex" * 60, "Lee", job_title="Senior policy adviser " * 20
    )
    report = programme.send(programme.form(answers))
    assert report.outcomes == {"processed": 1}
    with programme.app.uow() as uow:
        assert uow.session.scalars(select(Registration)).all() == []
    [answer] = programme.inbox_of("alex@dwp.gov.uk")
    text = " ".join(answer.text.split())
    assert "first name is too long" in text
    assert "job title is too long" in text


def test_a_long_message_id_is_no_reason_to_fail(programme: Programme) -> None:
    programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    confirm = programme.last_to("alex@dwp.gov.uk")
    reply = programme.reply(confirm, "HELP")
    long_id = make_msgid(idstring="x" * 400, domain="dept.example")
    reply.replace_header("Message-ID", long_id)
    report = programme.send(reply)
    assert report.outcomes == {"processed": 1}
    assert _statuses(programme) == [InboundStatus.PROCESSED, InboundStatus.PROCESSED]
    assert len(programme.inbox_of("alex@dwp.gov.uk")) == 2
    programme.send(reply)  # the same message again answers nothing new
    assert len(programme.inbox_of("alex@dwp.gov.uk")) == 2


def test_an_overlong_round_name_is_refused_in_words(programme: Programme) -> None:
    with pytest.raises(DomainError, match="at most 200 characters"):
        programme.open_round(
            "2027 " * 50, CLOSES + timedelta(days=300), CLOSES + timedelta(days=330)
        )
    with programme.app.uow() as uow:
        assert [r.name for r in uow.repo.rounds()] == ["2026"]


def _width(column: Column[Any]) -> int | None:
    assert isinstance(column.type, String)
    return column.type.length


def test_the_limits_are_the_columns_widths() -> None:
    for column in (people.c.first_name, people.c.last_name):
        assert _width(column) == MAX_ANSWER_CHARS
    for column in (registrations.c.job_title, registrations.c.department):
        assert _width(column) == MAX_ANSWER_CHARS
    assert _width(rounds.c.name) == ROUND_NAME_CHARS
    assert _width(outbound_messages.c.dedupe_key) == DEDUPE_KEY_CHARS
    key = "answer:help:<" + "x" * 400 + "@dept.example>:1"
    assert len(dedupe_key(key)) <= DEDUPE_KEY_CHARS
    assert dedupe_key(dedupe_key(key)) == dedupe_key(key) != dedupe_key(key + "2")
