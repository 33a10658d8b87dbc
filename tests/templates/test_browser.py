"""One email of every template class, opened in a real headless Chromium (Debian's
`chromium`, set up as for the health report: tests/health/test_browser.py).

Each must load without console errors and have the structure a screen reader needs: the
document's language, one h1 and no skipped heading level, no layout tables, links with
real text (never a bare address), and text colours that meet WCAG AA on every background
it declares. A screenshot of each shows real content. Skips only when Chromium cannot start.

MENTORING_WRITE_DOCS=1 also writes the screenshots and their index to docs/emails/.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from service.config import load_config
from service.mail.outbox import common_context
from service.mail.render import RenderedEmail, render
from tests.health import test_browser as health
from tests.health.test_browser import _chromium, _png_pixels, contrast
from tests.templates.lint import CLASSES, template_class
from tests.templates.samples import SAMPLES

DOCS = Path(__file__).resolve().parents[2] / "docs" / "emails"
# One email standing for each class of template, as people receive them.
GALLERY = {
    "match": ("matches_mentee", "The speed-mentoring matches, to a mentee"),
    "guidance": ("guidance_learning_contract", "Guidance during a long-term pairing"),
    "coordinator": ("coordinator_digest", "The coordinators' daily digest"),
    "answer": ("problem_answer", "An answer to a reply we could not act on"),
    "notice": ("confirm_address", "A notice: please confirm your place"),
}
SIZE = (720, 1200)
browser = health.browser  # the shared fixture: skips when Chromium cannot start


@dataclass
class _Dom(HTMLParser):
    lang: str = ""
    headings: list[int] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (href, text)
    tables: int = 0
    articles: list[dict[str, str]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _link: list[str] | None = None

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang", "")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "a":
            self._link = [a.get("href", "")]
        elif tag == "table":
            self.tables += 1
        if a.get("role") == "article":
            self.articles.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], " ".join("".join(self._link[1:]).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._link is not None:
            self._link.append(data)
        self.text.append(data)


def _email(name: str) -> RenderedEmail:
    context: dict[str, Any] = {**SAMPLES[name], **common_context(load_config())}
    return render(name, context)


def _colours(html: str) -> tuple[set[str], set[str]]:
    """Every text colour and every background the email declares (styles and attributes)."""
    fg = {c.lower() for c in re.findall(r"(?<![-\w])color:\s*(#[0-9a-fA-F]{6})", html)}
    bg = {c.lower() for c in re.findall(r"background(?:-color)?:\s*(#[0-9a-fA-F]{6})", html)}
    return fg, bg | {"#ffffff"}


def structure_problems(dom: _Dom) -> list[str]:
    problems = []
    if dom.lang != "en-GB":
        problems.append(f"lang is {dom.lang!r}")
    if dom.headings.count(1) != 1 or dom.headings[:1] != [1]:
        problems.append(f"headings start {dom.headings[:3]}: one h1, first")
    for before, after in zip(dom.headings, dom.headings[1:], strict=False):
        if after > before + 1:
            problems.append(f"a heading level is skipped: h{before} then h{after}")
    if dom.tables:
        problems.append("a layout table")
    for href, text in dom.links:
        if not href or not text or re.match(r"(?:https?://|www\.|mailto:)", text, re.I):
            problems.append(f"a link without real text: {text or href!r}")
        elif text.lower() in {"click here", "here", "link", "this link"}:
            problems.append(f"a link whose text says nothing: {text!r}")
    if not any(a.get("aria-label") and a.get("lang") for a in dom.articles):
        problems.append("no labelled role=article around the email")
    return problems


@pytest.fixture(scope="module")
def opened(browser: None, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Each gallery email: its HTML, the DOM Chromium built, and a screenshot."""
    folder = tmp_path_factory.mktemp("emails")
    found = {}
    for cls, (name, _) in GALLERY.items():
        email = _email(name)
        page = folder / f"{name}.html"
        page.write_text(email.html, encoding="utf-8")
        dumped = _chromium("--dump-dom", page.as_uri())
        shot = folder / f"{cls}-{name}.png"
        _chromium(
            "--hide-scrollbars",
            f"--window-size={SIZE[0]},{SIZE[1]}",
            f"--screenshot={shot}",
            page.as_uri(),
        )
        found[cls] = (email, dumped, shot)
    return found


def test_the_gallery_has_one_email_of_every_class() -> None:
    assert set(GALLERY) == set(CLASSES)
    assert all(template_class(name).name == cls for cls, (name, _) in GALLERY.items())


