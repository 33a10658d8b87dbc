"""Sending over SMTP (stdlib smtplib, STARTTLS), for IMAP mailboxes without Graph.

STARTTLS is on by default (`SMTP_CA_FILE` trusts a private certificate); a password is
never sent over a connection without it, except to a server on this machine.

The message goes out byte for byte as composed, so our headers (Auto-Submitted,
In-Reply-To, the plus-addressed Reply-To) are untouched. SMTP gives no message id back
and cannot say later whether a message went out; the IMAP transport answers
`already_sent` from the mailbox's Sent folder instead.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.utils import getaddresses

from service.mail.tls import is_loopback, tls_context, untrusted
from service.mail.transport import SendResult, TransportError
from service.settings import SmtpSettings

# Answers that mean "this recipient or message will never be accepted".
_PERMANENT_CODES = range(500, 600)


def envelope_sender(raw: bytes, fallback: str) -> str:
    headers = BytesHeaderParser().parsebytes(raw)
    found = getaddresses([str(headers.get("From", ""))])
    return found[0][1] if found and found[0][1] else fallback


class SmtpSender:
    """Sends one complete MIME message per call, opening a connection each time.

    A fresh connection per message keeps a worker from holding a half-dead session
    between outbox runs; the rate limiter keeps the pace low enough for this to be cheap.
    """

    def __init__(self, settings: SmtpSettings, *, timeout: float = 30.0) -> None:
        if not settings.host:
            raise TransportError("SMTP_HOST is not set", permanent=True)
        if settings.username and not settings.starttls and not is_loopback(settings.host):
            raise TransportError(
                "SMTP_STARTTLS=false would send SMTP_PASSWORD in clear; that is allowed only"
                " for a server on this machine (localhost, 127.0.0.1)",
                permanent=True,
            )
        self.settings = settings
        self.timeout = timeout

    def _connect(self) -> smtplib.SMTP:
        client = smtplib.SMTP(self.settings.host, self.settings.port, timeout=self.timeout)
        try:
            client.ehlo()
            if self.settings.starttls:
                if not client.has_extn("starttls"):
                    raise TransportError(
                        "the SMTP server does not offer STARTTLS (SMTP_STARTTLS=false is for"
                        " a relay that takes no password, or one on this machine)",
                        permanent=True,
                    )
                client.starttls(context=tls_context(self.settings.ca_file, setting="SMTP_CA_FILE"))
                client.ehlo()
            if self.settings.username:
                client.login(self.settings.username, self.settings.password)
        except ssl.SSLCertVerificationError:
            client.close()
            raise untrusted("SMTP", "SMTP_CA_FILE") from None
        except BaseException:
            client.close()
            raise
        return client

    def send(self, raw: bytes, *, recipients: Sequence[str]) -> SendResult:
        if not recipients:
            raise TransportError("a message needs at least one recipient", permanent=True)
        sender = envelope_sender(raw, self.settings.username)
        try:
            with self._connect() as client:
                refused = client.sendmail(sender, list(recipients), raw)
        except smtplib.SMTPRecipientsRefused as error:
            codes = {code for code, _ in error.recipients.values()}
            permanent = all(code in _PERMANENT_CODES for code in codes)
            raise TransportError(
                f"SMTP refused every recipient ({sorted(codes)})", permanent=permanent
            ) from None
        except smtplib.SMTPResponseException as error:
            raise TransportError(
                f"SMTP answered {error.smtp_code}", permanent=error.smtp_code in _PERMANENT_CODES
            ) from None
        except (smtplib.SMTPException, OSError) as error:
            raise TransportError(f"SMTP failed: {type(error).__name__}") from None
        if refused:
            # Some got it: a retry would duplicate it for them. Report, do not retry.
            some = sorted({code for code, _ in refused.values()})
            raise TransportError(f"SMTP refused some recipients ({some})", permanent=True)
        return SendResult(provider_id=None)
