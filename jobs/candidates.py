"""How every time rule is applied: candidates first, then one transaction each.

A rule first reads the state once to find its candidates, then handles each candidate
in its own unit of work: reload, ask the pure rule again (another worker may have acted
meanwhile), change state through the domain, audit, queue the emails, commit. A
candidate that lost a race (the same dedupe key committed by someone else) rolls back
and is counted, never sent twice. Emails are only queued here; the outbox sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from service.app import App
from service.mail import outbox
from service.messages import Email
from service.store.errors import LOST_RACE
from service.store.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

ACTOR = "job:run-due"


@dataclass
class DueReport:
    """What one run did: emails queued per rule, candidates that lost a race or failed."""

    queued: dict[str, int] = field(default_factory=dict)
    raced: int = 0
    failed: int = 0

    def count(self, rule: str, emails: int) -> None:
        if emails:
            self.queued[rule] = self.queued.get(rule, 0) + emails


Step = Callable[[UnitOfWork], list[Email]]


def apply(app: App, report: DueReport, rule: str, step: Step) -> bool:
    """One candidate, one transaction: its state change and its emails commit together.
    True when it committed."""
    try:
        with app.uow(actor=ACTOR) as uow:
            emails = step(uow)
            queued = outbox.queue_all(uow, emails, app.config, automatic=True)
            uow.commit()
    except LOST_RACE:
        # Another worker committed the same step first (unique dedupe key): nothing to do.
        report.raced += 1
        return False
    except Exception:
        log.exception("time rule %s failed for one candidate", rule)
        report.failed += 1
        return False
    report.count(rule, len(queued))
    return True