@pytest.mark.parametrize("cls", sorted(GALLERY))
def test_each_email_loads_with_an_accessible_structure(opened: dict[str, Any], cls: str) -> None:
    email, dumped, _ = opened[cls]
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert [ln for ln in dumped.stderr.splitlines() if "CONSOLE" in ln] == []
    dom = _Dom()
    dom.feed(dumped.stdout)
    assert structure_problems(dom) == []
    assert len(dom.links) >= 3  # the programme's pages, by name
    text = " ".join(" ".join(dom.text).split())
    assert email.subject in text and "reply to this email" in text.lower()


def test_the_structure_check_finds_each_problem() -> None:
    dom = _Dom()
    dom.feed(
        '<html lang="en"><body><h2>x</h2><h4>y</h4><table></table>'
        '<a href="https://x.example">https://x.example</a><a href="/p">click here</a></body></html>'
    )
    found = " | ".join(structure_problems(dom))
    for expected in ("lang is", "one h1", "skipped", "layout table", "real text", "says nothing"):
        assert expected in found, expected
    assert "role=article" in found


@pytest.mark.parametrize("cls", sorted(GALLERY))
def test_text_colours_meet_wcag_aa(cls: str) -> None:
    name, _ = GALLERY[cls]
    fg, bg = _colours(_email(name).html)
    assert len(fg) >= 2
    low = [(f, b, round(contrast(f, b), 2)) for f in fg for b in bg if contrast(f, b) < 4.5]
    assert low == []


@pytest.mark.parametrize("cls", sorted(GALLERY))
def test_a_screenshot_shows_the_email(opened: dict[str, Any], cls: str) -> None:
    _, _, shot = opened[cls]
    assert shot.exists()
    width, height, rows = _png_pixels(shot.read_bytes())
    assert (width, height) == SIZE
    ink = sum(
        1 for row in rows[::4] for i in range(0, len(row), 12) if row[i : i + 3] != b"\xff\xff\xff"
    )
    assert ink > 0.02 * (height // 4) * (width // 4), "the screenshot is nearly blank"
    if os.environ.get("MENTORING_WRITE_DOCS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        (DOCS / shot.name).write_bytes(small_png(shot.read_bytes()))
        (DOCS / "README.md").write_text(gallery_index(), encoding="utf-8")


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = struct.pack(">I", zlib.crc32(kind + body))
    return struct.pack(">I", len(body)) + kind + body + crc


def small_png(png: bytes) -> bytes:
    """The screenshot in 216 web-safe colours (an indexed PNG): a quarter of the bytes,
    and still legible, for the committed gallery."""
    width, height, rows = _png_pixels(png)
    channels = len(rows[0]) // width
    step = [0, 51, 102, 153, 204, 255]
    palette = bytes(v for r in step for g in step for b in step for v in (r, g, b))
    raw = bytearray()
    for row in rows:
        raw.append(0)  # no filter
        raw += bytes(
            (row[i] + 25) // 51 * 36 + (row[i + 1] + 25) // 51 * 6 + (row[i + 2] + 25) // 51
            for i in range(0, len(row), channels)
        )
    header = struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"PLTE", palette)
        + _chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        + _chunk(b"IEND", b"")
    )


def gallery_index() -> str:
    lines = [
        "# The emails, as a browser shows them",
        "",
        "One email of each class of template, rendered from its sample",
        "(`tests/templates/samples.py`) with the default configuration and opened in headless",
        "Chromium by `tests/templates/test_browser.py`. Rewrite them with",
        "`MENTORING_WRITE_DOCS=1 .venv/bin/pytest tests/templates/test_browser.py`.",
        "",
        "| class | template | what it is |",
        "|---|---|---|",
    ]
    for cls, (name, what) in sorted(GALLERY.items()):
        lines.append(f"| {cls} | [`{name}`]({cls}-{name}.png) | {what} |")
    lines.append("")
    for cls, (name, what) in sorted(GALLERY.items()):
        lines += [f"## {what}", "", f"![{what}]({cls}-{name}.png)", ""]
    return "\n".join(lines)


def test_the_committed_gallery_is_this_gallery() -> None:
    index = DOCS / "README.md"
    assert index.read_text(encoding="utf-8") == gallery_index()
    for cls, (name, _) in GALLERY.items():
        png = DOCS / f"{cls}-{name}.png"
        assert png.exists() and png.stat().st_size < 60_000
