"""`mentoring person …` and `mentoring export`: real database, real Maildir, no traceback."""

from __future__ import annotations

import json

from sqlalchemy import select

import service.cli.commands  # noqa: F401  (registers the commands)
from service.store.records import OutboundMessage
from tests.cli_runner import run
from tests.harness import Programme
from tests.workflow.people_helpers import MENTEE, MENTOR, cast, pair, person


def test_show_and_export_a_participant(programme: Programme) -> None:
    ids = cast(programme)
    pair(programme, ids["mentor"], ids["mentee"])
    code, out = run("person", "show", MENTEE)
    assert code == 0
    assert "Alex Morgan" in out and "Open partnership: their mentor is Priya Shah" in out
    assert "Bisexual" not in out
    code, out = run("person", "export", MENTEE, "--json")
    assert code == 0
    export = json.loads(out)
    assert export["registrations"][0]["characteristics"] == ["Bisexual"]
    assert "Trans" not in out


def test_unknown_email_is_one_line(programme: Programme) -> None:
    for command in ("show", "export", "erase"):
        args = ["person", command, "nobody@example.org"] + (["--yes"] if command == "erase" else [])
        code, out = run(*args)
        assert code == 1
        assert out.strip() == "Error: No participant has the address nobody@example.org."


def test_erase_needs_yes_then_erases_and_tells_the_partner(programme: Programme) -> None:
    ids = cast(programme)
    pair(programme, ids["mentor"], ids["mentee"])
    code, out = run("person", "erase", MENTEE)
    assert code == 2 and "add --yes" in out
    assert not person(programme, ids["mentee"]).erased
    code, out = run("person", "erase", MENTEE, "--yes")
    assert code == 0, out
    assert f"Erased participant {ids['mentee']}" in out
    assert person(programme, ids["mentee"]).erased
    # Both were sent, then our copies erased: they name Alex.
    with programme.app.uow() as uow:
        sent = {
            m.template: m.to_address
            for m in uow.session.scalars(select(OutboundMessage)).all()
            if m.status.value == "sent"
        }
    assert sent["partner_withdrew"] == MENTOR
    assert sent["erasure_done"] == f"erased-{ids['mentee']}@invalid"
    assert not programme.inbox_of(MENTEE)
    assert not [m for m in programme.sent() if "Alex Morgan" in m.subject]
    # Erased people cannot be looked up by their old address any more.
    code, out = run("person", "show", MENTEE)
    assert code == 1


def test_export_json_has_the_state_without_characteristics(programme: Programme) -> None:
    ids = cast(programme)
    pair(programme, ids["mentor"], ids["mentee"])
    code, out = run("export", "--json")
    assert code == 0
    state = json.loads(out)
    assert {p["email"] for p in state["people"]} >= {MENTEE, MENTOR}
    assert len(state["pairings"]) == 1 and len(state["registrations"]) == 3
    assert "Bisexual" not in out and "Trans" not in out
    assert "characteristic" not in out
