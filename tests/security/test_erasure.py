"""After DELETE MY DATA nothing under $MENTORING_HOME and no database row names the person:
not the address, not the name, raw or encoded (base64, quoted-printable, RFC 2047)."""

from __future__ import annotations

import base64
import quopri
from pathlib import Path

from sqlalchemy import MetaData, select

from service.mail.maildir import MaildirTransport
from tests.harness import Programme
from tests.workflow.people_helpers import MENTOR, pair, register

ADDRESS = "zephyrine.quillfeather@dwp.gov.uk"
FIRST, LAST = "Zephyrine", "Quillfeather"


def _needles() -> list[bytes]:
    plain = [ADDRESS.encode(), FIRST.lower().encode(), LAST.lower().encode()]
    found = [*plain, quopri.encodestring(ADDRESS.encode(), header=True).lower()]
    for word in (ADDRESS.encode(), f"{FIRST} {LAST}".encode()):
        for shift in range(3):  # base64 of the word at each alignment, its stable middle
            encoded = base64.b64encode(b"\0" * shift + word)
            found.append(encoded[(shift * 4 + 2) // 3 + 1 : -4])
    return found


def _hits(data: bytes) -> list[bytes]:
    lowered = data.lower()
    return [n for n in _needles() if n.lower() in lowered or n in data]


def _erase(programme: Programme) -> None:
    mentor = register(programme, MENTOR, "Priya", "Shah", roles="Mentor", grade="SEO")
    mentee = register(
        programme,
        ADDRESS,
        FIRST,
        LAST,
        department="DWP",
        wants_shared_characteristic="Yes",
        characteristics="Bisexual",
    )
    pair(programme, mentor, mentee)
    programme.send(programme.reply(programme.last_to(ADDRESS), "MY DATA"))  # base64 JSON
    programme.send(programme.reply(programme.last_to(ADDRESS), "DELETE MY DATA"))
    programme.send(programme.reply(programme.last_to(ADDRESS), "Yes"))


def test_delete_my_data_leaves_no_trace_in_any_file_or_table(programme: Programme) -> None:
    _erase(programme)
    home = Path(programme.app.settings.home)
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".db") for p in files)
    assert any("sent" in p.parts for p in files)  # the partner's notices were sent
    leftovers = {str(p.relative_to(home)): _hits(p.read_bytes()) for p in files}
    assert {k: v for k, v in leftovers.items() if v} == {}

    metadata = MetaData()
    with programme.app.db.engine.connect() as conn:
        metadata.reflect(conn)
        for table in metadata.sorted_tables:
            for row in conn.execute(select(table)):
                for value in row:
                    data = value if isinstance(value, bytes) else str(value).encode()
                    assert not _hits(data), f"{table.name} still names them"
        # Only a salted hash of the address is kept, so a late message is recognised.
        (tombstone,) = conn.execute(select(metadata.tables["erasures"])).mappings().all()
        assert tombstone["pending_terms"] is None and tombstone["mail_erased_at"] is not None


def test_a_late_message_from_the_erased_address_is_recognised_and_not_kept(
    programme: Programme,
) -> None:
    _erase(programme)
    late = programme.plain(ADDRESS, "one more thing", f"Hello, {FIRST} {LAST} here.")
    report = programme.send(late)
    assert report.outcomes == {"ignored": 1}
    transport = programme.app.transport
    assert isinstance(transport, MaildirTransport)
    home = Path(programme.app.settings.home)
    assert not [p for p in home.rglob("*") if p.is_file() and _hits(p.read_bytes())]
