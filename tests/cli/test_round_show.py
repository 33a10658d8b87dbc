"""`mentoring round show`: a round's introductions, approaches and pairings, read-only."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

import service.cli.commands  # noqa: F401  (registers the commands)
from service import clock
from service.domain.model import (
    EndReason,
    IntroductionStatus,
    Pairing,
    PairingStatus,
)
from service.store.orm import audit_events, outbound_messages
from tests.cli_runner import init_with_round, run
from tests.harness import Programme
from tests.workflow.people_helpers import ask, cast, introduce, pair
from tests.workflow.test_round_matching import write_csv


def _counts(programme: Programme) -> tuple[int, int]:
    with programme.app.uow() as uow:
        sent = uow.session.scalar(select(func.count()).select_from(outbound_messages))
        audit = uow.session.scalar(select(func.count()).select_from(audit_events))
    return int(sent or 0), int(audit or 0)


def test_show_lists_everything_in_words_never_a_characteristic(programme: Programme) -> None:
    ids = cast(programme)  # Alex and Priya both gave a characteristic
    introduce(programme, ids["mentor"], ids["mentee"], 1, IntroductionStatus.MET)
    introduce(programme, ids["other"], ids["mentee"], 2, IntroductionStatus.NOT_MET)
    ask(programme, ids["mentee"], ids["mentor"])
    pairing_id = pair(programme, ids["mentor"], ids["mentee"])
    with programme.app.uow() as uow:
        ended = uow.session.get(Pairing, pairing_id)
        assert ended is not None
        ended.status = PairingStatus.ENDED
        ended.ended_at = clock.now()
        ended.end_reason = EndReason.UNPAIRED_BY_MENTOR
        uow.commit()
    pair(programme, ids["other"], ids["mentee"])  # a mentee has one live pairing at a time
    before = _counts(programme)

    code, out = run("round", "show", "2026")
    assert code == 0, out
    assert "Round '2026': 2 introductions, 1 approaches, 2 pairings." in out
    for title in ("Introductions", "Approaches", "Pairings"):
        assert title in out
    assert "Alex Morgan" in out and "Priya Shah" in out and "Sam Oneill" in out
    assert "not met" in out and "met" in out
    assert "Alex Morgan → Priya Shah" in out and "pending" in out
    words = " ".join(out.replace("│", " ").split())
    assert "2026-05-20 2026-05-20 unpaired by" in words and "the mentor" in words
    assert "active" in out and "ended" in out
    for secret in ("Bisexual", "Trans", "characteristic"):
        assert secret not in out
    assert _counts(programme) == before  # it changed nothing and wrote to nobody


def test_now_is_accepted_and_an_empty_round_says_so(programme: Programme) -> None:
    code, out = run("--now", "2026-06-30T09:00", "round", "show", "2026")
    assert code == 0, out
    assert "0 introductions" in out
    assert "No introductions yet" in out and "No approaches yet" in out
    assert "No pairings yet" in out


def test_unknown_round_is_one_line(programme: Programme) -> None:
    code, out = run("round", "show", "1999")
    assert code == 1
    assert out.strip() == "Error: There is no round called '1999' (rounds: 2026)."


def test_help_says_it_changes_nothing_and_tells_nobody() -> None:
    code, out = run("round", "show", "--help")
    assert code == 0
    assert "changes nothing and tells nobody" in out
    assert "--now" in out


def test_a_committed_round_shows_its_introductions(
    home: Path, tmp_path: Path, config: object
) -> None:
    init_with_round()
    path = tmp_path / "export.csv"
    write_csv(path, config)
    assert (
        run("--now", "2026-06-20T09:00", "round", "import", "2026", str(path), "--confirmed")[0]
        == 0
    )
    code, out = run("--now", "2026-06-20T10:00", "round", "match", "2026", "--commit")
    assert code == 0, out
    code, out = run("--now", "2026-06-20T11:00", "round", "show", "2026")
    assert code == 0, out
    assert "Ed Okafor" in out and "proposed" in out
    assert "Ivy Roe" not in out  # unmatched: no introduction to list
    assert "No approaches yet" in out
