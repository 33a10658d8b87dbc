"""A minimal SMTP server on loopback that records what it is given (no auth).

Given a certificate it offers STARTTLS and, like a careful server, takes no mail before it.
"""

from __future__ import annotations

import socketserver
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class SmtpRecorder:
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # addresses answered with 550
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def _say(self, line: str) -> None:
        self.connection.sendall(line.encode() + b"\r\n")

    def _starttls(self) -> None:
        assert self.server.tls is not None
        self._say("220 go ahead")
        self.connection = self.server.tls.wrap_socket(self.connection, server_side=True)
        self.rfile = self.connection.makefile("rb")

    def handle(self) -> None:
        recorder = self.server.recorder
        self._say("220 fake-smtp ready")
        sender, recipients = "", list[str]()
        secure = self.server.tls is None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            verb = line.decode("ascii", "replace").strip()
            upper = verb.upper()
            if upper.startswith(("EHLO", "HELO")):
                self._say("250-fake-smtp")
                if not secure:
                    self._say("250-STARTTLS")
                self._say("250 8BITMIME")
            elif upper == "STARTTLS" and not secure:
                try:
                    self._starttls()
                except (ssl.SSLError, OSError):
                    return  # the client did not trust us and hung up
                secure = True
            elif not secure and upper.startswith(("MAIL", "RCPT", "DATA")):
                self._say("530 must issue a STARTTLS command first")
            elif upper.startswith("MAIL FROM:"):
                sender, recipients = verb[10:].strip(" <>"), []
                self._say("250 ok")
            elif upper.startswith("RCPT TO:"):
                address = verb[8:].strip(" <>")
                if address in recorder.refuse:
                    self._say("550 no such user")
                else:
                    recipients.append(address)
                    self._say("250 ok")
            elif upper == "DATA":
                self._say("354 go ahead")
                lines = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                with recorder.lock:
                    recorder.messages.append(Received(sender, recipients, b"".join(lines)))
                self._say("250 queued")
            elif upper in ("RSET", "NOOP"):
                self._say("250 ok")
            elif upper == "QUIT":
                self._say("221 bye")
                return
            else:
                self._say("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    recorder: SmtpRecorder
    tls: ssl.SSLContext | None


class RunningSmtp:
    def __init__(self, certificate: tuple[Path, Path] | None = None) -> None:
        self.recorder = SmtpRecorder()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.recorder = self.recorder
        self._server.tls = None
        if certificate is not None:
            self._server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self._server.tls.load_cert_chain(*certificate)
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
