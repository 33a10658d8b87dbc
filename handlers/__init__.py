"""Handlers: one module per thing a person can ask for by email.

Importing this package registers every handler on the message bus (`service.bus`).
"""

import handlers.data
import handlers.status
import handlers.withdraw  # noqa: F401
from handlers import register  # noqa: F401
