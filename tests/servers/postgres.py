"""A throwaway PostgreSQL cluster: `initdb` and `pg_ctl` from the Debian package.

The cluster lives in a temp dir, listens on a free loopback port with its unix socket in
that dir, and trusts connections from this machine (it only ever holds test data, and no
other machine can reach it). initdb refuses to run as root, so when we are root the
binaries run as the `postgres` OS user and the dir is chowned to it. fsync is off: the
cluster dies with the test session anyway.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

SUPERUSER = "postgres"


def binaries() -> Path | None:
    """The newest installed PostgreSQL bin dir holding initdb and pg_ctl, or None."""
    found = sorted(
        (Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")),
        key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0,
    )
    for bindir in reversed(found):
        if (bindir / "pg_ctl").exists():
            return bindir
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    return None


def unavailable_reason() -> str | None:
    """Why a cluster cannot be started here, in plain words, or None if it can."""
    if binaries() is None:
        return "PostgreSQL's initdb and pg_ctl are not installed (apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no `postgres` OS user to run initdb as"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresServer:
    """A running cluster: make URLs, create and drop databases."""

    root: Path
    port: int
    host: str = "127.0.0.1"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{SUPERUSER}@{self.host}:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host, port=self.port, user=SUPERUSER, dbname="postgres", autocommit=True
        )

    def create_database(self, name: str, *, template: str = "template0") -> str:
        """A new database copied from `template`; returns its SQLAlchemy URL."""
        with self._admin() as conn:
            conn.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(name), sql.Identifier(template)
                )
            )
        return self.url(name)

    def drop_database(self, name: str) -> None:
        # FORCE: a test that forgot to close a connection must not keep its database.
        with self._admin() as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def _as_owner(argv: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else argv


def _run(argv: list[str], root: Path) -> None:
    result = subprocess.run(_as_owner(argv), cwd=root, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(argv[0]).name} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )


def _start(bindir: Path, root: Path) -> PostgresServer:
    # The port is free when we ask, but something may take it before the server binds:
    # try another one, a few times.
    for attempt in range(3):
        server = PostgresServer(root=root, port=_free_port())
        options = (
            f"-c listen_addresses={server.host} -c port={server.port}"
            f" -c unix_socket_directories={server.socket_dir}"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c max_connections=200"
        )
        try:
            _run(
                [
                    str(bindir / "pg_ctl"),
                    "-D", str(root / "data"),
                    "-o", options,
                    "-l", str(root / "server.log"),
                    "-w",
                    "-t", "60",
                    "start",
                ],
                root,
            )  # fmt: skip
            return server
        except RuntimeError as exc:
            log = root / "server.log"
            if attempt == 2:
                raise RuntimeError(f"{exc}\n{log.read_text() if log.exists() else ''}") from None
    raise AssertionError("unreachable")


def _watchdog(stop: list[str], root: Path) -> subprocess.Popen[bytes]:
    # A test run killed outright (timeout, kill -9) runs no teardown: a small shell in its
    # own session stops the cluster and deletes its files once this process is gone.
    script = (
        f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done;"
        f" {shlex.join(stop)} >/dev/null 2>&1; rm -rf {shlex.quote(str(root))}"
    )
    return subprocess.Popen(
        ["sh", "-c", script],
        start_new_session=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    """Start a fresh cluster, yield it, then stop it and delete its files."""
    reason = unavailable_reason()
    if reason:
        raise RuntimeError(reason)
    bindir = binaries()
    assert bindir is not None
    # Under /tmp, not pytest's tmp_path: its parents are private to root, so the
    # `postgres` user could not reach the cluster.
    root = Path(tempfile.mkdtemp(prefix="mentoring-pg-"))
    data, sockets = root / "data", root / "socket"
    sockets.mkdir()
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (root, sockets):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    try:
        _run(
            [
                str(bindir / "initdb"),
                "-D", str(data),
                "-U", SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            root,
        )  # fmt: skip
        server = _start(bindir, root)
        stop = [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
        watchdog = _watchdog(_as_owner(stop), root)
        try:
            yield server
        finally:
            watchdog.kill()
            watchdog.wait()
            _run(stop, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
