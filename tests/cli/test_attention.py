"""The needs-attention worklist: the filed copy says why, `mentoring attention` lists,
shows and resolves, and the digest quotes the first lines and flags what waits too long.
Real database, real Maildir, the real pipeline; no traceback."""

from __future__ import annotations

from email import message_from_bytes
from email.policy import default

from freezegun.api import FrozenDateTimeFactory

from jobs.digest import send_digest
from service import clock
from service.mail import outbox
from service.mail.filed_copy import HEADER
from tests.cli_runner import run
from tests.harness import Programme, person_answers

COORDINATOR = "coordinators@civilservice.lgbt.example"


def _set_aside(programme: Programme) -> None:
    stranger = programme.plain(
        "stranger@example.net",
        "Can I still join?",
        "Hello, I missed the form.\nCan I still join this year?\n\nThanks, Kim\n"
        "PS I am bisexual, if that helps with matching.",
        X_Mentoring_Attention="resolved, nothing to do",
    )
    forged_form = programme.form(
        person_answers("sam@example.org", "Sam", "Lee", characteristics="Bisexual"),
        verified=False,
    )
    programme.deliver(stranger)
    programme.deliver(forged_form)
    programme.process()


def _digest(programme: Programme) -> str:
    send_digest(programme.app, clock.now())
    outbox.drain(programme.app.db, programme.app.transport)
    return programme.last_to(COORDINATOR).text


def test_the_filed_copy_carries_our_reason_and_never_the_senders(programme: Programme) -> None:
    _set_aside(programme)
    filed = [
        message_from_bytes(p.read_bytes(), policy=default)
        for p in programme.folder("needs-attention")
    ]
    assert len(filed) == 2
    reasons = sorted(str(m.get_all(HEADER)) for m in filed)
    assert all("resolved, nothing to do" not in r for r in reasons)
    assert any("unknown sender:" in r for r in reasons)
    assert any("sender not proven:" in r for r in reasons), reasons


def test_list_show_and_resolve(programme: Programme, frozen: FrozenDateTimeFactory) -> None:
    _set_aside(programme)
    code, out = run("attention", "list")
    assert code == 0, out
    assert out.count("waited under an hour") == 2 and "2 waiting." in out
    number = int(out.split("#", 1)[1].split()[0])
    code, out = run("attention", "show", str(number))
    assert code == 0 and "they wrote: “Hello, I missed the form. / Can I still join" in out
    assert "bisexual" not in out.lower()
    frozen.move_to("2026-05-25 09:00")  # Wednesday to Monday: three working days
    code, out = run("attention", "list")
    assert out.count("OVER TWO WORKING DAYS") == 2 and "2 over two working days" in out
    code, out = run("attention", "resolve", str(number), "--note", "Told Kim about next year",
                    "--by", COORDINATOR)  # fmt: skip
    assert code == 0 and "No one was written to" in out
    code, out = run("attention", "list")
    assert "1 waiting" in out and f"#{number} " not in out
    code, out = run("attention", "show", str(number))
    assert f"by {COORDINATOR}: Told Kim about next year" in out
    code, out = run("attention", "list", "--resolved")
    assert f"#{number} " in out


def test_mistakes_are_one_line(programme: Programme) -> None:
    _set_aside(programme)
    code, out = run("attention", "show", "9999")
    assert code == 1 and out.strip() == "Error: No needs-attention message has the number 9999."
    code, out = run("attention", "resolve", "1", "--by", "someone@example.net")
    assert code == 1
    assert (
        out.strip()
        == "Error: someone@example.net is not a coordinator address in the configuration."
    )
    assert run("attention", "resolve", "1")[0] == 0
    code, out = run("attention", "resolve", "1")
    assert code == 1 and "already resolved by command line" in out


def test_the_digest_quotes_first_lines_and_flags_what_waits(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    _set_aside(programme)
    frozen.move_to("2026-05-20 15:00")
    text = _digest(programme)
    assert (
        'They wrote: "Hello, I missed the form. / Can I still join this year? / Thanks, Kim…"'
        in text
    )
    assert "bisexual" not in text.lower()  # neither a form's answers nor a line naming one
    assert "Waiting over two working days" not in text
    frozen.move_to("2026-05-22 15:00")  # two working days later: both cross today
    text = _digest(programme)
    assert "Waiting over two working days (2)" in text and "waited 2 days" in text
    frozen.move_to("2026-05-23 15:00")  # nothing new, nothing crossed: no digest
    assert send_digest(programme.app, clock.now()) == 0
