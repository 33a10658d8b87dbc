"""The quiet budget a reminder keeps to (`service/domain/mail_budget.py`), as plain
functions over counts: no store, no clock."""

from __future__ import annotations

import pytest

from service.config import load_config
from service.domain.mail_budget import RecentMail, reminder_gives_way


def test_a_reminder_goes_to_someone_who_has_not_heard_from_us() -> None:
    assert not reminder_gives_way(RecentMail(in_quiet_days=0, in_budget_days=0), budget_emails=4)


def test_any_email_that_week_is_enough() -> None:
    # An answer to their own email counts: they wrote to us, they are engaged.
    assert reminder_gives_way(RecentMail(in_quiet_days=1, in_budget_days=1), budget_emails=4)


@pytest.mark.parametrize(("in_month", "gives_way"), [(3, False), (4, True), (7, True)])
def test_a_month_that_brought_the_budget_is_enough(in_month: int, gives_way: bool) -> None:
    recent = RecentMail(in_quiet_days=0, in_budget_days=in_month)
    assert reminder_gives_way(recent, budget_emails=4) is gives_way


def test_a_budget_of_nought_turns_the_monthly_budget_off() -> None:
    recent = RecentMail(in_quiet_days=0, in_budget_days=40)
    assert not reminder_gives_way(recent, budget_emails=0)
    assert reminder_gives_way(RecentMail(in_quiet_days=1, in_budget_days=40), budget_emails=0)


def test_the_budget_is_configuration() -> None:
    timings = load_config().timings
    assert (timings.reminder_budget_days, timings.reminder_budget_emails) == (30, 4)


def test_the_side_a_check_in_finds_silent_is_nudged_instead() -> None:
    from service.domain.mail_budget import asked_at_check_in

    assert asked_at_check_in(1, None, ladder_nudges=2)
    assert asked_at_check_in(1, 2, ladder_nudges=2)
    assert not asked_at_check_in(2, 2, ladder_nudges=2)
    # No nudge will come: the check-in is all they would hear.
    assert asked_at_check_in(2, 2, ladder_nudges=0)
