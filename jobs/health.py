"""The weekly programme-health email: the report attached, its headline numbers in the body.

It goes with the digest on the configured day (`schedule.health_report_day`); its dedupe key
is the ISO week, so running the daily jobs twice never sends it twice.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from service.app import App
from service.domain import timeline
from service.emails import to_coordinators
from service.health.figures import headline
from service.health.load import load_facts
from service.health.page import headline_rows, report_html
from service.mail import outbox
from service.messages import Attachment

DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def send_health_report(app: App, now: datetime) -> int:
    """Queue this week's programme-health email on its day. Returns the emails queued."""
    cfg = app.config
    day = timeline.local_day(now, cfg)
    if DAYS[day.weekday()] != cfg.schedule.health_report_day:
        return 0
    with app.uow(actor="job:health") as uow:
        rounds = [r for r in uow.repo.rounds() if r.opens_at <= now]
        if not rounds:
            return 0
        facts = load_facts(uow, rounds, now)
        page = report_html(facts, cfg).encode("utf-8")
        name = f"programme-health-{day.isoformat()}.html"
        head = headline(facts[-1], cfg)
        year, week, _ = day.isocalendar()
        emails = to_coordinators(
            f"health:{year}-W{week:02d}",
            "programme_health",
            cfg,
            {
                "day": day,
                "round_name": rounds[-1].name,
                "attachment": name,
                "headline": [
                    {"value": v, "label": label} for label, v in headline_rows(head, False)
                ],
                "quality": head.quality,
            },
        )
        attached = (Attachment(name, "text/html", page),)
        emails = [replace(e, attachments=attached) for e in emails]
        queued = outbox.queue_all(uow, emails, cfg, automatic=True)
        uow.commit()
        return len(queued)
