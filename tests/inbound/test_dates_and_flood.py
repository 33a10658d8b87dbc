"""Dates as people write them, and the per-sender allowance of automatic answers."""

from __future__ import annotations

from datetime import date

import pytest

from service.inbound.dates import find_dates, parse_date
from service.inbound.flood import NO_MORE_TODAY, Allowance, auto_answer_allowance

FRIDAY = date(2026, 3, 13)


@pytest.mark.parametrize(
    ("phrase", "past", "future"),
    [
        ("12/03", date(2026, 3, 12), date(2027, 3, 12)),
        ("3 March", date(2026, 3, 3), date(2027, 3, 3)),
        ("on the 3rd of March 2026", date(2026, 3, 3), date(2026, 3, 3)),
        ("March 20", date(2025, 3, 20), date(2026, 3, 20)),
        ("16. März", date(2025, 3, 16), date(2026, 3, 16)),
        ("lundi 16 mars", date(2025, 3, 16), date(2026, 3, 16)),
        ("yesterday", date(2026, 3, 12), date(2026, 3, 12)),
        ("last friday", date(2026, 3, 6), date(2026, 3, 6)),
        ("Tuesday", date(2026, 3, 10), date(2026, 3, 17)),
        ("2026-01-31", date(2026, 1, 31), date(2026, 1, 31)),
    ],
)
def test_parse_date(phrase: str, past: date, future: date) -> None:
    assert parse_date(phrase, FRIDAY, future=False) == past
    assert parse_date(phrase, FRIDAY, future=True) == future


@pytest.mark.parametrize("phrase", ["31/02", "the usual place", "13/13", "soon"])
def test_not_a_date(phrase: str) -> None:
    assert parse_date(phrase, FRIDAY) is None


def test_find_dates_in_prose_ignores_durations() -> None:
    text = "Away from 16.03. until Friday 27th March; call 1.5 hours earlier."
    assert find_dates(text, FRIDAY, future=True) == [date(2026, 3, 16), date(2026, 3, 27)]


def test_allowance_sends_then_warns_once_then_stops() -> None:
    limit = 5
    seen = [auto_answer_allowance(sent, limit) for sent in range(7)]
    assert seen == [Allowance.SEND] * 4 + [Allowance.SEND_LAST] + [Allowance.SUPPRESS] * 2
    assert "last automatic answer" in NO_MORE_TODAY


def test_allowance_of_one_is_the_last_straight_away() -> None:
    assert auto_answer_allowance(0, 1) is Allowance.SEND_LAST
    assert auto_answer_allowance(0, 0) is Allowance.SUPPRESS
