"""Real IMAP servers on loopback: pymap's in-memory `dict` backend in a subprocess here,
Dovecot in `tests.fakes.dovecot_server`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from imapclient import IMAPClient

from service.mail.tls import tls_context

USER = "mentoring@example.org"
PASSWORD = "not-a-secret"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class ImapServer:
    kind: str  # "pymap" or "dovecot"
    host: str
    port: int
    user: str
    password: str
    # Set when the server requires STARTTLS: the CA file that makes its certificate trusted.
    ca_file: str = ""
    tls_port: int = 0  # a second port with implicit TLS (IMAPS), when there is one

    def admin(self) -> IMAPClient:
        """A separate session, as a coordinator's mail client would have."""
        client = IMAPClient(self.host, port=self.port, ssl=False)
        if self.ca_file:
            client.starttls(tls_context(self.ca_file, setting="test"))
        client.login(self.user, self.password)
        return client


def wait_until_listening(
    process: subprocess.Popen[bytes], host: str, port: int, why: Callable[[], str]
) -> None:
    """Return once `port` accepts connections; raise with `why()` if the server died."""
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            error = process.stderr.read().decode() if process.stderr else ""
            raise RuntimeError(f"the IMAP server did not start: {(error + why())[-800:]}")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("the IMAP server did not open its port") from None
            time.sleep(0.05)


def stop_process(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def running_pymap() -> Iterator[ImapServer]:
    port = free_port()
    command = [
        sys.executable,
        "-c",
        "import sys; from pymap.main import main; sys.exit(main())",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-tls",
        "dict",
        "--demo-user",
        USER,
        "--demo-password",
        PASSWORD,
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_listening(process, "127.0.0.1", port, lambda: "")
        yield ImapServer("pymap", "127.0.0.1", port, USER, PASSWORD)
    finally:
        stop_process(process)
