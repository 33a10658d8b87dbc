"""The production mailbox: a Microsoft 365 shared mailbox through Microsoft Graph.

Built on the O365 library's `Account` and `Connection` (app-only client-credentials
flow, `account.mailbox(resource=...)`) and msal for tokens. Three things are ours, each
through a public extension point rather than a patch:

* the Graph base URL comes from a `MSGraphProtocol` subclass and the sign-in authority
  from our own msal client, so tests point the real libraries at a local fake;
* every request goes through `_MentoringConnection.oauth_request`, which holds one of
  the mailbox's concurrent-request slots, honours Retry-After on 429/503 for every verb
  (O365's own retry leaves POST and PATCH alone), backs off with jitter on other 5xx and
  timeouts, and on a 401 fetches one fresh token and tries once more;
* tokens live in a shared cache (a file or Redis), so several workers reuse one token.

Every request asks for immutable ids (``Prefer: IdType="ImmutableId"``), so a message's
id survives the move to Processed. Mail is sent as MIME so our headers arrive intact.
"""

from __future__ import annotations

import base64
import copy
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any
from urllib.parse import quote

import msal
import redis
import requests
from O365 import Account
from O365.connection import Connection, MSGraphProtocol
from O365.utils.token import BaseTokenBackend, FileSystemTokenBackend, MemoryTokenBackend

from service.mail.retry import RETRY_AFTER_STATUSES, RetryPolicy, parse_retry_after
from service.mail.transport import (
    AttentionMark,
    FetchedMessage,
    Folder,
    MailboxReport,
    MailErasure,
    SendResult,
    TransportError,
)
from service.settings import GraphSettings

log = logging.getLogger(__name__)

# Third-party loggers that can print personal data. O365 logs Graph's error text at
# ERROR ("The recipient 'sam@…' is not valid") and whole request parameters at DEBUG;
# msal and requests-oauthlib log token traffic at DEBUG. Our own connection reports
# every failure with the HTTP status and Graph's error code only, so nothing a
# coordinator needs is lost by silencing them.
for _name, _level in (
    ("O365", logging.CRITICAL),
    ("msal", logging.WARNING),
    ("requests_oauthlib", logging.WARNING),
):
    logging.getLogger(_name).setLevel(_level)

GRAPH_SCOPE_SUFFIX = "/.default"
DEFAULT_AUTHORITY = "https://login.microsoftonline.com"
IMMUTABLE_IDS = 'IdType="ImmutableId"'
PAGE_SIZE = 50

# The folders coordinators see, as display names under the mailbox root.
FOLDER_NAMES: dict[Folder, str] = {
    Folder.PROCESSED: "Processed",
    Folder.NEEDS_ATTENTION: "Needs attention",
    Folder.IGNORED: "Ignored",
}

SlotFactory = Callable[[], AbstractContextManager[None]]


class RedisTokenBackend(BaseTokenBackend):  # type: ignore[misc]
    """An msal token cache kept in Redis, so every worker on every machine shares it."""

    def __init__(self, client: redis.Redis, key: str) -> None:
        super().__init__()
        self._redis = client
        self._key = key

    def load_token(self) -> bool:
        data = self._redis.get(self._key)
        if not data:
            return False
        self._cache = self.deserialize(data)  # how O365's own backends load a cache
        return True

    def save_token(self, force: bool = False) -> bool:
        # Expire with the tokens (an hour) so a stale cache does not outlive its use.
        self._redis.set(self._key, self.serialize(), ex=6 * 3600)
        return True

    def delete_token(self) -> bool:
        return bool(self._redis.delete(self._key))

    def check_token(self) -> bool:
        return bool(self._redis.exists(self._key))


class _GraphProtocol(MSGraphProtocol):  # type: ignore[misc]
    """Graph at a configurable base URL (the real one, or a local fake in tests)."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        # MSGraphProtocol reads its URL from this attribute when it initialises.
        self._protocol_url = base_url.rstrip("/") + "/"
        super().__init__(**kwargs)


def _client_credential(settings: GraphSettings) -> str | dict[str, str]:
    if settings.certificate_path:
        path = Path(settings.certificate_path)
        if path.suffix.lower() in (".pfx", ".p12"):
            return {"private_key_pfx_path": str(path)}
        if not settings.certificate_thumbprint:
            raise TransportError(
                "GRAPH_CERTIFICATE_THUMBPRINT is needed with a PEM certificate", permanent=True
            )
        return {
            "private_key": path.read_text(encoding="ascii"),
            "thumbprint": settings.certificate_thumbprint,
        }
    return settings.client_secret


class _ExplicitVerifySession(requests.Session):
    """A session whose own `verify` wins over REQUESTS_CA_BUNDLE in the environment.

    requests lets the environment's CA bundle override a session's `verify` (it only
    yields to a per-request value), which would silently ignore GRAPH_CA_BUNDLE.
    """

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("verify", self.verify)
        return super().request(method, url, *args, **kwargs)


def confidential_client(
    settings: GraphSettings,
    token_cache: msal.TokenCache | None = None,
    *,
    verify: bool | str = True,
    proxies: dict[str, str] | None = None,
    timeout: float | None = None,
) -> msal.ConfidentialClientApplication:
    """The app's msal client: our authority, secret or certificate, and CA bundle."""
    authority = settings.authority_url.rstrip("/")
    http = _ExplicitVerifySession()
    http.verify = settings.ca_bundle or verify
    http.proxies = proxies or {}
    return msal.ConfidentialClientApplication(
        client_id=settings.client_id,
        client_credential=_client_credential(settings),
        authority=f"{authority}/{settings.tenant_id}",
        token_cache=token_cache,
        http_client=http,
        timeout=timeout,
        # Only Microsoft's own login host is known to its discovery service.
        instance_discovery=None if authority == DEFAULT_AUTHORITY else False,
    )


