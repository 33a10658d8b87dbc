"""The command table: every command one object, and the parser reads what it declares."""

from __future__ import annotations

from datetime import date

import pytest

from handlers import COMMANDS, TABLE
from service.email_command import CommandTable, EmailCommand
from service.inbound.commands import read_commands
from service.purpose import PurposeKind

TODAY = date(2026, 3, 13)


# A coordinator's corrections need their arguments (service/inbound/coordinator_args.py).
CORRECTIONS = {
    "pair": "PAIR sam@dept.gov.uk alex@dept.gov.uk",
    "reopen": "REOPEN sam@dept.gov.uk",
    "edit_meeting": "EDIT MEETING sam@dept.gov.uk 2 45 mins 12/03",
    "delete_meeting": "DELETE MEETING sam@dept.gov.uk 2",
    "note": "NOTE sam@dept.gov.uk Prefers calls in the afternoon",
    "resend": "RESEND sam@dept.gov.uk matches_mentee",
    "reinstate": "REINSTATE sam@dept.gov.uk",
}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.verb)
def test_every_spelling_reads_as_its_command(command: EmailCommand) -> None:
    if command.verified_only:
        line = CORRECTIONS[command.verb]
        reading = read_commands(line, "", today=TODAY, commands=TABLE, coordinator=True)
        assert [(c.verb, c.target) for c in reading.commands] == [
            (command.verb, "sam@dept.gov.uk")
        ], reading.reason
        # From a participant the same line is words of their own, not a command.
        assert read_commands(line, "", today=TODAY, commands=TABLE).commands == ()
        return
    for spelling in command.spellings:
        line = f"{spelling} 2" if command.verb in {"keep", "capacity"} else spelling
        reading = read_commands(line.upper(), "", today=TODAY, commands=TABLE)
        assert [c.verb for c in reading.commands] == [command.verb], reading.reason


def test_a_bare_yes_or_no_means_what_the_question_asked() -> None:
    answers = {
        (kind, yes): found.verb
        for kind in PurposeKind
        for yes in (True, False)
        if (found := TABLE.answering(kind, yes)) is not None
    }
    assert answers == {
        (PurposeKind.REGISTRATION, True): "confirm",
        (PurposeKind.REGISTRATION, False): "withdraw",
        (PurposeKind.APPROACH, True): "accept",
        (PurposeKind.APPROACH, False): "decline",
        (PurposeKind.CONTINUE, True): "continue",
        (PurposeKind.ERASURE, True): "delete_my_data",
        (PurposeKind.CONFIRM, True): "confirm",
        (PurposeKind.COORDINATOR, True): "confirm",
        (PurposeKind.FORM_UPDATE, True): "confirm",
        (PurposeKind.HOLD, True): "hold",
    }


def test_two_commands_cannot_share_a_word_or_a_verb() -> None:
    keep = TABLE["keep"]
    with pytest.raises(ValueError, match="spelled"):
        CommandTable([*COMMANDS, keep.__class__(**{**keep.__dict__, "verb": "keep_again"})])
    with pytest.raises(ValueError, match="verb"):
        CommandTable([*COMMANDS, keep])


def test_coordinators_are_offered_the_commands_they_may_aim_at_someone() -> None:
    assert [shown for shown, _ in TABLE.for_coordinators()] == [
        "UNPAIR <email>",
        "WITHDRAW <email>",
        "STATUS <email>",
        "PAIR <mentor> <mentee>",
        "REOPEN <email> [<partner>]",
        "EDIT MEETING <email> N [45 mins] [12/03]",
        "DELETE MEETING <email> N",
        "NOTE <email> [<partner>] your words",
        "RESEND <email> <email's name>",
        "REINSTATE <email>",
    ]


def test_a_new_command_is_read_and_offered_from_its_object_alone() -> None:
    from datetime import UTC, datetime

    from service.bus import CommandRequest, Context
    from service.domain.model import Person
    from service.messages import Email
    from service.standing import Standing
    from service.store.unit_of_work import UnitOfWork

    def away(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
        return []

    stand_in = EmailCommand(
        verb="away",
        spellings=("away", "on leave"),
        handler=away,
        shown="AWAY",
        help="stop our emails for a while",
        destructive=True,
    )
    table = CommandTable([*COMMANDS, stand_in])
    reading = read_commands("Hi,\n\nOn leave please", "", today=TODAY, commands=table)
    assert [c.verb for c in reading.commands] == ["away"]
    # Destructive: never guessed from a sentence.
    assert read_commands("I may be away later", "", today=TODAY, commands=table).commands == ()
    person = Person(email="a@b.gov.uk", first_name="A", last_name="B", created_at=datetime.now(UTC))
    assert ("AWAY", "stop our emails for a while") in table.offered(Standing(person=person))
    assert "away" not in {c.verb for c in TABLE}  # the real table is untouched
