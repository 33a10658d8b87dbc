"""Graph-specific behaviour, asserted on the requests the fake Graph server received."""

from __future__ import annotations

import base64
import json
import logging
from email import message_from_bytes
from email.policy import default as default_policy

import pytest
import redis

from service.mail.graph import GraphTransport
from service.mail.retry import RetryPolicy
from service.mail.transport import Folder, TransportError
from tests.fakes.graph_server import RunningFakeGraph
from tests.transports.conftest import graph_settings
from tests.transports.test_behaviour import make_raw, outbound

FAST = RetryPolicy(attempts=4, base_delay=0.01, max_delay=0.02)


def transport(server: RunningFakeGraph, **kwargs: object) -> GraphTransport:
    kwargs.setdefault("policy", FAST)
    return GraphTransport(graph_settings(server), **kwargs)  # type: ignore[arg-type]


def test_send_mail_posts_base64_mime_with_our_headers(fake_graph: RunningFakeGraph) -> None:
    transport(fake_graph).send(outbound(7), recipients=["recipient7@example.net"])
    (request,) = fake_graph.fake.seen("POST", r"/sendMail$")
    assert request.headers["content-type"].startswith("text/plain")
    parsed = message_from_bytes(base64.b64decode(request.body), policy=default_policy)
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Auto-Response-Suppress"] == "All"
    assert parsed["In-Reply-To"] == "<inbound-1@example.net>"
    assert parsed["References"] == "<inbound-1@example.net>"
    assert parsed["Reply-To"] == "mentoring+tok3n@example.org"


def test_every_request_asks_for_immutable_ids(fake_graph: RunningFakeGraph) -> None:
    fake_graph.fake.deliver(make_raw(1))
    graph = transport(fake_graph)
    (message,) = list(graph.fetch_new())
    graph.move(message.transport_id, Folder.PROCESSED)
    graph.send(outbound(1), recipients=["recipient1@example.net"])
    mail_requests = [r for r in fake_graph.fake.requests if r.path.startswith("/v1.0/")]
    assert len(mail_requests) >= 5
    assert all('IdType="ImmutableId"' in r.headers.get("prefer", "") for r in mail_requests)


def test_move_targets_the_named_folder_creating_it_once(fake_graph: RunningFakeGraph) -> None:
    for n in (1, 2):
        fake_graph.fake.deliver(make_raw(n))
    graph = transport(fake_graph)
    first, second = list(graph.fetch_new())
    graph.move(first.transport_id, Folder.NEEDS_ATTENTION, category="Mentoring: needs attention")
    graph.move(second.transport_id, Folder.NEEDS_ATTENTION)
    folder_id = fake_graph.fake.folder_named("Needs attention")
    assert folder_id is not None
    moves = fake_graph.fake.seen("POST", r"/move$")
    assert [json.loads(m.body)["destinationId"] for m in moves] == [folder_id, folder_id]
    assert len(fake_graph.fake.seen("POST", r"/mailFolders$")) == 1
    (patch,) = fake_graph.fake.seen("PATCH", r"/messages/")
    assert json.loads(patch.body) == {"categories": ["Mentoring: needs attention"]}
    assert fake_graph.fake.messages[first.transport_id].categories == ["Mentoring: needs attention"]


def test_an_existing_folder_is_reused(fake_graph: RunningFakeGraph) -> None:
    fake_graph.fake.folders["folder-existing"] = "Processed"
    fake_graph.fake.deliver(make_raw(1))
    graph = transport(fake_graph)
    (message,) = list(graph.fetch_new())
    graph.move(message.transport_id, Folder.PROCESSED)
    assert fake_graph.fake.messages[message.transport_id].folder == "folder-existing"
    assert fake_graph.fake.seen("POST", r"/mailFolders$") == []


def test_inbox_pagination_is_followed(fake_graph: RunningFakeGraph) -> None:
    for n in range(1, 8):  # the fake serves pages of 3
        fake_graph.fake.deliver(make_raw(n))
    fetched = list(transport(fake_graph).fetch_new())
    assert len(fetched) == 7
    pages = fake_graph.fake.seen("GET", r"/mailFolders/inbox/messages$")
    assert [r.query.get("$skip", ["0"])[0] for r in pages] == ["0", "3", "6"]


def test_429_on_send_mail_is_retried_after_retry_after(fake_graph: RunningFakeGraph) -> None:
    fake_graph.fake.fail_next("POST", r"/sendMail$", 429, headers={"Retry-After": "1"})
    transport(fake_graph).send(outbound(1), recipients=["recipient1@example.net"])
    first, second = fake_graph.fake.seen("POST", r"/sendMail$")
    assert (first.status, second.status) == (429, 202)
    # Measured by the fake: the retry came no sooner than the server asked.
    assert second.at - first.at >= 0.95
    assert len(fake_graph.fake.sent_mime()) == 1


def test_503_on_move_is_retried(fake_graph: RunningFakeGraph) -> None:
    fake_graph.fake.deliver(make_raw(1))
    graph = transport(fake_graph)
    (message,) = list(graph.fetch_new())
    fake_graph.fake.fail_next("POST", r"/move$", 503, headers={"Retry-After": "0"})
    graph.move(message.transport_id, Folder.PROCESSED)
    assert [r.status for r in fake_graph.fake.seen("POST", r"/move$")] == [503, 201]
    assert fake_graph.fake.messages[message.transport_id].folder != "inbox"


