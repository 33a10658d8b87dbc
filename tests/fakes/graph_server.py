"""A local fake of the Microsoft Graph endpoints the Graph transport uses.

A threaded `http.server` over HTTPS on 127.0.0.1 (msal only accepts https authorities),
with a self-signed certificate the tests trust through `GraphSettings.ca_bundle`. It
serves OpenID discovery and a token endpoint for msal, and the mail endpoints for O365:
listing the inbox in pages, raw MIME, folders, move, categories, sendMail (MIME) and
the Sent Items search. It keeps messages and folders in memory, records every request
with the time it arrived, and can be told to fail the next matching request.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import ipaddress
import itertools
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from ssl import PROTOCOL_TLS_SERVER, SSLContext
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TENANT = "tenant-0000"
WELL_KNOWN = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "msgfolderroot": "Top",
}


@dataclass
class Recorded:
    at: float  # time.monotonic() when the request arrived
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    status: int = 0


@dataclass
class StoredMessage:
    id: str
    folder: str
    raw: bytes
    received: str
    internet_message_id: str
    categories: list[str] = field(default_factory=list)
    flag: dict[str, Any] = field(default_factory=dict)
    extended: dict[str, str] = field(default_factory=dict)  # singleValueExtendedProperties


# What a PATCH of a received message may change (Graph refuses the rest: body, subject
# and recipients only change on drafts).
_PATCHABLE = {"categories", "flag", "singleValueExtendedProperties", "isRead", "importance"}


@dataclass
class Fault:
    method: str
    path_pattern: str
    status: int
    headers: dict[str, str]
    times: int
    message: str = "fake"  # Graph's error text, which can name a recipient


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, 127.0.0.1 and 127.0.0.2 (the Dovecot
    fixture's address); returns (cert, key) paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.2")),
                ]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path = directory / "fake-graph.pem"
    key_path = directory / "fake-graph.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class FakeGraph:
    """The fake's state, shared by the handler threads under one lock."""

    def __init__(self, mailbox: str, page_size: int = 3) -> None:
        self.mailbox = mailbox.lower()
        self.page_size = page_size
        self.lock = threading.Lock()
        self.requests: list[Recorded] = []
        self.messages: dict[str, StoredMessage] = {}
        self.folders: dict[str, str] = dict(WELL_KNOWN)  # id -> display name
        self.tokens_issued: list[str] = []
        self.revoked: set[str] = set()
        self.faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._clock = itertools.count(1)
        self.base_url = ""

    # --- test helpers --------------------------------------------------------------

    def deliver(self, raw: bytes) -> str:
        """Put a message in the inbox as if it had just arrived."""
        with self.lock:
            message_id = f"AAMk-immutable-{next(self._ids)}"
            parsed = email.message_from_bytes(raw, policy=default_policy)
            received = f"2026-01-01T00:00:{next(self._clock):06d}Z"
            self.messages[message_id] = StoredMessage(
                id=message_id,
                folder="inbox",
                raw=raw,
                received=received,
                internet_message_id=str(parsed.get("Message-ID", "")).strip(),
            )
            return message_id

    def fail_next(
        self,
        method: str,
        path_pattern: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
        message: str = "fake",
    ) -> None:
        with self.lock:
            self.faults.append(
                Fault(method.upper(), path_pattern, status, headers or {}, times, message)
            )

    def revoke_tokens(self) -> None:
        """Make every token issued so far answer 401, as if it had been revoked."""
        with self.lock:
            self.revoked.update(self.tokens_issued)

    def folder_named(self, name: str) -> str | None:
        with self.lock:
            for folder_id, display in self.folders.items():
                if display == name:
                    return folder_id
        return None

    def in_folder(self, folder_id: str) -> list[StoredMessage]:
        with self.lock:
            return [m for m in self.messages.values() if m.folder == folder_id]

    def seen(self, method: str, pattern: str) -> list[Recorded]:
        with self.lock:
            return [
                r
                for r in self.requests
                if r.method == method.upper() and re.search(pattern, r.path)
            ]

    # --- request handling ----------------------------------------------------------

    def take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.method == method and re.search(fault.path_pattern, path):
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def handle(self, record: Recorded) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.requests.append(record)
            fault = self.take_fault(record.method, record.path)
            if fault:
                error = {"code": f"Fake{fault.status}", "message": fault.message}
                body = json.dumps({"error": error})
                return fault.status, fault.headers, body.encode()
            if "/oauth2/v2.0/token" in record.path:
                return self._token()
            if record.path.endswith("/.well-known/openid-configuration"):
                return self._discovery(record.path)
            auth = record.headers.get("authorization", "")
            token = auth.removeprefix("Bearer ").strip()
            if token not in self.tokens_issued or token in self.revoked:
                return _json(401, {"error": {"code": "InvalidAuthenticationToken"}})
            prefix = f"/v1.0/users/{self.mailbox}"
            path = unquote(record.path)
            if not path.lower().startswith(prefix):
                return _json(404, {"error": {"code": "ErrorInvalidUser"}})
            return self._mail(record, path[len(prefix) :])

    def _discovery(self, path: str) -> tuple[int, dict[str, str], bytes]:
        tenant = path.strip("/").split("/")[0]
        base = f"{self.base_url}/{tenant}"
        return _json(
            200,
            {
                "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                "token_endpoint": f"{base}/oauth2/v2.0/token",
                "issuer": f"{base}/v2.0",
            },
        )

    def _token(self) -> tuple[int, dict[str, str], bytes]:
        token = f"fake-token-{len(self.tokens_issued) + 1}"
        self.tokens_issued.append(token)
        return _json(200, {"token_type": "Bearer", "expires_in": 3600, "access_token": token})

    def _mail(self, record: Recorded, path: str) -> tuple[int, dict[str, str], bytes]:
        method = record.method
        query = {k: v[0] for k, v in record.query.items()}
        if method == "POST" and path == "/sendMail":
            return self._send(record)
        if method == "GET" and path.startswith("/mailFolders/") and path.endswith("/messages"):
            folder = self._resolve(path.split("/")[2])
            return self._list(folder, query)
        if method == "GET" and path == "/mailFolders":
            return self._folders(query)
        if method == "GET" and path == "/messages" and "$search" in query:
            return self._search(query)
        if method == "POST" and path == "/mailFolders":
            name = json.loads(record.body)["displayName"]
            if name in self.folders.values():
                return _json(409, {"error": {"code": "ErrorFolderExists"}})
            folder_id = f"folder-{next(self._ids)}"
            self.folders[folder_id] = name
            return _json(201, {"id": folder_id, "displayName": name})
        if method == "GET" and re.fullmatch(r"/mailFolders/[^/]+", path):
            folder = self._resolve(path.split("/")[2])
            count = sum(1 for m in self.messages.values() if m.folder == folder)
            return _json(200, {"id": folder, "totalItemCount": count})
        match = re.fullmatch(r"/messages/([^/]+)(/\$value|/move)?", path)
        if match:
            message = self.messages.get(match.group(1))
            if message is None:
                return _json(404, {"error": {"code": "ErrorItemNotFound"}})
            action = match.group(2)
            if method == "GET" and action == "/$value":
                return 200, {"Content-Type": "text/plain"}, message.raw
            if method == "POST" and action == "/move":
                destination = json.loads(record.body)["destinationId"]
                message.folder = self._resolve(destination)
                return _json(201, {"id": message.id})
            if method == "DELETE" and action is None:
                message.folder = "deleteditems"  # what Graph's DELETE does
                return 204, {}, b""
            if method == "PATCH" and action is None:
                return self._patch(message, json.loads(record.body))
        return _json(400, {"error": {"code": "FakeDoesNotKnow", "message": path}})

    def _patch(
        self, message: StoredMessage, changes: dict[str, Any]
    ) -> tuple[int, dict[str, str], bytes]:
        refused = set(changes) - _PATCHABLE
        if refused:
            return _json(400, {"error": {"code": "ErrorInvalidPropertyUpdateSentMessage"}})
        if "categories" in changes:
            message.categories = [str(c) for c in changes["categories"]]
        if "flag" in changes:
            if changes["flag"].get("flagStatus") not in ("notFlagged", "flagged", "complete"):
                return _json(400, {"error": {"code": "ErrorInvalidRequest"}})
            message.flag = dict(changes["flag"])
        for prop in changes.get("singleValueExtendedProperties", []):
            if not re.fullmatch(r"String \{[0-9A-Fa-f-]{36}\} Id 0x[0-9A-Fa-f]{4}", prop["id"]):
                return _json(400, {"error": {"code": "ErrorInvalidProperty"}})
            message.extended[prop["id"]] = str(prop["value"])
        return _json(200, {"id": message.id, "categories": message.categories})

    def _resolve(self, folder: str) -> str:
        return folder.lower() if folder.lower() in WELL_KNOWN else folder

    def _page(self, items: list[dict[str, Any]], query: dict[str, str], url: str) -> bytes:
        top = min(int(query.get("$top", self.page_size)), self.page_size)
        skip = int(query.get("$skip", 0))
        page = items[skip : skip + top]
        body: dict[str, Any] = {"value": page}
        if skip + top < len(items):
            rest = {k: v for k, v in query.items() if k not in ("$skip",)}
            rest["$skip"] = str(skip + top)
            qs = "&".join(f"{k}={v}" for k, v in rest.items())
            body["@odata.nextLink"] = f"{self.base_url}{url}?{qs}"
        return json.dumps(body).encode()

    def _list(self, folder: str, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        items = sorted(
            (m for m in self.messages.values() if m.folder == folder), key=lambda m: m.received
        )
        wanted = query.get("$filter", "")
        match = re.fullmatch(r"internetMessageId eq '(.*)'", wanted)
        if match:
            target = match.group(1).replace("''", "'")
            items = [m for m in items if m.internet_message_id == target]
        rows = [
            {"id": m.id, "receivedDateTime": m.received, "categories": m.categories} for m in items
        ]
        url = f"/v1.0/users/{self.mailbox}/mailFolders/{folder}/messages"
        return 200, {"Content-Type": "application/json"}, self._page(rows, query, url)

    def _search(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        """$search="phrase" over the whole mailbox (but Deleted Items), decoded, as
        Exchange's content index matches it: headers, bodies and attachment text."""
        phrase = query["$search"].strip().strip('"').casefold()
        rows = [
            {"id": m.id}
            for m in sorted(self.messages.values(), key=lambda m: m.received)
            if m.folder != "deleteditems" and phrase in _indexed_text(m.raw)
        ]
        url = f"/v1.0/users/{self.mailbox}/messages"
        return 200, {"Content-Type": "application/json"}, self._page(rows, query, url)

    def _folders(self, query: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        rows = [
            {"id": fid, "displayName": name}
            for fid, name in self.folders.items()
            if fid not in ("msgfolderroot",)
        ]
        match = re.fullmatch(r"displayName eq '(.*)'", query.get("$filter", ""))
        if match:
            rows = [r for r in rows if r["displayName"] == match.group(1).replace("''", "'")]
        url = f"/v1.0/users/{self.mailbox}/mailFolders"
        return 200, {"Content-Type": "application/json"}, self._page(rows, query, url)

    def _send(self, record: Recorded) -> tuple[int, dict[str, str], bytes]:
        if not record.headers.get("content-type", "").startswith("text/plain"):
            return _json(400, {"error": {"code": "ErrorMimeContentInvalid"}})
        raw = base64.b64decode(record.body)
        parsed = email.message_from_bytes(raw, policy=default_policy)
        if not parsed.get_all("To") and not parsed.get_all("Bcc"):
            return _json(400, {"error": {"code": "ErrorInvalidRecipients"}})
        sent_id = f"AAMk-sent-{next(self._ids)}"
        self.messages[sent_id] = StoredMessage(
            id=sent_id,
            folder="sentitems",
            raw=raw,
            received=f"2026-01-02T00:00:{next(self._clock):06d}Z",
            internet_message_id=str(parsed.get("Message-ID", "")).strip(),
        )
        return 202, {}, b""

    def sent_mime(self) -> list[bytes]:
        return [m.raw for m in self.in_folder("sentitems")]


def _indexed_text(raw: bytes) -> str:
    parsed = email.message_from_bytes(raw, policy=default_policy)
    texts = [str(value) for value in parsed.values()]
    for part in parsed.walk():
        if part.is_multipart():
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            texts.append(data.decode("utf-8", errors="replace"))
    return " ".join(" ".join(texts).casefold().split())


def _json(status: int, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        record = Recorded(
            at=time.monotonic(),
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        status, headers, payload = self.server.fake.handle(record)
        record.status = status
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        return  # keep test output quiet


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGraph


class RunningFakeGraph:
    """The fake, serving on a free loopback port until `stop`."""

    def __init__(self, directory: Path, mailbox: str, page_size: int = 3) -> None:
        self.fake = FakeGraph(mailbox, page_size=page_size)
        self.cert_path, key_path = make_certificate(directory)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self.fake
        context = SSLContext(PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self.fake.base_url = self.url
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def running(directory: Path, mailbox: str, page_size: int = 3) -> Iterator[RunningFakeGraph]:
    server = RunningFakeGraph(directory, mailbox, page_size)
    try:
        yield server
    finally:
        server.stop()
