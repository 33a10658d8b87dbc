"""Crash injection on the Maildir transport: kill processing at each step, restart, and
show that no message is lost and no email is sent twice.

A crash is a `Crash` (a BaseException, like the process dying) raised at one step; the
"restart" is a fresh App on the same files, as a new process would have.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from service import bootstrap, pipeline
from service.app import App
from service.mail import outbox
from service.mail.maildir import MaildirTransport
from service.store.orm import inbound_messages, outbound_messages
from service.store.records import InboundStatus, OutboundStatus
from tests.harness import Programme, person_answers


class Crash(BaseException):
    """The process dies here."""


def crash_once(target: Any, name: str, *, after: bool = False) -> None:
    """Make `target.name` die the first time it is called (before or after doing its work)."""
    real: Callable[..., Any] = getattr(target, name)
    fired = {"done": False}

    def dying(*args: Any, **kwargs: Any) -> Any:
        if fired["done"]:
            return real(*args, **kwargs)
        fired["done"] = True
        if after:
            real(*args, **kwargs)
        raise Crash(name)

    setattr(target, name, dying)


def counts(app: App) -> tuple[int, int, int]:
    with app.db.engine.connect() as conn:
        inbound = conn.scalar(select(func.count()).select_from(inbound_messages)) or 0
        handled = (
            conn.scalar(
                select(func.count())
                .select_from(inbound_messages)
                .where(inbound_messages.c.status == InboundStatus.PROCESSED)
            )
            or 0
        )
        outbound = conn.scalar(select(func.count()).select_from(outbound_messages)) or 0
    return inbound, handled, outbound


@pytest.fixture
def restart(app: App) -> Iterator[Callable[[], App]]:
    started: list[App] = []

    def fresh() -> App:
        new = bootstrap.build(app.settings, app.config)
        started.append(new)
        return new

    yield fresh
    for a in started:
        a.close()


STEPS = {
    "after the raw message is stored": (pipeline, "handle_batch", False),
    "while handling, before commit": (outbox, "queue_all", False),
    "after handling, before the move": (MaildirTransport, "move", False),
    "after claiming, before the provider": (MaildirTransport, "send", False),
    "after the provider accepted, before recording it": (MaildirTransport, "send", True),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_crash_at_each_step_loses_nothing_and_sends_once(
    step: str, programme: Programme, restart: Callable[[], App], frozen: Any, monkeypatch: Any
) -> None:
    target, name, after = STEPS[step]
    monkeypatch.setattr(target, name, getattr(target, name))  # undone after the test
    crash_once(target, name, after=after)
    programme.deliver(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))

    with pytest.raises(Crash):
        programme.process()

    # A new process starts later (past the reconcile wait) and carries on.
    frozen.tick(timedelta(minutes=5))
    again = Programme(restart())
    again.process()
    again.process()  # and a further pass changes nothing

    assert counts(again.app) == (1, 1, 1)  # kept once, handled once, one email queued
    assert len(again.inbox_of("alex@dwp.gov.uk")) == 1  # sent exactly once
    assert again.folder("inbox") == []
    assert len(again.folder("processed")) == 1
    with again.app.db.engine.connect() as conn:
        statuses = conn.execute(select(outbound_messages.c.status)).scalars().all()
    assert statuses == [OutboundStatus.SENT]


def test_a_crash_in_a_stored_batch_loses_none_of_it_and_answers_each_once(
    programme: Programme, restart: Callable[[], App], frozen: Any, monkeypatch: Any
) -> None:
    # The pass keeps a batch of messages raw in one transaction, then handles its new
    # ones together in another: dying while handling the second rolls back the first's
    # handling too, and leaves all three stored, unhandled, still in the inbox.
    real = pipeline._handle_in
    calls = {"n": 0}

    def dies_on_the_second(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash("_handle_in")
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "_handle_in", dies_on_the_second)
    people = [f"p{n}@dwp.gov.uk" for n in range(3)]
    for n, address in enumerate(people):
        programme.deliver(programme.form(person_answers(address, f"P{n}", "Lee")))
    with pytest.raises(Crash):
        programme.process()
    assert counts(programme.app) == (3, 0, 0)  # all three kept, none handled, nothing queued
    assert len(programme.folder("inbox")) == 3

    frozen.tick(timedelta(minutes=5))
    again = Programme(restart())
    again.process()
    again.process()
    assert counts(again.app) == (3, 3, 3)
    assert [len(again.inbox_of(a)) for a in people] == [1, 1, 1]
    assert again.folder("inbox") == []


def test_a_crash_after_a_batch_commits_moves_its_messages_without_handling_them_again(
    programme: Programme, restart: Callable[[], App], frozen: Any, monkeypatch: Any
) -> None:
    # The batch's handling committed; the process dies moving its second message.
    real = MaildirTransport.move
    calls = {"n": 0}

    def dies_on_the_second(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise Crash("move")
        return real(*args, **kwargs)

    monkeypatch.setattr(MaildirTransport, "move", dies_on_the_second)
    people = [f"p{n}@dwp.gov.uk" for n in range(3)]
    for n, address in enumerate(people):
        programme.deliver(programme.form(person_answers(address, f"P{n}", "Lee")))
    with pytest.raises(Crash):
        programme.process()
    assert counts(programme.app) == (3, 3, 3)  # handled and answered (queued) once each
    assert len(programme.folder("inbox")) == 2

    frozen.tick(timedelta(minutes=5))
    again = Programme(restart())
    again.process()
    assert counts(again.app) == (3, 3, 3)
    assert [len(again.inbox_of(a)) for a in people] == [1, 1, 1]
    assert again.folder("inbox") == []
    assert len(again.folder("processed")) == 3
