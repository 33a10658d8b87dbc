"""Test data for the inbound tests: a small in-memory answer to the classifier's questions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "mail"
# The corpus was written on Friday 13 March 2026; commands like "yesterday" count from it.
NOW = datetime(2026, 3, 13, 17, 0, tzinfo=UTC)
SAM_TOKEN = "k7p2xq4rmn3vb6ta"
ALEX_TOKEN = "h2j3k4l5m6n7p2q3"


@dataclass
class MemoryLookup:
    """What the store would answer for the corpus's people."""

    tokens: set[str] = field(default_factory=lambda: {SAM_TOKEN, ALEX_TOKEN})
    participants: set[str] = field(
        default_factory=lambda: {"sam.jones@hmrc.gov.uk", "alex.smith@dwp.gov.uk"}
    )
    message_ids: set[str] = field(default_factory=set)

    def is_our_message_id(self, message_id: str) -> bool:
        return message_id in self.message_ids

    def token_known(self, token: str) -> bool:
        return token in self.tokens

    def is_participant(self, address: str) -> bool:
        return address in self.participants


class Verb(StrEnum):
    """The verbs of the command table (`handlers.COMMANDS`), by name, for readable tests."""

    CONFIRM = "confirm"
    KEEP = "keep"
    NONE = "none"
    ACCEPT = "accept"
    DECLINE = "decline"
    UNPAIR = "unpair"
    MET = "met"
    NOT_RESPONDING = "not_responding"
    NOT_CONTACTED = "not_contacted"
    WITHDRAW = "withdraw"
    WITHDRAW_REQUEST = "withdraw_request"
    CONTINUE = "continue"
    STATUS = "status"
    HELP = "help"
    MY_DATA = "my_data"
    DELETE_MY_DATA = "delete_my_data"
