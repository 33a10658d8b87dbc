"""The coordinator's report: figures add up, the HTML is self-contained, nothing sensitive."""

from __future__ import annotations

import csv
import io
import re

from benchmarks._generate import generate_round
from service.config import load_config
from service.matching import MatchProblem, Mentee, Mentor, match
from service.matching.report import (
    MatchReport,
    build_report,
    render_csv,
    render_html,
    render_introductions_csv,
    render_overrides,
    render_review_csv,
)


def _report_of(problem: MatchProblem) -> MatchReport:
    config = load_config()
    return build_report(problem, match(problem), grade_names=[g.code for g in config.grades])


def test_counts_add_up_on_a_generated_round() -> None:
    problem = generate_round(600, seed=5).problem
    report = _report_of(problem)
    assert sum(n for _, n in report.mentee_counts) == report.mentees
    assert sum(n for _, n in report.mentor_counts) == report.mentors
    assert sum(k * n for k, n in report.mentee_counts) == report.objective.introductions
    assert sum(n for _, n in report.grade_gaps) == report.objective.introductions
    assert all(1 <= gap <= 2 for gap, _ in report.grade_gaps)
    assert report.mentees - dict(report.mentee_counts)[0] == report.objective.mentees_matched
    assert len([u for u in report.unmatched if u.role == "mentee"]) == dict(report.mentee_counts)[0]
    assert sum(r.mentees for r in report.departments) == report.mentees
    assert report.profession_of_interest_met <= report.profession_of_interest_asked


def test_html_is_self_contained_and_never_names_a_characteristic() -> None:
    secret = "Zebracharacteristic"
    mentees = [
        Mentee(
            1,
            1,
            "Home Office",
            characteristics=frozenset({secret}),
            wants_characteristic=True,
            profession_of_interest="Policy",
        ),
        Mentee(2, 1, "Home Office"),
        Mentee(3, 6, "Home Office"),  # nobody above: unmatched
    ]
    mentors = [
        Mentor(9, 3, "Cabinet Office", profession="Policy", characteristics=frozenset({secret}))
    ]
    problem = MatchProblem.build(mentees, mentors, pinned={(9, 42)})
    report = _report_of(problem)
    html = render_html(report, title="Round <1>", labels={("mentee", 3): "Kim"})
    assert html.startswith("<!DOCTYPE html>")
    # One inline script (search and sort); nothing loaded from anywhere.
    assert html.count("<script>") == 1 and "<link" not in html and "src=" not in html
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", html)
    assert "Round &lt;1&gt;" in html
    assert "<svg" in html
    assert "Kim" in html
    assert "not in this round" in html
    # Every introduction is listed, with grades, departments and the reason in words.
    assert len(report.introductions) == report.objective.introductions == 2
    table = html[html.index('<table id="intros">') : html.index("</tbody>")]
    assert table.count("<tr><td>") == 2 and "Cabinet Office" in table
    assert "mentor two grades above; from the mentee&#x27;s profession of interest" in table
    contacts = {9: ("m@x.gov.uk", "Mo"), 1: ("a@x.gov.uk", "Al"), 2: ("b@x.gov.uk", "Bea")}
    text = render_csv(report)
    review = render_review_csv(report, contacts)
    pins = render_overrides(report, contacts, round_name="2026")
    for out in (html, text, review, pins):
        assert secret.lower() not in out.lower()
        assert "characteristic" not in out.lower()
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["section", "item", "value", "detail"]
    sections = {r[0] for r in rows[1:]}
    assert {"summary", "mentees by number of mentors", "unmatched mentee", "department"} <= sections


def test_introductions_csv_has_a_sentence_per_introduction() -> None:
    mentees = [
        Mentee(
            1,
            1,
            "Home Office",
            profession_of_interest="Policy",
            characteristics=frozenset({"Gay"}),
            wants_characteristic=True,
        )
    ]
    mentors = [
        Mentor(9, 3, "Cabinet Office", profession="Policy", characteristics=frozenset({"Gay"}))
    ]
    problem = MatchProblem.build(mentees, mentors)
    text = render_introductions_csv(problem, match(problem), labels={("mentor", 9): "Alex"})
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    assert rows[0]["explanation"] == (
        "Alex is two grades above you and works in your profession of interest."
    )
    assert rows[0]["origin"] == "matched"
    assert "gay" not in text.lower()
