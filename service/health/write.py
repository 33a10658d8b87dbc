"""Write the health report and its CSVs to files (the I/O edge for the CLI and the demo)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from service.app import App
from service.errors import MentoringError
from service.health.load import load_facts
from service.health.page import report_csvs, report_html
from service.rounds import get_round


@dataclass(frozen=True)
class Written:
    html: Path
    csvs: list[Path]
    round_name: str


def write_report(
    app: App,
    now: datetime,
    html: Path,
    *,
    round_name: str | None = None,
    csv_dir: Path | None = None,
    for_sponsors: bool = False,
) -> Written:
    """The report on `round_name` (default: the latest round), earlier rounds compared."""
    with app.uow() as uow:
        rounds = list(uow.repo.rounds())
        if round_name is not None:
            chosen = get_round(uow, round_name)
            rounds = rounds[: rounds.index(chosen) + 1]
        else:
            rounds = [r for r in rounds if r.opens_at <= now] or rounds
        if not rounds:
            raise MentoringError("There is no round to report on yet: create one first.")
        facts = load_facts(uow, rounds, now)
    page = report_html(facts, app.config, for_sponsors=for_sponsors)
    try:
        html.parent.mkdir(parents=True, exist_ok=True)
        html.write_text(page, encoding="utf-8")
        written: list[Path] = []
        if csv_dir is not None:
            csv_dir.mkdir(parents=True, exist_ok=True)
            for name, text in report_csvs(facts[-1], app.config, for_sponsors=for_sponsors).items():
                (csv_dir / name).write_text(text, encoding="utf-8")
                written.append(csv_dir / name)
    except OSError as exc:
        raise MentoringError(
            f"Could not write the report: {exc.strerror} ({exc.filename})."
        ) from None
    return Written(html, written, rounds[-1].name)


def write_demo_report(home: Path, end: datetime, config_path: str | None) -> Path:
    """The demo's last step: the health report of its simulated year, beside its data."""
    from service.demo.run import build_app

    app = build_app(home, config_path)
    try:
        return write_report(app, end, home / "health-report.html", csv_dir=home / "csv").html
    finally:
        app.close()
