"""`Transport.erase_mail` on Maildir, Graph (the local fake) and IMAP (pymap)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

from jobs.digest import digest_context
from service.app import App
from service.domain.model import Person
from service.mail.graph import GraphTransport
from service.mail.retry import RetryPolicy
from service.mail.transport import Folder
from service.privacy import erase_person, finish_erasures
from tests.fakes.graph_server import RunningFakeGraph
from tests.transports.conftest import Harness, ImapHarness, graph_settings

ADDRESS = "zephyrine.q@dwp.gov.uk"


def _mail(n: int, *, to: str, body: str = "Hello.", b64: bool = False) -> bytes:
    encoded = base64.b64encode(body.encode()).decode() if b64 else body
    cte = "base64" if b64 else "7bit"
    return (
        f"Message-ID: <erase-{n}@example.net>\r\n"
        "From: Mentoring <mentoring@example.org>\r\n"
        f"To: {to}\r\n"
        f"Subject: message {n}\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n"
        f"Content-Transfer-Encoding: {cte}\r\n"
        "\r\n"
        f"{encoded}\r\n"
    ).encode()


def test_erase_mail_removes_every_message_that_mentions_the_person(harness: Harness) -> None:
    transport = harness.transport
    harness.deliver(_mail(1, to=ADDRESS))  # stays in the inbox
    harness.deliver(_mail(2, to="someone@else.example", body=f"About {ADDRESS}", b64=True))
    harness.deliver(_mail(3, to="someone@else.example", body="Nothing about them."))
    fetched = {f.raw.split(b"\r\n", 1)[0]: f.transport_id for f in transport.fetch_new()}
    transport.move(fetched[b"Message-ID: <erase-2@example.net>"], Folder.PROCESSED)
    transport.move(fetched[b"Message-ID: <erase-3@example.net>"], Folder.PROCESSED)
    transport.send(_mail(4, to=f"Zephyrine Q <{ADDRESS}>"), recipients=[ADDRESS])
    transport.send(_mail(5, to="other@else.example"), recipients=["other@else.example"])

    result = transport.erase_mail([ADDRESS, "Zephyrine Quillfeather"])

    assert result.deleted == 3 and result.left == ()
    everything = [*harness.inbox_raws(), *harness.folder_raws(Folder.PROCESSED)]
    if isinstance(harness, ImapHarness):
        # Its sent_raws() is what the SMTP server received; our copies are in Sent Items.
        everything += harness._raws(harness.transport.sent_folder)
    else:
        everything += harness.sent_raws()
    ids = sorted(r.split(b"\r\n", 1)[0].decode() for r in everything)
    assert ids == ["Message-ID: <erase-3@example.net>", "Message-ID: <erase-5@example.net>"]


def test_graph_lists_what_the_app_may_not_delete(fake_graph: RunningFakeGraph) -> None:
    transport = GraphTransport(
        graph_settings(fake_graph), policy=RetryPolicy(base_delay=0.01, max_delay=0.02)
    )
    kept = fake_graph.fake.deliver(_mail(1, to=ADDRESS))
    fake_graph.fake.deliver(_mail(2, to=ADDRESS))
    fake_graph.fake.fail_next("DELETE", r"/messages/" + kept, 403)
    result = transport.erase_mail([ADDRESS])
    assert result.deleted == 1 and result.left == (kept,)
    assert [m.id for m in fake_graph.fake.in_folder("inbox")] == [kept]
    assert len(fake_graph.fake.in_folder("deleteditems")) == 1


def test_an_erasure_on_graph_lists_what_is_left_in_the_digest(
    app: App, fake_graph: RunningFakeGraph
) -> None:
    now = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)
    transport = GraphTransport(
        graph_settings(fake_graph), policy=RetryPolicy(base_delay=0.01, max_delay=0.02)
    )
    kept = fake_graph.fake.deliver(_mail(1, to=ADDRESS))
    fake_graph.fake.deliver(_mail(2, to=f"Zephyrine Quillfeather <{ADDRESS}>"))
    fake_graph.fake.fail_next("DELETE", r"/messages/" + kept, 403)
    with app.uow() as uow:
        person = Person(ADDRESS, "Zephyrine", "Quillfeather", created_at=now)
        uow.add(person)
        uow.flush()
        erase_person(uow, person, now)
        uow.commit()
    assert finish_erasures(app.db, transport, now) == 1
    assert finish_erasures(app.db, transport, now) == 0  # done once
    with app.uow() as uow:
        failures = digest_context(uow, app, now + timedelta(hours=1), [])["job_failures"]
    assert [f["reason"] for f in failures] == [
        f"delete by hand from the mailbox, message ids: {kept}"
    ]