class _MentoringConnection(Connection):  # type: ignore[misc]
    """O365's connection with our sign-in authority, retries and concurrency limit."""

    def __init__(
        self,
        credentials: tuple[str, str],
        *,
        graph: GraphSettings,
        slot: SlotFactory,
        policy: RetryPolicy,
        sleep: Callable[[float], None],
        **kwargs: Any,
    ) -> None:
        super().__init__(credentials, **kwargs)
        self._graph = graph
        self._slot = slot
        self._policy = policy
        self._sleep = sleep
        self._client: msal.ConfidentialClientApplication | None = None
        # App-only tokens are asked for "<graph host>/.default": the granted permissions.
        self.scope = graph.graph_url.rstrip("/") + GRAPH_SCOPE_SUFFIX

    @property
    def msal_client(self) -> msal.ConfidentialClientApplication:
        if self._client is None:
            self._client = confidential_client(
                self._graph,
                self.token_backend,
                verify=self.verify_ssl,
                proxies=self.proxy,
                timeout=self.timeout,
            )
        return self._client

    def acquire_token(self, *, fresh: bool = False) -> str:
        """A valid access token: from the shared cache when another worker has one."""
        self.token_backend.load_token()
        if fresh:
            # msal refuses force_refresh for app tokens: forget the cached ones instead.
            cached = list(self.token_backend.search(msal.TokenCache.CredentialType.ACCESS_TOKEN))
            for item in cached:
                self.token_backend.remove_at(item)
        result = self.msal_client.acquire_token_for_client(scopes=[self.scope])
        if not result or "access_token" not in result:
            code = (result or {}).get("error", "no answer")
            raise TransportError(f"Microsoft sign-in failed: {code}", permanent=True)
        if result.get("token_source") != "cache" or fresh:
            self.token_backend.save_token()
        token = str(result["access_token"])
        if self._http() is None:
            self.__dict__["session"] = self.get_session(load_token=False)
        self.update_session_auth_header(access_token=token)
        return token

    def _http(self) -> requests.Session | None:
        """O365's HTTP session (its `session` attribute; no database here), if made yet."""
        http: requests.Session | None = vars(self).get("session")
        return http

    def close_http(self) -> None:
        http = self._http()
        if http is not None:
            http.close()

    def _should_renew(self) -> bool:
        return self._http() is None or bool(self.token_backend.token_is_expired())

    def oauth_request(self, url: str, method: str, **kwargs: Any) -> requests.Response:
        attempt = 0
        refreshed = False
        if isinstance(self.verify_ssl, str):
            kwargs.setdefault("verify", self.verify_ssl)  # see _ExplicitVerifySession
        while True:
            attempt += 1
            if self._should_renew():
                self.acquire_token()
            try:
                with self._slot():
                    # O365 rewrites kwargs (JSON-encodes data, merges headers): fresh copy.
                    response: requests.Response = super().oauth_request(
                        url, method, **copy.deepcopy(kwargs)
                    )
                    return response
            except requests.HTTPError as error:
                failed = error.response
                status = failed.status_code if failed is not None else 0
                if status == 401 and not refreshed:
                    refreshed = True
                    attempt -= 1  # a token refresh is not a failed try
                    self.acquire_token(fresh=True)
                    continue
                retry_after = None
                if status in RETRY_AFTER_STATUSES and failed is not None:
                    retry_after = parse_retry_after(failed.headers.get("Retry-After"))
                transient = status in RETRY_AFTER_STATUSES or status == 408 or status >= 500
                if not transient:
                    raise _graph_error(method, status, failed) from None
                if not self._policy.should_retry(attempt, retry_after=retry_after):
                    raise TransportError(
                        f"Graph {method.upper()} failed with {status} after {attempt} tries",
                        retry_after=retry_after,
                    ) from None
                wait = self._policy.delay(attempt, retry_after=retry_after)
            except (requests.ConnectionError, requests.Timeout) as error:
                if not self._policy.should_retry(attempt):
                    raise TransportError(
                        f"Graph {method.upper()} could not connect after {attempt} tries: "
                        f"{type(error).__name__}"
                    ) from None
                wait = self._policy.backoff(attempt)
            log.info("graph %s answered busy or failed; retrying in %.1fs", method.upper(), wait)
            self._sleep(wait)


