"""Understanding inbound mail: pure parsing and classification (no I/O).

The pipeline hands `classify()` the raw bytes of one message and gets back a frozen
`Classification` saying what the message is, why, and what it asks for. Anything that
needs the database is asked through the small `Lookup` protocol.
"""

from service.inbound.classify import Classification, Kind, Lookup, classify
from service.inbound.commands import Command, CommandReading, read_commands
from service.inbound.flood import Allowance, auto_answer_allowance
from service.inbound.forms import FormResult, Registration, Role, parse_form_email, read_answers
from service.inbound.mime import ParsedMail, parse_mail
from service.inbound.replies import new_text

__all__ = [
    "Allowance",
    "Classification",
    "Command",
    "CommandReading",
    "FormResult",
    "Kind",
    "Lookup",
    "ParsedMail",
    "Registration",
    "Role",
    "auto_answer_allowance",
    "classify",
    "new_text",
    "parse_form_email",
    "parse_mail",
    "read_answers",
    "read_commands",
]
