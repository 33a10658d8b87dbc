"""Apply every time-based rule (`service.domain.timeline`) at one moment.

One module per rule decides through the domain and changes state through it; here they
run in their order, each candidate in its own transaction (`jobs.candidates`). Safe to
repeat: what was done is not done again.
"""

from __future__ import annotations

from datetime import datetime

from jobs import (
    approach_expiry,
    interest_list_opening,
    pairings,
    registration_reminders,
    retention,
    speed_mentoring,
)
from jobs.candidates import DueReport
from service.app import App

RULES = (
    registration_reminders,
    interest_list_opening,
    speed_mentoring,
    approach_expiry,
    pairings,
    retention,
)


def run_due(app: App, now: datetime) -> DueReport:
    """Every time-based rule, at `now`."""
    report = DueReport()
    for rule in RULES:
        rule.run(app, now, report)
    return report
