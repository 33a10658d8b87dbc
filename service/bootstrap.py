"""The composition root (cosmicpython's `bootstrap.py`): where the parts are put together.

`service` never imports `handlers` anywhere else: this module does (when the App first
needs them) and hands the command table and the form handler to the `App` that the CLI,
the worker, the demo and the tests run on. Nothing is registered by importing a module.
"""

from __future__ import annotations

from service.app import App, Handlers
from service.config import ProgrammeConfig
from service.config_cache import load_config_cached
from service.settings import Settings, load_settings


def build(settings: Settings, config: ProgrammeConfig) -> App:
    """An App on these settings and this programme configuration."""
    return App(settings=settings, config=config, load_handlers=_handlers)


def _handlers() -> Handlers:
    # Imported when first needed, not at start-up: the handlers bring in the whole inbound
    # and outbound mail stack, which `round match` or `--help` have no use for.
    import handlers

    return Handlers(handlers.TABLE, handlers.FORM_HANDLER)


def load(config_path: str | None = None) -> App:
    """An App from the environment's settings and the configuration file they name
    (validated once, then read from the data directory's cache while unchanged)."""
    settings = load_settings()
    return build(settings, load_config_cached(config_path or settings.config_path, settings.home))
