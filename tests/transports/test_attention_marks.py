"""A needs-attention message carries its reason where coordinators look: the category and
a flag with the reason on Graph (through the real O365 + msal), `X-Mentoring-Attention`
in the filed copy in a Maildir and on IMAP. An inbound header of that name never survives."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from service.mail.filed_copy import HEADER, SOURCE_HEADER, filed_copy
from service.mail.graph import FLAG_TEXT_PROPERTY, GraphTransport
from service.mail.transport import AttentionMark, Folder
from tests.fakes.graph_server import RunningFakeGraph
from tests.transports.conftest import Harness, ImapHarness, graph_settings
from tests.transports.test_behaviour import Crash, make_raw

MARK = AttentionMark("Attention: question", "question: in their own words, passed on")
FORGED = make_raw(1).replace(
    b"Subject:", b"X-Mentoring-Attention: resolved, ignore me\r\n  (folded)\r\nSubject:"
)


def test_graph_files_a_category_per_reason_class_and_flags_the_reason(
    fake_graph: RunningFakeGraph,
) -> None:
    fake_graph.fake.deliver(make_raw(1))
    fake_graph.fake.deliver(make_raw(2))
    graph = GraphTransport(graph_settings(fake_graph))
    first, second = list(graph.fetch_new())
    graph.move(first.transport_id, Folder.NEEDS_ATTENTION, category="Mentoring: needs attention",
               attention=MARK)  # fmt: skip
    graph.move(second.transport_id, Folder.PROCESSED, category="Mentoring: done")
    marked = fake_graph.fake.messages[first.transport_id]
    assert marked.categories == ["Mentoring: needs attention", "Attention: question"]
    assert marked.flag == {"flagStatus": "flagged"}
    assert marked.extended == {FLAG_TEXT_PROPERTY: MARK.note}
    assert marked.folder == fake_graph.fake.folder_named("Needs attention")
    done = fake_graph.fake.messages[second.transport_id]
    assert (done.categories, done.flag, done.extended) == (["Mentoring: done"], {}, {})


def test_every_mailbox_files_needs_attention_with_only_our_header(harness: Harness) -> None:
    harness.deliver(FORGED)
    harness.deliver(make_raw(2))
    harness.deliver(FORGED.replace(b"message 1", b"message 3").replace(b"inbound-1", b"inbound-3"))
    forged, plain, forged_done = list(harness.transport.fetch_new())
    harness.transport.move(forged.transport_id, Folder.NEEDS_ATTENTION, attention=MARK)
    harness.transport.move(plain.transport_id, Folder.PROCESSED)
    harness.transport.move(forged_done.transport_id, Folder.PROCESSED)
    assert harness.inbox_raws() == []
    if harness.transport.name == "graph":
        return  # Graph keeps the message as it came: the category and flag, above
    (filed,) = harness.folder_raws(Folder.NEEDS_ATTENTION)
    parsed = message_from_bytes(filed, policy=default_policy)
    assert parsed.get_all(HEADER) == [MARK.note]
    assert parsed["Message-ID"] == "<inbound-1@example.net>"
    assert parsed.get_content().strip() == "Body of message 1."
    # A message without a header of ours is moved as it came; one with one loses it,
    # whichever folder it goes to: a coordinator never sees a header we did not write.
    processed = harness.folder_raws(Folder.PROCESSED)
    assert make_raw(2) in processed and len(processed) == 2
    (done,) = [message_from_bytes(r, policy=default_policy) for r in processed if r != make_raw(2)]
    assert done.get_all(HEADER) is None
    assert done["Subject"] == "message 3" and done.get_content().strip() == "Body of message 3."


def test_the_filed_copy_keeps_the_body_and_encodes_a_non_ascii_reason() -> None:
    raw = FORGED + b"X-Mentoring-Attention: in the body stays\r\n"
    copy = filed_copy(raw, "form problem: “café”")
    parsed = message_from_bytes(copy, policy=default_policy)
    assert parsed.get_all(HEADER) == ["form problem: “café”"]
    assert copy.endswith(b"Body of message 1.\r\nX-Mentoring-Attention: in the body stays\r\n")
    assert filed_copy(make_raw(3), None) is not None and filed_copy(make_raw(3), None) == make_raw(
        3
    )
    stripped = message_from_bytes(filed_copy(FORGED, None), policy=default_policy)
    assert stripped.get_all(HEADER) is None and stripped["Subject"] == "message 1"
    # The source a copy names is ours too: one sent to us could make a real one look filed.
    forged_source = FORGED.replace(b"Subject:", b"x-mentoring-filed-from: <1/1>\r\nSubject:")
    sourced = message_from_bytes(filed_copy(forged_source, "n", "<7/9>"), policy=default_policy)
    assert sourced.get_all(SOURCE_HEADER) == ["<7/9>"]


def test_a_crash_between_filing_and_deleting_leaves_one_filed_copy(
    imap_harness: ImapHarness,
) -> None:
    """IMAP files a marked copy by APPEND and then deletes the original. Killed between
    the two, the original is still in the inbox; filing it again must not file a second
    copy beside the first."""
    imap_harness.deliver(FORGED)
    (fetched,) = list(imap_harness.transport.fetch_new())
    dying = imap_harness.transport.client

    def die(*_args: object, **_kwargs: object) -> None:
        raise Crash

    dying.add_flags = die  # the library's client, killed here
    with pytest.raises(Crash):
        imap_harness.transport.move(fetched.transport_id, Folder.NEEDS_ATTENTION, attention=MARK)
    assert len(imap_harness.folder_raws(Folder.NEEDS_ATTENTION)) == 1
    assert len(imap_harness.inbox_raws()) == 1

    restarted = imap_harness.fresh()
    try:
        (again,) = list(restarted.fetch_new())
        restarted.move(again.transport_id, Folder.NEEDS_ATTENTION, attention=MARK)
    finally:
        restarted.close()
    assert imap_harness.inbox_raws() == []
    (filed,) = imap_harness.folder_raws(Folder.NEEDS_ATTENTION)
    assert message_from_bytes(filed, policy=default_policy).get_all(HEADER) == [MARK.note]


def test_a_different_message_with_the_same_message_id_is_still_filed(
    imap_harness: ImapHarness,
) -> None:
    """Anyone can reuse a Message-ID: a second message carrying one already filed is its
    own message and is filed too, never taken for a copy of the first."""
    imap_harness.deliver(FORGED)
    imap_harness.deliver(FORGED.replace(b"Body of message 1.", b"Another body."))
    first, second = list(imap_harness.transport.fetch_new())
    imap_harness.transport.move(first.transport_id, Folder.NEEDS_ATTENTION, attention=MARK)
    imap_harness.transport.move(second.transport_id, Folder.NEEDS_ATTENTION, attention=MARK)
    assert imap_harness.inbox_raws() == []
    assert len(imap_harness.folder_raws(Folder.NEEDS_ATTENTION)) == 2
