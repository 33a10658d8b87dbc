"""Who is speaking: how sure we are of an inbound message's sender.

The From header is written by the sender, so it proves nothing on its own. The evidence
used here is what the *receiving* mail system adds and a sender cannot forge:

- the Authentication-Results header (RFC 8601) of the configured receiving host
  (`[security] authserv_id`). Only the topmost header from that host counts: headers lower
  in the list were there before our host received the message, so anyone could have
  written them. A DMARC pass for the From domain, or an SPF (smtp.mailfrom) or DKIM
  (header.d) pass aligned with the From domain, verifies the sender; a DMARC failure
  from our host is a forgery. Exchange Online writes this header with no authserv-id:
  `trust_topmost_without_authserv_id` accepts the topmost header only when it has none.
- Exchange's organisation headers: `X-MS-Exchange-Organization-AuthAs: Internal` is
  stamped on mail submitted inside our Microsoft 365 organisation; Exchange's "header
  firewall" strips every X-MS-Exchange-Organization-* header from mail arriving from
  outside, so its presence proves an internal sender (only for the configured domains).

The From header must hold exactly one address; a display name holding a different
address (`"coordinators@…" <mallory@evil.example>`) is a forgery signal.

Pure functions over the parsed header list, no I/O: the classifier calls `check`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from service.config import Security

_ADDRESS = re.compile(r"[^\s<>()\[\]\",;:@]+@[^\s<>()\[\]\",;:@]+\.[^\s<>()\[\]\",;:@]+")
_COMMENT = re.compile(r"\([^()]*\)")
_VERSION = re.compile(r"^\d+$")


class Trust(StrEnum):
    VERIFIED = "verified"
    UNVERIFIED = "unverified"
    FORGED = "forged"


@dataclass(frozen=True)
class SenderCheck:
    trust: Trust
    reason: str

    @property
    def verified(self) -> bool:
        return self.trust is Trust.VERIFIED

    @property
    def forged(self) -> bool:
        return self.trust is Trust.FORGED

    def __str__(self) -> str:
        return f"{self.trust.value}: {self.reason}"


NOT_CHECKED = SenderCheck(Trust.UNVERIFIED, "not checked")


@dataclass(frozen=True)
class Result:
    """One `method=result` of an Authentication-Results header, with its properties."""

    method: str
    result: str
    props: Mapping[str, str]


@dataclass(frozen=True)
class AuthResults:
    authserv_id: str  # "" when the header has none (Exchange Online)
    results: tuple[Result, ...]


def _strip_comments(value: str) -> str:
    previous = None
    while previous != value:  # innermost first, so nested comments go too
        previous, value = value, _COMMENT.sub(" ", value)
    return value


def parse_authentication_results(value: str) -> AuthResults:
    """Parse one Authentication-Results value (RFC 8601 section 2.2), leniently."""
    parts = [p.strip() for p in _strip_comments(value).split(";")]
    first = parts[0].split() if parts else []
    authserv_id = ""
    if first and "=" not in first[0]:
        authserv_id = first[0].lower()
        rest = first[1:]
        if rest and _VERSION.match(rest[0]):
            rest = rest[1:]  # authres-version
        parts[0] = " ".join(rest)
    results = []
    for part in parts:
        words = part.split()
        if not words or "=" not in words[0]:
            continue  # "none", or junk
        method, _, result = words[0].partition("=")
        props: dict[str, str] = {}
        for word in words[1:]:
            key, eq, val = word.partition("=")
            if eq:
                props[key.lower()] = val.strip('"').lower()
        results.append(Result(method.split("/")[0].lower(), result.lower(), props))
    return AuthResults(authserv_id, tuple(results))


def from_addresses(values: Sequence[str]) -> list[str]:
    """Every address-like string in the From header(s), lower case, in order."""
    return [a.lower().rstrip(".") for v in values for a in _ADDRESS.findall(v)]


def _domain(value: str) -> str:
    return value.rpartition("@")[2].strip().strip("<>").lower().rstrip(".")


def aligned(domain: str, from_domain: str) -> bool:
    """Relaxed alignment (DMARC): the same domain, or one a subdomain of the other."""
    if not domain or not from_domain:
        return False
    return (
        domain == from_domain
        or from_domain.endswith("." + domain)
        or domain.endswith("." + from_domain)
    )


def _ours(headers: Sequence[str], security: Security) -> AuthResults | None:
    """The topmost Authentication-Results our receiving host wrote, if any."""
    wanted = security.authserv_id.lower()
    for index, value in enumerate(headers):
        parsed = parse_authentication_results(value)
        if wanted and parsed.authserv_id == wanted:
            return parsed
        if security.trust_topmost_without_authserv_id and index == 0:
            # Exchange Online's header is the topmost one; with an id it is not Exchange's.
            return parsed if not parsed.authserv_id else None
    return None


def _judge(auth: AuthResults, from_domain: str) -> SenderCheck:
    where = auth.authserv_id or "the receiving host"
    by_method: dict[str, list[Result]] = {}
    for r in auth.results:
        by_method.setdefault(r.method, []).append(r)
    for r in by_method.get("dmarc", []):
        header_from = r.props.get("header.from", "")
        if r.result == "pass" and _domain(header_from) == from_domain:
            return SenderCheck(Trust.VERIFIED, f"DMARC pass for {from_domain} ({where})")
        if r.result == "fail" and (not header_from or _domain(header_from) == from_domain):
            return SenderCheck(Trust.FORGED, f"DMARC fail for {from_domain} ({where})")
    for r in by_method.get("dkim", []):
        signer = r.props.get("header.d") or _domain(r.props.get("header.i", ""))
        if r.result == "pass" and aligned(signer, from_domain):
            return SenderCheck(Trust.VERIFIED, f"DKIM pass aligned with {from_domain} ({where})")
    for r in by_method.get("spf", []):
        envelope = _domain(r.props.get("smtp.mailfrom", ""))
        if r.result == "pass" and aligned(envelope, from_domain):
            return SenderCheck(Trust.VERIFIED, f"SPF pass aligned with {from_domain} ({where})")
    said = ", ".join(f"{r.method}={r.result}" for r in auth.results) or "no results"
    return SenderCheck(Trust.UNVERIFIED, f"no aligned pass from {where} ({said})")


def check(headers: Mapping[str, Sequence[str]], security: Security) -> SenderCheck:
    """How sure are we of this message's sender? `headers`: lower-case names, values in
    the order they appear (topmost first), encoded words decoded."""
    from_values = headers.get("from", ())
    if not from_values:
        return SenderCheck(Trust.UNVERIFIED, "no From header")
    if len(from_values) > 1:
        return SenderCheck(Trust.FORGED, "more than one From header")
    found = from_addresses(from_values)
    distinct = list(dict.fromkeys(found))
    if len(distinct) > 1:
        return SenderCheck(
            Trust.FORGED, "the From header holds more than one address (display-name spoofing)"
        )
    if not distinct:
        return SenderCheck(Trust.UNVERIFIED, "no address in the From header")
    from_domain = _domain(distinct[0])
    if not security.verification_on:
        return SenderCheck(Trust.UNVERIFIED, "sender verification is off in this deployment")
    org = {d.lower() for d in security.exchange_organization_domains}
    auth_as = [v.strip().lower() for v in headers.get("x-ms-exchange-organization-authas", ())]
    if org and auth_as and auth_as[0] == "internal" and from_domain in org:
        return SenderCheck(Trust.VERIFIED, "sent inside our Microsoft 365 organisation")
    ours = _ours(headers.get("authentication-results", ()), security)
    if ours is None:
        return SenderCheck(Trust.UNVERIFIED, "no Authentication-Results from our receiving host")
    return _judge(ours, from_domain)
