"""The health report of a simulated year, opened in a real headless Chromium.

One small demo year (the real CLI, pipeline, jobs, SQLite and Maildir) is played for the
module; `mentoring report` writes the coordinators' and the sponsors' pages from it, and
Chromium (Debian's `chromium`) loads them from files: no console errors, every chart an
image with its accessible name, a screenshot with real content, the headline numbers in
the text, and text colours that meet WCAG AA. Skips only when Chromium cannot start.

MENTORING_WRITE_DOCS=1 also copies the screenshot to docs/health-report.png (the README's).
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from html.parser import HTMLParser
from io import StringIO
from pathlib import Path
from statistics import mean

import pytest
from click.testing import CliRunner
from rich.console import Console
from sqlalchemy import select, update

import service.cli.commands  # noqa: F401  (registers the commands)
from jobs.daily import DAILY
from service import clock
from service.cli.main import cli
from service.config import load_config
from service.demo.run import build_app, play
from service.demo.summary import summarise
from service.domain.model import Feedback
from service.store.orm import pairings, people, registrations
from tests.harness import Programme

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "health-report.png"
CHARTS = {
    "funnel",
    "weekly",
    "roles",
    "departments",
    "grades",
    "professions",
    "health",
    "endings",
    "meetings",
    "per-pairing",
    "email",
    "quality",
    "scores",
    "quality-pairings",
}
SCORES = (5, 4, 4, 3, 5, 2, 4, 5)
COMMENTS = (
    "good chats with {partner}",
    "{partner} helped me get ready for an interview",
    "we meet every month and {partner} is patient",
    "hard to find the time, but worth it",
    "good chats with {partner}; I now have a development plan",
    "{partner} has cancelled twice",
    "useful, especially the learning contract",
    "I would recommend it to anyone",
)


def _chromium(*args: str, timeout: int = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            CHROMIUM,
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def browser() -> None:
    try:
        probe = _chromium("--dump-dom", "about:blank", timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Chromium could not be started ({CHROMIUM}): {exc}")
    if probe.returncode != 0 or "<html" not in probe.stdout:
        pytest.skip(f"Chromium could not be started ({CHROMIUM}): exit {probe.returncode}")


@dataclass
class Year:
    home: Path
    page: Path
    sponsors: Path
    csvs: Path
    sponsor_csvs: Path
    summary_hours: float
    summary_meetings: int
    in_pairing: int
    names: list[str]
    scores: list[int]  # the scores stored from the answers to check-ins
    scorers: int  # the people who gave them (some of the demo's people answer more than once)


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Year]:
    home = tmp_path_factory.mktemp("health") / "home"
    outcome = play(home, 14, 7, None, Console(file=StringIO()), daily=DAILY)
    app = build_app(home, None)
    # Everyone gave a characteristic and asked to be matched on it: none may show.
    with app.db.engine.begin() as c:
        c.execute(
            update(registrations).values(
                characteristics="Asexual, Trans, Zqxcharacteristic",
                wants_shared_characteristic=True,
            )
        )
        rows = c.execute(select(people.c.first_name, people.c.last_name))
        names = [f"{a} {b}" for a, b in rows if a or b]  # an erased person has no name left
        active = c.execute(
            select(pairings.c.mentor_id, pairings.c.mentee_id).where(pairings.c.status == "active")
        ).all()
    summary = summarise(app, outcome.end)
    app.close()
    scores, scorers = _answer_check_ins(home, outcome.end)
    when = outcome.end.strftime("%Y-%m-%dT%H:%M")
    env = {"MENTORING_HOME": str(home)}
    runner = CliRunner()
    for extra, name in (([], "report"), (["--for-sponsors"], "sponsors")):
        result = runner.invoke(
            cli,
            [
                "--now",
                when,
                "report",
                "--html",
                str(home / f"{name}.html"),
                "--csv",
                str(home / f"{name}-csv"),
                *extra,
            ],
            env=env,
        )
        assert result.exit_code == 0, result.output
    clock.set_now(None)
    yield Year(
        home,
        home / "report.html",
        home / "sponsors.html",
        home / "report-csv",
        home / "sponsors-csv",
        summary.hours,
        summary.meetings,
        len({x for pair in active for x in pair}),
        names,
        scores,
        scorers,
    )


def _answer_check_ins(home: Path, end: datetime) -> tuple[list[int], int]:
    """Participants answer their latest check-in through the real pipeline, each with a
    score and a comment naming their partner (which the report must not show). The
    scores stored (with those the demo's people gave) and how many people gave them."""
    app = build_app(home, None)
    clock.set_now(end)
    try:
        programme = Programme(app)
        latest = {s.to: s for s in programme.sent() if s.subject.startswith("How is your")}
        answers = zip(sorted(latest.items()), SCORES, COMMENTS, strict=False)
        for (_to, check_in), score, comment in answers:
            partner = re.sub(r"^How is your mentoring with (.+?) going.*$", r"\1", check_in.subject)
            said = comment.format(partner=partner)
            programme.send(programme.reply(check_in, f"{score} - {said}"))
        with app.uow() as uow:
            scored = [a for a in uow.session.scalars(select(Feedback)).all() if a.score]
            return [a.score for a in scored if a.score], len({a.person_id for a in scored})
    finally:
        app.close()


# --- a small DOM reader and PNG decoder (stdlib only) ----------------------------------------


class _Dom(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.svgs: list[dict[str, str]] = []
        self.titles: list[str] = []
        self._in_svg_title = False
        self._depth_svg = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "svg":
            self.svgs.append(a)
            self._depth_svg += 1
        elif tag == "title" and self._depth_svg and len(self.titles) < len(self.svgs):
            self._in_svg_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._depth_svg -= 1
        if tag == "title":
            self._in_svg_title = False

    def handle_data(self, data: str) -> None:
        if self._in_svg_title:
            self.titles.append(data)
        self.text.append(data)


def _png_pixels(png: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and the raw RGB(A) rows of an 8-bit PNG (what Chromium writes)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data = 8, b""
    width = height = channels = 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        body = png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            assert depth == 8, depth
            channels = {2: 3, 6: 4}[colour]
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    raw = zlib.decompress(data)
    stride = width * channels
    rows: list[bytes] = []
    prev = bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    return width, height, rows


# --- colour contrast (WCAG 2.x) --------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    if len(h) == 3:
        h = "".join(ch * 2 for ch in h)
    channels = [int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def colour_pairs(html: str) -> list[tuple[str, str, str]]:
    """(where, text colour, background) for every CSS rule and SVG text in the page."""
    css = re.search(r"<style>(.*?)</style>", html, re.S)
    assert css
    body_bg = "#ffffff"
    pairs = []
    for selector, rule in re.findall(r"([^{}]+)\{([^{}]*)\}", css.group(1)):
        colour = re.search(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{3,6})", rule)
        if not colour:
            continue
        bg = re.search(r"background:\s*(#[0-9a-fA-F]{3,6})", rule)
        pairs.append((selector.strip(), colour.group(1), bg.group(1) if bg else body_bg))
    for fill in set(re.findall(r'<text[^>]*fill="(#[0-9a-fA-F]{3,6})"', html)):
        pairs.append(("svg text", fill, body_bg))
    return pairs


def test_contrast_arithmetic_matches_wcag() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#777777", "#ffffff") < 4.5 < contrast("#767676", "#ffffff")


# --- the tests -------------------------------------------------------------------------------


def test_the_page_loads_without_console_errors_and_every_chart_has_a_name(
    browser: None, year: Year
) -> None:
    done = _chromium("--dump-dom", year.page.as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    console = [line for line in done.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    dom = _Dom()
    dom.feed(done.stdout)
    charts = [s for s in dom.svgs if s.get("role") == "img"]
    keys = {
        s.get("aria-describedby", "").removeprefix("chart-").removesuffix("-desc") for s in charts
    }
    assert keys == CHARTS
    assert all(len(s.get("aria-label", "")) > 20 for s in charts)
    assert len(dom.titles) == len(charts) and all(t.strip() for t in dom.titles)
    # Self-contained: nothing fetched from anywhere, no script.
    assert "<script" not in year.page.read_text() and "http" not in re.sub(
        r'xmlns="http://www.w3.org/2000/svg"', "", year.page.read_text()
    )


def test_a_console_error_would_be_seen(browser: None, tmp_path: Path) -> None:
    # The check above can fail: a page that logs an error is caught the same way.
    page = tmp_path / "bad.html"
    page.write_text("<p>x</p><script>console.error('broken')</script>")
    done = _chromium("--dump-dom", page.as_uri())
    assert any("CONSOLE" in line and "broken" in line for line in done.stderr.splitlines())


def test_the_headline_numbers_are_in_the_text(browser: None, year: Year) -> None:
    done = _chromium("--dump-dom", year.page.as_uri())
    dom = _Dom()
    dom.feed(done.stdout)
    text = re.sub(r"\s+", " ", " ".join(dom.text))
    assert year.summary_meetings > 0
    assert f"{year.summary_meetings} meetings held" in text
    assert f"{year.summary_hours:g} CPD hours logged" in text
    assert f"{year.in_pairing} people still in a pairing" in text
    assert len(year.scores) >= 5, "the demo year had too few check-ins to answer"
    score = f"{round(mean(year.scores), 1):.1f}".removesuffix(".0")
    assert f"Mentoring quality score: {score} out of 5" in text
    assert f"from {len(year.scores)} answers by {year.scorers} people" in text
    assert "good chats with [name]" in text  # the comments, quotable without names
    assert not any(f"good chats with {n}" in text or f"“{n} " in text for n in year.names)
    assert "Who may be stuck" in text


def test_a_screenshot_shows_the_report(browser: None, year: Year, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    done = _chromium(
        "--hide-scrollbars", "--window-size=1100,1500", f"--screenshot={shot}", year.page.as_uri()
    )
    assert shot.exists(), done.stderr[-2000:]
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == (1100, 1500)
    colours = {row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)}
    ink = sum(
        1 for row in rows[::4] for i in range(0, len(row), 12) if row[i : i + 3] != b"\xff\xff\xff"
    )
    assert len(colours) > 20, "the screenshot is nearly one colour"
    assert ink > 0.05 * (height // 4) * (width // 4), "the screenshot is nearly blank"
    assert b"\x1d\x70\xb8" in colours  # the charts' blue drew
    if os.environ.get("MENTORING_WRITE_DOCS") == "1":
        DOCS.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, DOCS)


def test_text_colours_meet_wcag_aa(year: Year) -> None:
    for page in (year.page, year.sponsors):
        pairs = colour_pairs(page.read_text())
        assert len(pairs) >= 5
        low = [
            (w, fg, bg, round(contrast(fg, bg), 2)) for w, fg, bg in pairs if contrast(fg, bg) < 4.5
        ]
        assert low == []


def test_the_sponsors_never_see_a_characteristic_a_name_or_a_small_number(year: Year) -> None:
    config = load_config()
    outputs = {p.name: p.read_text() for p in [year.page, year.sponsors]}
    outputs |= {
        p.name: p.read_text() for d in (year.csvs, year.sponsor_csvs) for p in d.glob("*.csv")
    }
    assert len(outputs) > 5
    words = [c for c in config.form.characteristics if c != "Other"] + ["Zqxcharacteristic"]
    for name, text in outputs.items():
        for word in words:
            assert not re.search(rf"\b{re.escape(word)}\b", text), (name, word)
    sponsor = [year.sponsors.read_text()] + [p.read_text() for p in year.sponsor_csvs.glob("*.csv")]
    for text in sponsor:
        assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", text)  # no address
        for name in year.names:
            assert name not in text
    # Every people-count cell in the sponsors' tables is 0, at least 5, or suppressed.
    html = year.sponsors.read_text()
    assert "&lt;5" in html
    assert "good chats" not in html  # people's comments are the coordinators' alone
    sections = ("funnel", "roles", "departments", "grades", "professions", "health", "endings")
    for section in (*sections, "scores"):
        block = html.split(f'id="h-{section}"')[1].split("</table>")[0]
        for cell in re.findall(r'<td class="n">([^<]*)</td>', block):
            number = 0 if cell in {"&lt;5", ""} else int(cell.replace(",", ""))
            # "health" and "endings" count pairings: two people stand behind each one.
            people = 2 * number if section in ("health", "endings") else number
            assert people == 0 or people >= 5, (section, cell)
