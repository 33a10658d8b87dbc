"""A purpose is written for a reply token in one place and read back in one place, in
the string format the stored tokens already have."""

from __future__ import annotations

import pytest

from service.purpose import GENERAL, Purpose, PurposeKind, of, parse, stored


@pytest.mark.parametrize(
    ("purpose", "text"),
    [
        (GENERAL, ""),
        (of(PurposeKind.APPROACH, 12), "approach:12"),
        (of(PurposeKind.PAIRING, 7), "pairing:7"),
        (of(PurposeKind.CONTINUE, 7), "continue:7"),
        (of(PurposeKind.REGISTRATION, 5), "registration:5"),
        (of(PurposeKind.FORM_UPDATE, 40), "form_update:40"),
        (Purpose(PurposeKind.ERASURE), "erasure"),
        (Purpose(PurposeKind.CONFIRM, verb="unpair"), "confirm:unpair"),
        (Purpose(PurposeKind.COORDINATOR, verb="withdraw"), "coordinator:withdraw"),
    ],
)
def test_stored_as_before_and_read_back(purpose: Purpose, text: str) -> None:
    assert stored(purpose) == text
    assert parse(text) == purpose


def test_what_cannot_be_read_names_nothing() -> None:
    assert parse("something:else") == GENERAL
    assert parse("approach:x") == Purpose(PurposeKind.APPROACH)
    assert parse("approach:x").id is None
    assert of(PurposeKind.PAIRING, None) == Purpose(PurposeKind.PAIRING)
