"""Registrations nobody confirmed are deleted on the date their emails give: 30 days
after the window closes (`timings.unconfirmed_deleted_after_close`)."""

from __future__ import annotations

import re
from typing import Any

from jobs.time_rules import run_due
from service import clock
from tests.harness import Programme, person_answers


def _erased(programme: Programme, address: str) -> bool:
    with programme.app.uow() as uow:
        return uow.repo.person_by_email(address) is None


def test_an_unconfirmed_registration_goes_on_the_day_the_email_said(
    programme: Programme, frozen: Any
) -> None:
    programme.send(programme.form(person_answers("alex@dwp.gov.uk", "Alex", "Lee")))
    programme.send(programme.form(person_answers("sam@moj.gov.uk", "Sam", "Ray")))
    ask = programme.last_to("alex@dwp.gov.uk")
    # The window closes on 17 June; the email gives the date 30 days later.
    assert re.search(r"we will delete it on \S*\s*17 July 2026", ask.text), ask.text
    programme.send(programme.reply(programme.last_to("sam@moj.gov.uk"), "CONFIRM"))
    frozen.move_to("2026-07-17 21:59:00")  # 22:59 in London on 17 July: not yet
    run_due(programme.app, clock.now())
    assert not _erased(programme, "alex@dwp.gov.uk")
    frozen.move_to("2026-07-17 22:00:00")
    run_due(programme.app, clock.now())
    assert _erased(programme, "alex@dwp.gov.uk")
    assert not _erased(programme, "sam@moj.gov.uk")  # confirmed: kept
