"""Handlers: one module per thing a person can ask for by email.

Importing this package registers every handler on the message bus (`service.bus`).
"""

from handlers import (  # noqa: F401 (importing registers the handlers)
    answer,
    continue_,
    data,
    keep,
    met,
    none,
    not_responding,
    register,
    status,
    unpair,
    withdraw,
)
