"""Emails to the coordinators, and the wording helpers emails share, for the handlers
(answering a command) and the jobs (a time rule) alike. An email to a participant, with
the commands open to them now, is `handlers.common.email_to` (it reads the command
table); how one person is shown to another is `service.domain.card.participant_card`."""

from __future__ import annotations

from typing import Any

from service.config import ProgrammeConfig
from service.messages import Email, Recipient


def grade_name(config: ProgrammeConfig, code: str) -> str:
    return config.vocabulary.grade_names.get(code, code)



def coordinators(config: ProgrammeConfig) -> list[Recipient]:
    return [
        Recipient(address=a, name="Mentoring coordinators") for a in config.coordinators.addresses
    ]


def to_coordinators(
    key: str, template: str, config: ProgrammeConfig, context: dict[str, Any]
) -> list[Email]:
    """The same email to each coordinator address (a digest, a report, an escalation)."""
    return [
        Email(
            key=f"{key}:{who.address}",
            template=template,
            to=who,
            context={
                "person": {"first_name": "coordinators", "last_name": "", "email": who.address},
                "commands": [],
                **context,
            },
        )
        for who in coordinators(config)
    ]
