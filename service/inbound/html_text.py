"""HTML to plain text, and HTML tables to rows, with the standard library's tolerant parser."""

from __future__ import annotations

import re
from html.parser import HTMLParser

_MAX_HTML_CHARS = 500_000
_BLOCK = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "ul",
    "ol",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "hr",
    "pre",
    "section",
    "article",
    "header",
    "footer",
    "dl",
    "dt",
    "dd",
}
_SKIP = {"script", "style", "head", "title", "xml", "o:p"}
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")


class _TextMaker(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "blockquote":
            self.quote += 1
            self.out.append("\n")
        elif tag == "hr":
            # Outlook web puts an <hr> above the quoted message; keep it as a separator.
            self.out.append("\n________________________________\n")
        elif tag in _BLOCK:
            self.out.append("\n")
        elif tag in {"td", "th"}:
            self.out.append("\t")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag == "blockquote":
            self.quote = max(0, self.quote - 1)
            self.out.append("\n")
        elif tag in _BLOCK:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.quote:
            # Quoted history is marked like plain-text quoting so the reply reader drops it.
            lines = data.split("\n")
            data = "\n".join("> " + ln if ln.strip() else ln for ln in lines)
        self.out.append(data)


def html_to_text(html: str) -> str:
    maker = _TextMaker()
    try:
        maker.feed(html[:_MAX_HTML_CHARS])
        maker.close()
    except Exception:  # the parser is lenient, but a broken page must never stop us
        pass
    text = "".join(maker.out)
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    # Collapse runs of blank lines left by nested blocks.
    tidy: list[str] = []
    for ln in lines:
        if ln or (tidy and tidy[-1]):
            tidy.append(ln)
    return "\n".join(tidy).strip()


class _TableReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.row: list[str] | None = None
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "tr":
            self.row = []
        elif tag in {"td", "th"}:
            self.cell = []
        elif tag in {"br", "p", "div", "li"} and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in {"td", "th"} and self.cell is not None:
            if self.row is not None:
                self.row.append(_tidy_cell("".join(self.cell)))
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.rows.append(self.row)
            self.row = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None and not self.skip:
            self.cell.append(data)


def _tidy_cell(text: str) -> str:
    lines = [_SPACES.sub(" ", ln).strip() for ln in text.split("\n")]
    return "\n".join(ln for ln in lines if ln)


def html_table_rows(html: str) -> list[list[str]]:
    """Every table row as its list of cell texts (nested tables give their own rows)."""
    reader = _TableReader()
    try:
        reader.feed(html[:_MAX_HTML_CHARS])
        reader.close()
    except Exception:
        pass
    return reader.rows