class GraphError(TransportError):
    """Graph refused a request; `status` is the HTTP status it answered with."""

    def __init__(self, message: str, *, status: int, permanent: bool) -> None:
        super().__init__(message, permanent=permanent)
        self.status = status


def _graph_error(method: str, status: int, response: requests.Response | None) -> GraphError:
    # Only the status and Graph's error code: the message text can name a recipient.
    code = ""
    if response is not None:
        try:
            code = str(response.json().get("error", {}).get("code", ""))
        except ValueError:
            code = ""
    detail = f" ({code})" if code else ""
    return GraphError(
        f"Graph {method.upper()} refused with {status}{detail}", status=status, permanent=True
    )


class _Account(Account):  # type: ignore[misc]
    connection_constructor = _MentoringConnection


def _odata_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# Outlook's own text for a flag (PidLidFlagRequest, shown in the message's info bar in
# place of "Follow up"): the reason a message waits, seen only in the shared mailbox.
FLAG_TEXT_PROPERTY = "String {00062008-0000-0000-C000-000000000046} Id 0x8530"
_FLAG_TEXT_CHARS = 255


def _marking(category: str | None, attention: AttentionMark | None) -> dict[str, Any]:
    """The PATCH that labels a handled message: its categories and, when it needs
    attention, a flag whose text is the reason."""
    categories = [c for c in (category, attention.category if attention else None) if c]
    if not categories:
        return {}
    changes: dict[str, Any] = {"categories": categories}
    if attention is not None:
        changes["flag"] = {"flagStatus": "flagged"}
        changes["singleValueExtendedProperties"] = [
            {"id": FLAG_TEXT_PROPERTY, "value": attention.note[:_FLAG_TEXT_CHARS]}
        ]
    return changes