def test_server_errors_are_retried_a_bounded_number_of_times(
    fake_graph: RunningFakeGraph,
) -> None:
    waits: list[float] = []
    fake_graph.fake.fail_next("POST", r"/sendMail$", 500, times=10)
    graph = transport(fake_graph, sleep=waits.append)
    with pytest.raises(TransportError) as caught:
        graph.send(outbound(1), recipients=["recipient1@example.net"])
    assert not caught.value.permanent
    assert len(fake_graph.fake.seen("POST", r"/sendMail$")) == FAST.attempts
    assert len(waits) == FAST.attempts - 1
    assert all(0 <= w <= FAST.max_delay for w in waits)


def test_a_permanent_4xx_is_not_retried(fake_graph: RunningFakeGraph) -> None:
    graph = transport(fake_graph)
    no_recipient = b"Message-ID: <x@y>\r\nSubject: nobody\r\n\r\nhi\r\n"
    with pytest.raises(TransportError) as caught:
        graph.send(no_recipient, recipients=[])
    assert caught.value.permanent
    assert "ErrorInvalidRecipients" in str(caught.value)
    assert len(fake_graph.fake.seen("POST", r"/sendMail$")) == 1


def test_graph_error_text_naming_a_recipient_stays_out_of_the_logs(
    fake_graph: RunningFakeGraph, caplog: pytest.LogCaptureFixture
) -> None:
    # Real Graph errors can quote the recipient ("Recipient 'x@y' is not valid"); O365
    # logs that text at ERROR and its request parameters at DEBUG.
    address = "sam.oneill@justice.gov.uk"
    caplog.set_level(logging.DEBUG)
    fake_graph.fake.fail_next(
        "POST", r"/sendMail$", 400, message=f"The recipient '{address}' is not valid."
    )
    with pytest.raises(TransportError) as caught:
        transport(fake_graph).send(outbound(7), recipients=[address])
    assert caught.value.permanent and "400" in str(caught.value)
    assert address not in str(caught.value)
    assert address not in caplog.text
    for record in caplog.records:
        assert address not in record.getMessage()


def test_a_401_triggers_one_token_refresh_and_one_retry(fake_graph: RunningFakeGraph) -> None:
    graph = transport(fake_graph)
    graph.send(outbound(1), recipients=["recipient1@example.net"])
    assert len(fake_graph.fake.seen("POST", r"/token$")) == 1
    fake_graph.fake.revoke_tokens()
    graph.send(outbound(2), recipients=["recipient2@example.net"])
    assert len(fake_graph.fake.seen("POST", r"/token$")) == 2
    assert [r.status for r in fake_graph.fake.seen("POST", r"/sendMail$")] == [202, 401, 202]


def test_a_401_that_persists_refreshes_only_once(fake_graph: RunningFakeGraph) -> None:
    graph = transport(fake_graph)
    graph.check()
    fake_graph.fake.fail_next("POST", r"/sendMail$", 401, times=5)
    with pytest.raises(TransportError) as caught:
        graph.send(outbound(1), recipients=["recipient1@example.net"])
    assert caught.value.permanent
    assert len(fake_graph.fake.seen("POST", r"/token$")) == 2
    assert len(fake_graph.fake.seen("POST", r"/sendMail$")) == 2


def test_workers_share_one_token_through_redis(
    fake_graph: RunningFakeGraph, redis_client: redis.Redis
) -> None:
    first = transport(fake_graph, redis_client=redis_client)
    second = transport(fake_graph, redis_client=redis_client)
    first.check()
    second.check()
    assert len(fake_graph.fake.seen("POST", r"/token$")) == 1
    mail = [r for r in fake_graph.fake.requests if r.path.startswith("/v1.0")]
    tokens = {r.headers["authorization"] for r in mail}
    assert tokens == {"Bearer fake-token-1"}


def test_workers_share_one_token_through_a_file(fake_graph: RunningFakeGraph, tmp_path) -> None:
    settings = graph_settings(fake_graph, token_cache_path=str(tmp_path / "cache" / "token.json"))
    GraphTransport(settings, policy=FAST).check()
    GraphTransport(settings, policy=FAST).check()
    assert len(fake_graph.fake.seen("POST", r"/token$")) == 1


def test_already_sent_searches_sent_items_by_internet_message_id(
    fake_graph: RunningFakeGraph,
) -> None:
    graph = transport(fake_graph)
    graph.send(outbound(3), recipients=["recipient3@example.net"])
    assert graph.already_sent("<outbound-3@mentoring.example.org>") is not None
    (search,) = fake_graph.fake.seen("GET", r"/mailFolders/sentitems/messages$")
    assert search.query["$filter"] == ["internetMessageId eq '<outbound-3@mentoring.example.org>'"]


def test_missing_settings_are_a_permanent_error() -> None:
    from service.settings import GraphSettings

    with pytest.raises(TransportError) as caught:
        GraphTransport(GraphSettings(tenant_id="t", client_id="c"))
    assert caught.value.permanent
