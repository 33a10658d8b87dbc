"""A command a person can send by email, as one object (Mailman's `eml_*.py` modules).

Each `handlers/<command>.py` module builds its `EmailCommand`: the words that start it,
how its arguments are read, when a person may send it, the line that explains it, what
a bare "yes" or "no" means in reply to which question, and the handler that carries it
out. `handlers/__init__.py` lists them in one tuple and `service.bootstrap` puts them in
a `CommandTable`, from which the parser, HELP, every email's footer and the
"what you could send instead" lists are all generated: they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

from service.bus import CommandRequest, Context, Handler
from service.inbound.commands import ArgumentParser, Command, plain
from service.mail.tokens import allows
from service.purpose import GENERAL, Purpose, PurposeKind
from service.standing import Standing

Commands = list[tuple[str, str]]  # (how it is written, what it does), as emails list them


def always(_: Standing) -> bool:
    return True


@dataclass(frozen=True)
class EmailCommand:
    verb: str  # its name in code, audit and reasons: "keep", "withdraw_request"
    spellings: tuple[str, ...]  # lower-case words that start a command line
    handler: Handler  # (request, uow, ctx) -> emails
    shown: str  # how footers and HELP write it: "KEEP 1, 2 or 3"
    help: str  # one line: what it does
    available: Callable[[Standing], bool] = always  # may this person send it now?
    arguments: ArgumentParser = plain  # reads what follows the command word
    destructive: bool = False  # never guessed: a sentence mentioning it is not acted on
    targeted: bool = False  # a coordinator may aim it at someone by address
    coordinator_help: str = ""  # its line in coordinators' footers, when targeted
    ends_something: bool = False  # a reply token must be young, else we confirm first
    asks_first: bool = False  # the handler itself always asks before acting
    always_offered: bool = False  # allowed even in reply to a one-question email (tokens)
    changes_nothing: bool = False  # only tells: allowed in reply to a form-update question
    yes_to: frozenset[PurposeKind] = frozenset()  # a bare "yes" to these emails is this
    no_to: frozenset[PurposeKind] = frozenset()  # a bare "no" to these emails is this
    offer: Callable[[Standing], tuple[str, str]] | None = None  # (shown, help) for now
    reason_follows: bool = False  # the lines under the command are its reason (UNPAIR)
    arguments_in_subject: bool = False  # a subject line may carry its arguments
    answer_help: str = ""  # its line in the footer of an email it is the answer to
    # Offered (and allowed) only in reply to emails whose purpose asks for it (a score
    # from 1 to 5 answers "how is your mentoring going?", never any other email).
    asked_by: Callable[[Purpose], bool] | None = None
    # Reads a reply's new text as the answer to that question: the command, why it
    # cannot be taken (the person is asked again), or None (read the reply as usual).
    read_answer: Callable[[str], Command | str | None] | None = None
    # After it is carried out, does the message also need a coordinator? The reason for
    # the needs-attention folder ("" when not): a low feedback score, say.
    attention: Callable[[CommandRequest, Context], str] | None = None
    coordinator_shown: str = ""  # how coordinators' footers write it: "PAIR <mentor> <mentee>"
    verified_only: bool = False  # a coordinator's correction: only from a verified sender

    @property
    def name(self) -> str:
        """How people write it: "WITHDRAW REQUEST"."""
        return self.verb.replace("_", " ").upper()


class CommandTable:
    """Every command, in the order emails list them."""

    def __init__(self, commands: Iterable[EmailCommand]) -> None:
        self._commands = tuple(commands)
        self._by_verb = {c.verb: c for c in self._commands}
        if len(self._by_verb) != len(self._commands):
            raise ValueError("two commands with the same verb")
        words = [s for c in self._commands for s in c.spellings]
        if len(set(words)) != len(words):
            raise ValueError("two commands spelled the same way")
        self._answers: dict[tuple[PurposeKind, bool], EmailCommand] = {}
        for command in self._commands:
            for kind, yes in [(k, True) for k in command.yes_to] + [
                (k, False) for k in command.no_to
            ]:
                if (kind, yes) in self._answers:
                    raise ValueError(f"two commands answer {kind.value!r} {yes}")
                self._answers[(kind, yes)] = command

    def __iter__(self) -> Iterator[EmailCommand]:
        return iter(self._commands)

    def get(self, verb: str) -> EmailCommand | None:
        return self._by_verb.get(verb)

    def __getitem__(self, verb: str) -> EmailCommand:
        return self._by_verb[verb]

    @cached_property
    def spellings(self) -> list[tuple[str, EmailCommand]]:
        """Longest first, so "delete my data" wins over "my data"."""
        pairs = [(s, c) for c in self._commands for s in c.spellings]
        return sorted(pairs, key=lambda pair: len(pair[0]), reverse=True)

    @cached_property
    def verb_words(self) -> re.Pattern[str]:
        """Any command word inside a sentence."""
        words = "|".join(re.escape(s).replace(r"\ ", r"\s+") for s, _ in self.spellings)
        return re.compile(r"\b(?:" + words + r")\b")

    def answering(self, kind: PurposeKind, yes: bool) -> EmailCommand | None:
        """The command a bare yes (or no) means in reply to an email asking `kind`."""
        return self._answers.get((kind, yes))

    def answers(self, kind: PurposeKind) -> Commands:
        """The footer of an email that only asks a question (confirm before acting): the
        commands a bare yes or no means in reply to it."""
        return [(c.shown, c.answer_help or c.help) for c in self if kind in c.yes_to | c.no_to]

    def for_coordinators(self) -> Commands:
        """What a coordinator may send about a participant (their answers' footer)."""
        return [
            (c.coordinator_shown or f"{c.name} <email>", c.coordinator_help)
            for c in self
            if c.targeted
        ]

    def offered(self, s: Standing, purpose: Purpose = GENERAL) -> Commands:
        """What this person may send now in reply to an email asking `purpose`: every
        email's footer, HELP and problem answers. An email offers the answers to its
        own question, and never a command its reply token would refuse."""
        return [
            c.offer(s) if c.offer else (c.shown, c.help)
            for c in self
            if (c.available(s) or purpose.kind in c.yes_to | c.no_to or c.asked_by is not None)
            and allows(purpose, c)
        ]
