"""The sender verdict (service.inbound.sender) on header sets as receiving hosts write them."""

from __future__ import annotations

import pytest

from service.config import Security
from service.inbound.sender import Trust, aligned, check, parse_authentication_results

HOST = Security(authserv_id="mx.dept.example")
EXO = Security(trust_topmost_without_authserv_id=True)
ORG = Security(exchange_organization_domains=("dept.example",))


def headers(sender: str, *auth: str, **more: str) -> dict[str, tuple[str, ...]]:
    found = {"from": (sender,), "authentication-results": auth}
    found.update({k.replace("_", "-"): (v,) for k, v in more.items()})
    return found


def test_rfc_8601_parsing_skips_comments_and_the_version() -> None:
    parsed = parse_authentication_results(
        "mx.dept.example 1; spf=pass (sender IP is 192.0.2.1 (nested)) smtp.mailfrom=a.example;"
        ' dkim=pass header.d="dept.example"; dmarc=pass action=none header.from=dept.example'
    )
    assert parsed.authserv_id == "mx.dept.example"
    assert [(r.method, r.result) for r in parsed.results] == [
        ("spf", "pass"),
        ("dkim", "pass"),
        ("dmarc", "pass"),
    ]
    assert parsed.results[1].props["header.d"] == "dept.example"
    # Exchange Online writes no authserv-id at all.
    assert parse_authentication_results("spf=pass smtp.mailfrom=x.example").authserv_id == ""


@pytest.mark.parametrize(
    ("sender", "auth", "trust"),
    [
        (
            "Priya <priya@dept.example>",
            "mx.dept.example; dmarc=pass header.from=dept.example",
            Trust.VERIFIED,
        ),
        (
            "priya@dept.example",
            "mx.dept.example; spf=pass smtp.mailfrom=bounce.dept.example",
            Trust.VERIFIED,
        ),
        ("priya@dept.example", "mx.dept.example; dkim=pass header.d=dept.example", Trust.VERIFIED),
        (
            "priya@dept.example",
            "mx.dept.example; dkim=pass header.d=evil.example",
            Trust.UNVERIFIED,
        ),
        (
            "priya@dept.example",
            "mx.evil.example; dmarc=pass header.from=dept.example",
            Trust.UNVERIFIED,
        ),
        (
            "priya@dept.example",
            "mx.dept.example; dmarc=fail header.from=dept.example",
            Trust.FORGED,
        ),
        ('"priya@dept.example" <mallory@evil.example>', "", Trust.FORGED),
        ("priya@dept.example <mallory@evil.example>", "", Trust.FORGED),
        ("priya@dept.example, mallory@evil.example", "", Trust.FORGED),
        ('"priya@dept.example" <priya@dept.example>', "", Trust.UNVERIFIED),
    ],
)
def test_verdicts(sender: str, auth: str, trust: Trust) -> None:
    assert check(headers(sender, *([auth] if auth else [])), HOST).trust is trust


def test_only_the_topmost_header_of_our_host_counts() -> None:
    stacked = headers(
        "priya@dept.example",
        "mx.dept.example; dmarc=none",
        "mx.dept.example; dmarc=pass header.from=dept.example",  # the sender wrote this one
    )
    assert check(stacked, HOST).trust is Trust.UNVERIFIED


def test_exchange_online_topmost_header_without_an_id() -> None:
    genuine = headers(
        "priya@dept.example",
        "spf=pass smtp.mailfrom=dept.example; dmarc=pass"
        " action=none header.from=dept.example; compauth=pass reason=100",
    )
    assert check(genuine, EXO).verified
    # Lower down, or with an id, it is not Exchange's.
    lower = headers(
        "priya@dept.example", "mx.other.example; dmarc=none", "dmarc=pass header.from=dept.example"
    )
    assert not check(lower, EXO).verified


def test_exchange_organisation_header_verifies_only_our_domains() -> None:
    internal = headers("priya@dept.example", x_ms_exchange_organization_authas="Internal")
    assert check(internal, ORG).verified
    outside = headers("mallory@evil.example", x_ms_exchange_organization_authas="Internal")
    assert not check(outside, ORG).verified
    anonymous = headers("priya@dept.example", x_ms_exchange_organization_authas="Anonymous")
    assert not check(anonymous, ORG).verified


def test_verification_off_verifies_nobody_but_still_sees_forgery() -> None:
    off = Security()
    good = headers("priya@dept.example", "mx.dept.example; dmarc=pass header.from=dept.example")
    assert check(good, off).trust is Trust.UNVERIFIED
    assert check(headers("a@b.example, c@d.example"), off).forged
    assert check({"from": ("a@b.example", "c@d.example")}, off).forged


def test_alignment_is_relaxed() -> None:
    assert aligned("dept.example", "mail.dept.example")
    assert aligned("mail.dept.example", "dept.example")
    assert not aligned("evildept.example", "dept.example")
    assert not aligned("", "dept.example")