class GraphTransport:
    """The `Transport` over a Microsoft 365 shared mailbox."""

    name = "graph"

    def __init__(
        self,
        settings: GraphSettings,
        *,
        redis_client: redis.Redis | None = None,
        slot: SlotFactory | None = None,
        policy: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        timeout: float = 60.0,
    ) -> None:
        if not settings.configured or not settings.mailbox:
            raise TransportError(
                "Graph needs GRAPH_TENANT_ID, GRAPH_CLIENT_ID, GRAPH_MAILBOX and a secret "
                "or certificate",
                permanent=True,
            )
        self.settings = settings
        backend: BaseTokenBackend
        if settings.token_cache_path:
            cache = Path(settings.token_cache_path)
            backend = FileSystemTokenBackend(token_path=cache.parent, token_filename=cache.name)
        elif redis_client is not None:
            backend = RedisTokenBackend(
                redis_client, f"mentoring:graph-token:{settings.tenant_id}:{settings.client_id}"
            )
        else:
            backend = MemoryTokenBackend()
        verify: bool | str = settings.ca_bundle or True
        self.account = _Account(
            (settings.client_id, "app-only"),  # the real credential goes to msal, above
            protocol=_GraphProtocol(settings.graph_url, default_resource=settings.mailbox),
            auth_flow_type="credentials",
            tenant_id=settings.tenant_id,
            token_backend=backend,
            default_headers={"Prefer": IMMUTABLE_IDS},
            request_retries=0,  # retries are ours, for every verb
            requests_delay=0,  # pacing is the rate limiter's job
            timeout=timeout,
            verify_ssl=verify,
            graph=settings,
            slot=slot or nullcontext,
            policy=policy or RetryPolicy(),
            sleep=sleep,
        )
        self.con: _MentoringConnection = self.account.con
        self.mailbox = self.account.mailbox(resource=settings.mailbox)
        self._folder_ids: dict[str, str] = {}

    def _url(self, endpoint: str) -> str:
        return str(self.mailbox.build_url(endpoint))

    # --- reading -------------------------------------------------------------------

    def _pages(self, url: str, params: dict[str, str] | None) -> Iterator[dict[str, Any]]:
        next_url: str | None = url
        while next_url:
            data = self.con.get(next_url, params=params).json()
            params = None  # the next link carries its own query
            yield from data.get("value", [])
            next_url = data.get("@odata.nextLink")

    def inbox_ids(self, limit: int | None = None) -> list[str]:
        ids: list[str] = []
        params = {
            "$select": "id,receivedDateTime",
            "$orderby": "receivedDateTime asc",
            "$top": str(min(PAGE_SIZE, limit) if limit else PAGE_SIZE),
        }
        for item in self._pages(self._url("/mailFolders/inbox/messages"), params):
            ids.append(str(item["id"]))
            if limit is not None and len(ids) >= limit:
                break
        return ids

    def fetch_new(self, limit: int | None = None) -> Iterator[FetchedMessage]:
        # All ids first: moving messages while paging would shift Graph's $skip links.
        for message_id in self.inbox_ids(limit):
            try:
                response = self.con.get(self._url(f"/messages/{quote(message_id, safe='')}/$value"))
            except GraphError as error:
                if error.status == 404:
                    continue  # gone since we listed it (another worker moved it)
                raise
            yield FetchedMessage(transport_id=message_id, raw=response.content)

    # --- folders -------------------------------------------------------------------

    def folder_id(self, folder: Folder) -> str:
        name = FOLDER_NAMES[Folder(folder)]
        if name not in self._folder_ids:
            self._folder_ids[name] = self._find_or_create_folder(name)
        return self._folder_ids[name]

    def _find_folder(self, name: str) -> str | None:
        params = {"$filter": f"displayName eq {_odata_quote(name)}", "$select": "id,displayName"}
        for item in self._pages(self._url("/mailFolders"), params):
            if item.get("displayName") == name:
                return str(item["id"])
        return None

    def _find_or_create_folder(self, name: str) -> str:
        found = self._find_folder(name)
        if found:
            return found
        try:
            created = self.con.post(self._url("/mailFolders"), data={"displayName": name}).json()
            return str(created["id"])
        except GraphError:
            # Another worker may have created it a moment ago (409): look again.
            found = self._find_folder(name)
            if found:
                return found
            raise

    def move(
        self,
        transport_id: str,
        folder: Folder,
        *,
        category: str | None = None,
        attention: AttentionMark | None = None,
    ) -> None:
        target = self.folder_id(folder)
        url = self._url(f"/messages/{quote(transport_id, safe='')}")
        try:
            changes = _marking(category, attention)
            if changes:
                self.con.patch(url, data=changes)
            self.con.post(url + "/move", data={"destinationId": target})
        except GraphError as error:
            if error.status == 404:
                return  # already moved or deleted: a crash may have got there first
            raise

    # --- sending -------------------------------------------------------------------

    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        # MIME sendMail takes the recipients from the message's own To/Cc/Bcc headers.
        self.con.post(
            self._url("/sendMail"),
            data=base64.b64encode(raw),
            headers={"Content-type": "text/plain"},
        )
        return SendResult(provider_id=None)  # Graph accepts with 202 and no id

    def already_sent(self, message_id: str) -> str | None:
        params = {
            "$filter": f"internetMessageId eq {_odata_quote(message_id.strip())}",
            "$select": "id",
            "$top": "1",
        }
        for item in self._pages(self._url("/mailFolders/sentitems/messages"), params):
            return str(item["id"])
        return None

    # --- erasure -------------------------------------------------------------------

    def erase_mail(self, terms: Sequence[str]) -> MailErasure:
        """Search the whole mailbox for each term and delete what is found.

        DELETE moves a message to Deleted Items (which the mailbox empties on its own
        retention policy). A message the app may not delete (403: the RBAC scope allows
        only some folders) is left and its id returned for the coordinators.
        """
        found: list[str] = []
        for term in terms:
            if not term.strip():
                continue
            # KQL phrase search; a double quote inside the term cannot be escaped, so drop it.
            params = {"$search": '"' + term.replace('"', " ") + '"', "$select": "id"}
            for item in self._pages(self._url("/messages"), params):
                if item["id"] not in found:
                    found.append(str(item["id"]))
        deleted, left = 0, []
        for message_id in found:
            try:
                self.con.delete(self._url(f"/messages/{quote(message_id, safe='')}"))
                deleted += 1
            except GraphError as error:
                if error.status == 404:
                    continue  # already gone
                if error.status == 403:
                    left.append(message_id)
                    continue
                raise
        return MailErasure(deleted=deleted, left=tuple(left))

    def check(self) -> MailboxReport:
        names = [
            str(item.get("displayName"))
            for item in self._pages(self._url("/mailFolders"), {"$top": "100"})
        ]
        inbox = self.con.get(self._url("/mailFolders/inbox")).json()
        missing = [n for n in FOLDER_NAMES.values() if n not in names]
        notes = [f"will create folder {n!r} on first use" for n in missing]
        return MailboxReport(
            backend=self.name,
            address=self.settings.mailbox,
            folders=tuple(names),
            inbox_count=int(inbox.get("totalItemCount", 0)),
            notes=tuple(notes),
        )

    def close(self) -> None:
        self.con.close_http()
