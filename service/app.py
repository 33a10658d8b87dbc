"""What the service runs on: settings + configuration + the components built from them.

`service.bootstrap` (the composition root) builds the one `App` the CLI, the worker,
the demo and the tests use; they ask it for the database, the mailbox transport, Redis
and the command table, and nothing else constructs those.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, NamedTuple

from service.config import ProgrammeConfig
from service.settings import Settings

if TYPE_CHECKING:
    # Types only: the command table brings the inbound mail readers (regular expressions,
    # email-validator), which a command that answers no email never needs; SQLAlchemy and
    # the table mapping (database, unit of work) cost a fresh process about 0.4 s, which
    # a dry run on a SQLite file does without (see `App.reads`).
    from service.bus import Handler
    from service.email_command import CommandTable
    from service.mail.transport import Transport
    from service.store.database import Database
    from service.store.sql_unit_of_work import SqlUnitOfWork
    from service.store.unit_of_work import ReadsRounds


class Handlers(NamedTuple):
    commands: CommandTable  # every command a person can send by email, with its handler
    form_handler: Handler  # what a registration form from the form relay goes to


@dataclass
class App:
    settings: Settings
    config: ProgrammeConfig
    # The handlers, given by the composition root and loaded the first time they are
    # needed: a command that answers no email (`round match`) never imports them.
    load_handlers: Callable[[], Handlers]
    _closers: list[object] = field(default_factory=list, repr=False)

    @cached_property
    def handlers(self) -> Handlers:
        return self.load_handlers()

    @property
    def commands(self) -> CommandTable:
        return self.handlers.commands

    @property
    def form_handler(self) -> Handler:
        return self.handlers.form_handler

    @cached_property
    def db(self) -> Database:
        from service.store.database import Database

        return Database(self.settings.database_url)

    def uow(self, *, actor: str = "system", inbound_id: int | None = None) -> SqlUnitOfWork:
        from service.store.sql_unit_of_work import SqlUnitOfWork

        return SqlUnitOfWork(self.db, actor=actor, inbound_id=inbound_id)

    def reads(self) -> AbstractContextManager[ReadsRounds]:
        """A read-only view of the rounds, for a command that stores nothing (a dry run):
        straight over sqlite3 on a plain SQLite file, else a unit of work. Either way the
        schema is checked first, as `db.ensure_ready()` does."""
        from service.store.sqlite_reads import open_reads

        unit = open_reads(self.settings.database_url)
        if unit is not None:
            return unit
        self.db.ensure_ready()
        return self.uow(actor="coordinator")

    @cached_property
    def transport(self) -> Transport:
        from service.mail.factory import build_transport

        return build_transport(self.settings, self.config)

    def close(self) -> None:
        if "transport" in self.__dict__:
            self.transport.close()
        if "db" in self.__dict__:
            self.db.dispose()
