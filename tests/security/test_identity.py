"""Nobody can act as someone else: each attack of issue 11 (items 2–7) replayed through the
real pipeline on a real Maildir, asserting on the sent files and the stored state; and the
legitimate users (a participant from their address, a verified coordinator, the verified
form relay) still get through."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import pytest
from freezegun.api import FrozenDateTimeFactory
from sqlalchemy import func, select

from service.domain.model import (
    Meeting,
    Pairing,
    PairingStatus,
    Person,
    Registration,
    RegistrationStatus,
)
from service.store.orm import inbound_messages, outbound_messages
from service.store.records import InboundMessage, InboundStatus
from tests.harness import FORM_SENDER, Programme, Sent, person_answers
from tests.workflow.people_helpers import MENTEE, MENTOR, cast, pair, person, register

COORDINATOR = "coordinators@civilservice.lgbt.example"
MALLORY = "mallory@evil.example"
AUTHSERV = "mx.mentoring.test"
_seq = iter(range(1, 100_000))


def raw(
    programme: Programme, headers: list[tuple[str, str]], body: str, *, subject: str = "Hello"
) -> bytes:
    """A message written byte for byte, so a header can say exactly what an attacker wants."""
    n = next(_seq)
    lines = [f"{name}: {value}" for name, value in headers]
    lines += [
        f"To: {programme.app.config.programme.mailbox}",
        f"Subject: {subject}",
        f"Message-ID: <attack.{n}@evil.example>",
        "Date: Wed, 20 May 2026 09:00:00 +0000",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body + "\r\n").encode()


def passed(domain: str, authserv: str = AUTHSERV) -> tuple[str, str]:
    return ("Authentication-Results", f"{authserv}; dmarc=pass header.from={domain}")


def registration(programme: Programme, pid: int) -> Registration:
    with programme.app.uow() as uow:
        found = uow.session.scalars(select(Registration).filter_by(person_id=pid)).one()
        return found


def pairing(programme: Programme, pairing_id: int) -> Pairing:
    with programme.app.uow() as uow:
        found = uow.session.get(Pairing, pairing_id)
        assert found is not None
        return found


def last_inbound(programme: Programme) -> InboundMessage:
    with programme.app.uow() as uow:
        newest = uow.session.scalar(select(func.max(inbound_messages.c.id)))
        found = uow.session.get(InboundMessage, newest)
        assert found is not None
        return found


def templates_to(programme: Programme, address: str) -> list[str]:
    with programme.app.uow() as uow:
        return list(
            uow.session.scalars(
                select(outbound_messages.c.template)
                .where(outbound_messages.c.to_address == address)
                .order_by(outbound_messages.c.id)
            )
        )


# --- 2. who is speaking ---------------------------------------------------------------


def test_display_name_spoofing_of_the_coordinator_address_changes_nothing(
    programme: Programme,
) -> None:
    people = cast(programme)
    before = len(programme.sent())
    for sender in (
        f"{COORDINATOR} <{MALLORY}>",
        f'"{COORDINATOR}" <{MALLORY}>',
        f"{COORDINATOR}, {MALLORY}",
    ):
        programme.send(
            raw(programme, [("From", sender), passed("evil.example")], f"WITHDRAW {MENTOR}")
        )
        record = last_inbound(programme)
        assert record.status is InboundStatus.NEEDS_ATTENTION
        assert record.sender_trust.startswith("forged")
        assert "forged" in record.reason
    assert registration(programme, people["mentor"]).status is RegistrationStatus.CONFIRMED
    assert len(programme.sent()) == before  # not to mallory, not to anyone
    assert programme.inbox_of(MALLORY) == []


def test_display_name_spoofing_of_every_form_relay_changes_nothing(programme: Programme) -> None:
    register(programme, MENTEE, "Alex", "Morgan")
    body = "\r\n".join(
        f"{q.text}: {v}"
        for q in programme.app.config.form.questions
        for k, v in person_answers(MENTEE, "Mallory", "Evil", grade="G7").items()
        if q.field == k
    )
    for relay in programme.app.config.form.senders:
        for sender in (f"{relay} <{MALLORY}>", f'"{relay}" <{MALLORY}>', f"{relay}, {MALLORY}"):
            # Even with a DMARC pass: for evil.example, the domain that really sent it.
            programme.send(raw(programme, [("From", sender), passed("evil.example")], body))
            record = last_inbound(programme)
            assert record.status is InboundStatus.NEEDS_ATTENTION, sender
            assert record.sender_trust.startswith("forged")
    assert person(programme, 1).last_name == "Morgan"
    assert programme.inbox_of(MALLORY) == []
    assert len(programme.inbox_of(MENTEE)) == 2  # the confirmation and its answer, no more


def test_a_form_from_an_unverified_relay_goes_to_the_coordinators(programme: Programme) -> None:
    programme.send(programme.form(person_answers(MENTEE, "Alex", "Morgan"), verified=False))
    record = last_inbound(programme)
    assert record.status is InboundStatus.NEEDS_ATTENTION
    assert "not verified" in record.reason and "unverified" in record.sender_trust
    with programme.app.uow() as uow:
        assert uow.repo.person_by_email(MENTEE) is None
    assert programme.sent() == []


def test_forged_authentication_results_do_not_verify_a_coordinator(programme: Programme) -> None:
    people = cast(programme)
    wrong_host = [("From", COORDINATOR), passed("civilservice.lgbt.example", "mx.evil.example")]
    lower_down = [
        ("Authentication-Results", f"{AUTHSERV}; dmarc=fail header.from=civilservice.lgbt.example"),
        passed("civilservice.lgbt.example"),  # written by the sender, below our host's
        ("From", COORDINATOR),
    ]
    unaligned = [
        ("From", COORDINATOR),
        (
            "Authentication-Results",
            f"{AUTHSERV}; spf=pass smtp.mailfrom=evil.example; dkim=pass header.d=evil.example",
        ),
    ]
    for headers in (wrong_host, lower_down, unaligned):
        programme.send(raw(programme, [*headers, ("Reply-To", MALLORY)], f"WITHDRAW {MENTOR}"))
    assert registration(programme, people["mentor"]).status is RegistrationStatus.CONFIRMED
    assert programme.inbox_of(MALLORY) == []
    # The first and the third were answered with a round trip to the coordinator address
    # itself (never the Reply-To); the second carried our host's DMARC fail: forged.
    assert templates_to(programme, COORDINATOR) == ["confirm_command", "confirm_command"]
    asked = programme.last_to(COORDINATOR)
    assert "reply CONFIRM" in asked.text and "withdraw Priya Shah" in asked.text


def test_the_coordinator_round_trip_acts_only_on_the_coordinator_reply(
    programme: Programme,
) -> None:
    people = cast(programme)
    programme.send(programme.plain(COORDINATOR, "Leaving", f"WITHDRAW {MENTOR}", verified=False))
    assert registration(programme, people["mentor"]).status is RegistrationStatus.CONFIRMED
    asked = programme.last_to(COORDINATOR)
    # Mallory got hold of the confirmation email: her CONFIRM does nothing.
    programme.send(programme.reply(asked, "CONFIRM", sender=MALLORY))
    assert registration(programme, people["mentor"]).status is RegistrationStatus.CONFIRMED
    assert "another address" in last_inbound(programme).reason
    # The round trip's token does only what it asked: not some other command.
    priya_mails = len(programme.inbox_of(MENTOR))
    programme.send(programme.reply(asked, "UNPAIR"))
    assert last_inbound(programme).status is InboundStatus.NEEDS_ATTENTION
    assert len(programme.inbox_of(MENTOR)) == priya_mails
    programme.send(programme.reply(asked, "CONFIRM"))
    assert registration(programme, people["mentor"]).status is RegistrationStatus.WITHDRAWN


def test_a_verified_coordinator_acts_at_once_and_status_needs_no_round_trip(
    programme: Programme,
) -> None:
    people = cast(programme)
    programme.send(programme.plain(COORDINATOR, "A question", f"STATUS {MENTOR}", verified=False))
    assert templates_to(programme, COORDINATOR)[-1] != "confirm_command"
    programme.send(programme.plain(COORDINATOR, "Leaving", f"WITHDRAW {MENTOR}"))
    assert registration(programme, people["mentor"]).status is RegistrationStatus.WITHDRAWN
    assert "confirm_command" not in templates_to(programme, COORDINATOR)


# --- 4. forms -----------------------------------------------------------------------------


def test_a_form_for_a_registered_address_changes_nothing_until_they_confirm(
    programme: Programme,
) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    before = registration(programme, pid)
    programme.send(
        programme.form(
            person_answers(
                MENTEE,
                "Alex",
                "Evil",
                grade="HEO",
                wants_shared_characteristic="Yes",
                characteristics="Bisexual",
            )
        )
    )
    after = registration(programme, pid)
    assert (after.grade, after.characteristics) == (before.grade, before.characteristics)
    assert person(programme, pid).last_name == "Morgan"
    asked = programme.last_to(MENTEE)
    assert "Morgan" in asked.text and "Evil" in asked.text
    assert "Higher Executive Officer" in asked.text
    assert "Bisexual" not in asked.text + asked.html
    assert "shared characteristic changed" in asked.text
    programme.send(programme.reply(asked, "CONFIRM"))
    assert person(programme, pid).last_name == "Evil"
    assert registration(programme, pid).grade == "HEO"


# --- 5. tokens are bound ------------------------------------------------------------------


def _paired(programme: Programme) -> tuple[dict[str, int], int]:
    people = cast(programme)
    return people, pair(programme, people["mentor"], people["mentee"])


def test_a_token_used_from_another_address_is_an_unknown_sender(programme: Programme) -> None:
    _, pairing_id = _paired(programme)
    alices = programme.last_to(MENTEE)
    programme.send(programme.reply(alices, "UNPAIR", sender=MALLORY))
    token = parseaddr(alices.reply_to)[1].split("+")[1].split("@")[0]
    programme.send(programme.plain(MALLORY, f"hello [ref:{token}]", "UNPAIR", verified=False))
    assert pairing(programme, pairing_id).status is PairingStatus.ACTIVE
    assert programme.inbox_of(MALLORY) == []
    record = last_inbound(programme)
    assert record.status is InboundStatus.NEEDS_ATTENTION and token[:4] in record.reason


def test_a_registration_token_cannot_unpair(programme: Programme) -> None:
    people, pairing_id = _paired(programme)
    confirmation = programme.inbox_of(MENTEE)[0]  # "please confirm your address"
    programme.send(programme.reply(confirmation, "UNPAIR"))
    assert pairing(programme, pairing_id).status is PairingStatus.ACTIVE
    assert "did not offer UNPAIR" in programme.last_to(MENTEE).text
    assert person(programme, people["mentee"]).id == people["mentee"]


def test_an_old_token_needs_a_round_trip_for_unpair(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    _, pairing_id = _paired(programme)
    old = programme.last_to(MENTEE)
    frozen.tick(timedelta(days=91))
    programme.send(programme.reply(old, "UNPAIR"))
    assert pairing(programme, pairing_id).status is PairingStatus.ACTIVE
    asked = programme.last_to(MENTEE)
    assert "reply CONFIRM" in asked.text and "end your mentoring partnership" in asked.text
    programme.send(programme.reply(asked, "CONFIRM"))
    assert pairing(programme, pairing_id).status is PairingStatus.ENDED


def test_an_old_token_needs_a_round_trip_for_withdraw(
    programme: Programme, frozen: FrozenDateTimeFactory
) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    old = programme.last_to(MENTEE)
    frozen.tick(timedelta(days=91))
    programme.send(programme.reply(old, "WITHDRAW"))
    assert registration(programme, pid).status is RegistrationStatus.CONFIRMED
    programme.send(programme.reply(programme.last_to(MENTEE), "yes"))
    assert registration(programme, pid).status is RegistrationStatus.WITHDRAWN


# --- 6. automated mail proves itself --------------------------------------------------------


def _dsn(
    programme: Programme, failed: str, quoted: str = "", sender: str = "postmaster@evil.example"
) -> bytes:
    body = (
        "--B\r\nContent-Type: text/plain\r\n\r\nUndeliverable.\r\n"
        f"--B\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"--B\r\nContent-Type: text/rfc822-headers\r\n\r\n{quoted}\r\n--B--"
    )
    return raw(
        programme,
        [
            ("From", sender),
            ("X-Failed-Recipients", failed),
            ("MIME-Version", "1.0"),
            ("Content-Type", 'multipart/report; report-type=delivery-status; boundary="B"'),
        ],
        body,
        subject="Undeliverable: hello",
    ).replace(b"Content-Type: text/plain; charset=utf-8\r\n", b"", 1)


@pytest.mark.parametrize(
    "sender",
    ["postmaster@evil.example", "MAILER-DAEMON@civilservice.lgbt.example", MENTEE, COORDINATOR],
)
def test_a_forged_bounce_marks_nobody(programme: Programme, sender: str) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    programme.send(_dsn(programme, MENTEE, quoted=f"To: {MENTEE}\r\nSubject: hello", sender=sender))
    assert person(programme, pid).bouncing_since is None
    assert last_inbound(programme).status is InboundStatus.NEEDS_ATTENTION
    # A report that quotes the Message-ID of our email to them is believed.
    ours = programme.last_to(MENTEE)
    programme.send(_dsn(programme, MALLORY, quoted=f"Message-ID: {ours.message_id}"))
    assert person(programme, pid).bouncing_since is not None


def test_an_out_of_office_pauses_only_its_owner_and_not_for_long(programme: Programme) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    forged = [("From", MENTEE), ("Auto-Submitted", "auto-replied")]
    programme.send(
        raw(
            programme,
            forged,
            "I am out of the office until 1 December 2026.",
            subject="Automatic reply: hello",
        )
    )
    assert person(programme, pid).away_until is None
    ours = programme.last_to(MENTEE)
    genuine = [*forged, ("In-Reply-To", ours.message_id)]
    programme.send(
        raw(
            programme,
            genuine,
            "I am out of the office until 1 December 2026.",
            subject=f"Automatic reply: {ours.subject}",
        )
    )
    away = person(programme, pid).away_until
    assert away is not None and away.isoformat() == "2026-06-19"  # 30 days, not six months


# --- 7. floods ----------------------------------------------------------------------------


def _flood(programme: Programme, to_reply: Sent, body: str, times: int = 50) -> None:
    for _ in range(times):
        programme.deliver(programme.reply(to_reply, body))
    programme.process()


def test_fifty_of_every_command_get_a_handful_of_answers(programme: Programme) -> None:
    people, pairing_id = _paired(programme)
    mentee_before = len(programme.inbox_of(MENTEE))
    _flood(programme, programme.last_to(MENTEE), "MY DATA")
    _flood(programme, programme.last_to(MENTEE), "DELETE MY DATA")
    _flood(programme, programme.last_to(MENTEE), "MET 45 mins")
    limit = programme.app.config.limits.auto_answers_per_sender_per_day
    assert len(programme.inbox_of(MENTEE)) - mentee_before <= limit
    with programme.app.uow() as uow:
        meetings = uow.session.scalar(select(func.count()).select_from(Meeting))
        assert meetings == 1  # a second MET for the same day and length is "already logged"
        alex = uow.session.get(Person, people["mentee"])
        assert alex is not None and not alex.erased
    assert pairing(programme, pairing_id).status is PairingStatus.ACTIVE


def test_fifty_form_updates_change_nothing_and_ask_a_few_times(programme: Programme) -> None:
    pid = register(programme, MENTEE, "Alex", "Morgan")
    before = len(programme.inbox_of(MENTEE))
    for n in range(50):
        programme.deliver(programme.form(person_answers(MENTEE, "Alex", f"Evil{n}")))
    programme.process()
    assert person(programme, pid).last_name == "Morgan"
    asked = len(programme.inbox_of(MENTEE)) - before
    assert 1 <= asked <= programme.app.config.security.form_updates_per_address_per_day


def test_every_attack_together_leaves_the_exported_state_as_it_was(programme: Programme) -> None:
    from service.privacy import export_state

    _paired(programme)
    alices = programme.last_to(MENTEE)
    token = parseaddr(alices.reply_to)[1].split("+")[1].split("@")[0]

    def state() -> dict[str, object]:
        with programme.app.uow() as uow:
            found = export_state(uow)
        found.pop("mail")  # message counts: the attacks are kept, and some were answered
        return found

    before = state()
    attacks: list[bytes | EmailMessage] = [
        raw(programme, [("From", f"{COORDINATOR} <{MALLORY}>")], f"UNPAIR {MENTEE}"),
        raw(
            programme,
            [("From", COORDINATOR), passed("civilservice.lgbt.example", "mx.evil")],
            f"WITHDRAW {MENTOR}",
        ),
        raw(programme, [("From", f"{FORM_SENDER}, {MALLORY}")], "Email address: x@y.example"),
        programme.form(person_answers(MENTEE, "Mallory", "Evil", grade="G7")),
        programme.reply(alices, "UNPAIR", sender=MALLORY),
        programme.plain(MALLORY, f"[ref:{token}]", "WITHDRAW", verified=False),
        programme.reply(programme.inbox_of(MENTEE)[0], "UNPAIR"),
        _dsn(programme, MENTEE, quoted=f"To: {MENTEE}"),
        _dsn(programme, MENTOR, quoted=f"To: {MENTOR}", sender="MAILER-DAEMON@dept.example"),
        raw(
            programme,
            [("From", MENTEE), ("Auto-Submitted", "auto-replied")],
            "Out of the office until 1 March 2027.",
            subject="Automatic reply: hi",
        ),
    ]
    for attack in attacks:
        programme.deliver(attack)
    programme.process()
    assert state() == before
    assert programme.inbox_of(MALLORY) == []
    # What went out: a round trip to the coordinator address, "please confirm the changes"
    # and one refusal to Alex: answers to the real addresses, which change nothing.
    assert templates_to(programme, COORDINATOR)[-1] == "confirm_command"
    assert templates_to(programme, MENTEE)[-2:] == ["form_update_confirm", "problem_answer"]


def test_fifty_unverified_coordinator_status_requests_get_a_handful_of_answers(
    programme: Programme,
) -> None:
    cast(programme)
    for _ in range(50):
        programme.deliver(
            programme.plain(COORDINATOR, "A question", f"STATUS {MENTOR}", verified=False)
        )
    programme.process()
    limit = programme.app.config.limits.auto_answers_per_sender_per_day
    assert 1 <= len(programme.inbox_of(COORDINATOR)) <= limit
