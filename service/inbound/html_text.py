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
_SKIP = {"script", "style", "head", "title", "xml"}
_SPACES = re.compile(r"[ \t\u00a0\u200b]+")
_SOURCE_SPACE = re.compile(r"[ \t\r\n\f]+")  # HTML source whitespace: one space when shown


class _TextMaker(HTMLParser):
    """Lays text out as a browser would: blocks start new lines, <br> breaks one, and the
    source's own line breaks are only spaces. Outlook's empty paragraphs (&nbsp;) stay as
    blank lines, so "Thanks,<div>Alex</div>" is two lines, not two paragraphs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.line_quoted = False
        self.skip = 0
        self.quote = 0
        self.pre = 0
        # Per open <p>: does it leave a blank line (ordinary HTML) or not (Outlook's
        # MsoNormal paragraphs have no margins; its blank lines are &nbsp; paragraphs)?
        self.paragraphs: list[bool] = []
        self.blank_data = False  # whitespace seen on the current, still empty, line

    def _end_line(self, hard: bool = False) -> None:
        """End the current line; a soft end (block edges) leaves no empty line behind."""
        if not self.line and not hard:
            return
        text = "".join(self.line)
        if self.line_quoted and text.strip():
            # Quoted history is marked like plain-text quoting so the reply reader drops it.
            text = "> " + text
        self.lines.append(text)
        self.line = []
        self.line_quoted = False
        self.blank_data = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip += 1
        elif tag == "br":
            self._end_line(hard=True)
        elif tag == "hr":
            # Outlook web puts an <hr> above the quoted message; keep it as a separator.
            self._end_line()
            self.lines.append("________________________________")
        elif tag in _BLOCK:
            self._end_line()
            self.quote += tag == "blockquote"
            self.pre += tag == "pre"
            if tag == "p":
                classes = " ".join(v or "" for k, v in attrs if k == "class").lower()
                self.paragraphs.append("msonormal" not in classes)
        elif tag in {"td", "th"} and self.line:
            self.line.append(" ")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK and tag not in {"br", "hr"}:
            if tag == "p":
                spaced = self.paragraphs.pop() if self.paragraphs else True
                # Outlook's "<p class=MsoNormal> </p>" is its blank line.
                self._end_line(hard=not spaced and self.blank_data)
                if spaced and self.lines and self.lines[-1]:
                    self.lines.append("")
                return
            self._end_line()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            elif tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.pre:
            first, *rest = data.split("\n")
            self._add(first)
            for piece in rest:
                self._end_line(hard=True)
                self._add(piece)
            return
        data = _SOURCE_SPACE.sub(" ", data)
        if not self.line:
            self.blank_data = self.blank_data or data == " "
            data = data.lstrip(" ")
        self._add(data)

    def _add(self, data: str) -> None:
        if data:
            if not self.line:
                self.line_quoted = self.quote > 0
            self.line.append(data)


def html_to_text(html: str) -> str:
    maker = _TextMaker()
    try:
        maker.feed(html[:_MAX_HTML_CHARS])
        maker.close()
    except Exception:  # the parser is lenient, but a broken page must never stop us
        pass
    maker._end_line()
    lines = [_SPACES.sub(" ", ln).strip() for ln in maker.lines]
    # Collapse runs of blank lines.
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
