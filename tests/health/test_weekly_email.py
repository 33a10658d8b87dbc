"""The weekly programme-health email: on its day only, once a week, the report attached."""

from __future__ import annotations

from jobs.health import send_health_report
from service import clock
from service.app import App
from service.mail import outbox
from tests.jobs.world import at, build_world

MONDAY = 5  # at(0) is Wednesday 1 July 2026


def test_the_weekly_email_goes_on_its_day_once_with_the_report_attached(app: App) -> None:
    world = build_world(app)
    world.pair("bo", "ash", at(-60))  # quiet since: on the stuck list
    clock.set_now(at(MONDAY - 1))
    assert send_health_report(app, at(MONDAY - 1)) == 0  # a Sunday: not its day
    clock.set_now(at(MONDAY))
    coordinators = len(app.config.coordinators.addresses)
    assert send_health_report(app, at(MONDAY)) == coordinators
    assert send_health_report(app, at(MONDAY, hour=15)) == 0  # the same week: never twice
    outbox.drain(app.db, app.transport)
    [mail] = world.coordinator_mail()
    assert mail.subject.startswith("Programme health for round 2026")
    assert "2 people still in a pairing" in mail.text
    assert "No feedback has been collected yet." in mail.text
    [report] = list(mail.message.iter_attachments())
    assert report.get_content_type() == "text/html"
    assert report.get_filename() == "programme-health-2026-07-06.html"
    page = report.get_content()
    assert "Programme health" in page and "Ash Tester" in page and "quiet" in page
    # The next week brings the next one.
    clock.set_now(at(MONDAY + 7))
    assert send_health_report(app, at(MONDAY + 7)) == coordinators
