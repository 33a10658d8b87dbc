"""TLS for the IMAP and SMTP connections: one way to build the context, one rule on clear text."""

from __future__ import annotations

import ipaddress
import ssl

from service.mail.transport import TransportError


def tls_context(ca_file: str, *, setting: str) -> ssl.SSLContext:
    """Certificates and host names checked; `ca_file` (the `setting` variable) adds a private CA."""
    context = ssl.create_default_context()
    if ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError):
            raise TransportError(
                f"{setting}: cannot read a certificate from {ca_file!r}", permanent=True
            ) from None
    return context


def is_loopback(host: str) -> bool:
    """A server on this machine, judged from the name alone (no DNS answer to be fooled by)."""
    if host.lower() in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def untrusted(service: str, setting: str) -> TransportError:
    """The one answer to a certificate the connection could not verify."""
    return TransportError(
        f"the {service} server's certificate is not trusted (a private certificate needs"
        f" {setting} set to its CA file)",
        permanent=True,
    )
