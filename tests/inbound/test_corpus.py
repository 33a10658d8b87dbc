"""Every message in the fixture corpus classifies and reads as its manifest says."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from handlers import TABLE
from service.config import ProgrammeConfig, load_config
from service.inbound import Kind, classify
from tests.inbound.helpers import CORPUS, NOW, MemoryLookup

MANIFEST: dict[str, dict[str, Any]] = tomllib.loads((CORPUS / "expected.toml").read_text())


@pytest.fixture(scope="module")
def config() -> ProgrammeConfig:
    return load_config()


def test_every_corpus_message_has_an_expectation() -> None:
    on_disk = {p.stem for p in CORPUS.glob("*.eml")}
    assert on_disk == set(MANIFEST)


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_corpus_message(name: str, config: ProgrammeConfig) -> None:
    want = MANIFEST[name]
    got = classify(
        (CORPUS / f"{name}.eml").read_bytes(), config, MemoryLookup(), commands=TABLE, now=NOW
    )

    assert got.kind is Kind(want["kind"]), got.reason
    assert got.token == want.get("token")
    assert want.get("reason", "") in got.reason
    for flag in ("needs_attention", "may_answer"):
        if flag in want:
            assert getattr(got, flag) is want[flag], flag

    if got.kind in {Kind.COMMAND, Kind.COORDINATOR}:
        assert got.commands is not None
        if "verb" in want:
            assert len(got.commands.commands) == 1, got.commands.reason
            command = got.commands.commands[0]
            assert command.verb == want["verb"]
            assert command.choice == want.get("choice")
            assert command.minutes == want.get("minutes")
            assert command.on == want.get("on")
            assert command.target == want.get("target")
            assert want.get("unpair_reason", "") in command.reason
        else:
            assert got.commands.commands == ()
        answer = got.commands.answer
        assert (answer.value if answer else None) == want.get("answer")
        if want.get("no_command"):
            assert not got.commands.understood

    if got.kind is Kind.AUTO_REPLY:
        assert got.auto_reply is not None
        assert got.auto_reply.out_of_office is want["out_of_office"]
        assert got.auto_reply.return_date == want.get("return_date")

    if got.kind is Kind.BOUNCE:
        assert got.bounce is not None
        assert list(got.bounce.failed_recipients) == want["failed"]
        assert list(got.bounce.tokens) == want["bounce_tokens"]
        assert list(got.bounce.message_ids) == want["bounce_ids"]

    if got.kind is Kind.FORM:
        assert got.form is not None
        if "registered" in want:
            assert got.form.problems == ()
            reg = got.form.registration
            assert reg is not None
            assert reg.email == want["registered"]
            assert reg.grade == want["grade"]
            assert sorted(r.value for r in reg.roles) == want["roles"]
            assert reg.department == want["department"]
            assert list(reg.characteristics) == want["characteristics"]
            assert reg.long_term_capacity == want["capacity"]
        else:
            assert got.form.registration is None
            assert got.form.contact == want["contact"]
            assert len(got.form.problems) == len(want["problems"]), got.form.problems
            for fragment, problem in zip(want["problems"], got.form.problems, strict=True):
                assert fragment in problem
