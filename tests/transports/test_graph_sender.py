"""Graph hands the service the whole message, so the receiving host's evidence (its
Authentication-Results, Exchange's organisation headers) reaches the sender check exactly
as it does from a Maildir file."""

from __future__ import annotations

from dataclasses import replace

from handlers import TABLE
from service.config import Security, load_config
from service.inbound.classify import classify
from service.mail.graph import GraphTransport
from tests.fakes.graph_server import RunningFakeGraph
from tests.inbound.helpers import NOW, MemoryLookup
from tests.transports.conftest import graph_settings

MESSAGE = b"""From: Coordinators <coordinators@civilservice.lgbt.example>
To: mentoring@civilservice.lgbt.example
Subject: A question
Message-ID: <graph-sender-1@civilservice.lgbt.example>
Date: Wed, 20 May 2026 09:00:00 +0000
X-MS-Exchange-Organization-AuthAs: Internal
Content-Type: text/plain; charset=utf-8

STATUS priya@hmrc.gov.uk
"""


def test_exchange_organisation_headers_arrive_through_graph(
    fake_graph: RunningFakeGraph,
) -> None:
    fake_graph.fake.deliver(MESSAGE.replace(b"\n", b"\r\n"))
    [fetched] = list(GraphTransport(graph_settings(fake_graph)).fetch_new())
    config = load_config()
    org = Security(exchange_organization_domains=("civilservice.lgbt.example",))
    verified = classify(
        fetched.raw,
        replace(config, security=org),
        MemoryLookup(),
        commands=TABLE,
        now=NOW,
    )
    assert verified.sender_check.verified, verified.sender_check
    # The same message is only unverified where the organisation is not configured.
    unverified = classify(fetched.raw, config, MemoryLookup(), commands=TABLE, now=NOW)
    assert not unverified.sender_check.verified
