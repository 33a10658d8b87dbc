"""The composition root: settings + configuration + the components built from them.

The CLI, the worker and the tests build one `App` and ask it for the database, the
mailbox transport and Redis; nothing else constructs those.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from service.config import ProgrammeConfig, load_config
from service.settings import Settings, load_settings
from service.store.database import Database
from service.store.sql_unit_of_work import SqlUnitOfWork

if TYPE_CHECKING:
    from service.mail.transport import Transport


@dataclass
class App:
    settings: Settings
    config: ProgrammeConfig
    _closers: list[object] = field(default_factory=list, repr=False)

    @classmethod
    def load(cls, config_path: str | None = None) -> App:
        settings = load_settings()
        return cls(settings=settings, config=load_config(config_path or settings.config_path))

    @cached_property
    def db(self) -> Database:
        return Database(self.settings.database_url)

    def uow(self, *, actor: str = "system", inbound_id: int | None = None) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.db, actor=actor, inbound_id=inbound_id)

    @cached_property
    def transport(self) -> Transport:
        from service.mail.factory import build_transport

        return build_transport(self.settings, self.config)

    def close(self) -> None:
        if "transport" in self.__dict__:
            self.transport.close()
        if "db" in self.__dict__:
            self.db.dispose()
