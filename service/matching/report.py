"""The report a coordinator reads before committing a match: data, CSV and HTML.

`build_report` is pure; `render_csv` and `render_html` turn it into text. The HTML page is
self-contained (inline CSS and SVG, no network) so it opens offline from a file; one small
inline script makes the introductions table searchable and sortable, and the table reads
the same with scripts off.
No characteristic value, count or hint appears anywhere: the report speaks of grades,
departments and professions only.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.csv_safe import SafeWriter
from service.matching.explain import Unmatched, explain_for_coordinator, unmatched_reasons
from service.matching.model import (
    MatchProblem,
    MatchResult,
    Objective,
    Origin,
    PinNote,
    PinProblem,
)
from service.matching.rules import meets_profession_of_interest


def escape(text: str) -> str:
    """`html.escape`, imported when a page is written: the `html` package loads its entity
    table (~2 ms), which a dry run that writes no report has no use for."""
    from html import escape as html_escape

    return html_escape(text)


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    department: str
    mentees: int
    mentees_matched: int
    mentors: int
    mentors_matched: int
    introductions_as_mentee: int
    introductions_as_mentor: int


@dataclass(frozen=True, slots=True)
class IntroductionRow:
    """One proposed (or, in late mode, earlier committed) introduction, safe to show."""

    mentee_id: int
    mentor_id: int
    mentee_grade: str
    mentor_grade: str
    mentee_department: str
    mentor_department: str
    mentee_profession: str
    mentor_profession: str
    reason: str
    origin: Origin

    @property
    def pinned(self) -> bool:
        return self.origin is Origin.PINNED


@dataclass(frozen=True)
class MatchReport:
    mentees: int
    mentors: int
    objective: Objective
    exact: bool
    mentee_counts: tuple[tuple[int, int], ...]  # (number of mentors, how many mentees)
    mentor_counts: tuple[tuple[int, int], ...]  # (number of mentees, how many mentors)
    introductions_existing: int
    introductions_pinned: int
    introductions_new: int
    profession_of_interest_asked: int  # mentees who named one (and got any mentor)
    profession_of_interest_met: int  # ... of whom at least one mentor is from it
    profession_of_interest_introductions: int  # introductions meeting it
    grade_gaps: tuple[tuple[int, int], ...]  # (gap, introductions)
    departments: tuple[DepartmentRow, ...]
    unmatched: tuple[Unmatched, ...]
    pin_problems: tuple[PinProblem, ...]
    pin_notes: tuple[PinNote, ...]
    seconds: float
    introductions: tuple[IntroductionRow, ...] = ()


def _introduction_rows(
    problem: MatchProblem, result: MatchResult, grade_names: Sequence[str] | None
) -> tuple[IntroductionRow, ...]:
    mentees = problem.mentee_by_id()
    mentors = problem.mentor_by_id()

    def grade(rank: int) -> str:
        return grade_names[rank] if grade_names and 0 <= rank < len(grade_names) else str(rank)

    rows = []
    for intro in sorted(result.introductions, key=lambda i: (i.mentee_id, i.mentor_id)):
        e, m = mentees[intro.mentee_id], mentors[intro.mentor_id]
        rows.append(
            IntroductionRow(
                mentee_id=e.id,
                mentor_id=m.id,
                mentee_grade=grade(e.grade_rank),
                mentor_grade=grade(m.grade_rank),
                mentee_department=e.department,
                mentor_department=m.department,
                mentee_profession=e.profession or "",
                mentor_profession=m.profession or "",
                reason=explain_for_coordinator(e, m),
                origin=intro.origin,
            )
        )
    return tuple(rows)


def build_report(
    problem: MatchProblem, result: MatchResult, *, grade_names: Sequence[str] | None = None
) -> MatchReport:
    mentees = problem.mentee_by_id()
    mentors = problem.mentor_by_id()
    mentors_of = result.mentors_of()
    mentees_of = result.mentees_of()
    max_e = max([m.max_mentors for m in problem.mentees] + [0])
    max_m = max([m.capacity for m in problem.mentors] + [0])
    e_hist = Counter(len(mentors_of.get(m.id, ())) for m in problem.mentees)
    m_hist = Counter(len(mentees_of.get(m.id, ())) for m in problem.mentors)
    max_e = max([max_e, *e_hist])
    max_m = max([max_m, *m_hist])
    asked, met, poi_intros = _profession_of_interest(problem, mentors_of)
    gaps = Counter(
        mentors[i.mentor_id].grade_rank - mentees[i.mentee_id].grade_rank
        for i in result.introductions
    )
    origins = Counter(i.origin for i in result.introductions)
    return MatchReport(
        mentees=len(problem.mentees),
        mentors=len(problem.mentors),
        objective=result.objective,
        exact=result.exact,
        mentee_counts=tuple((k, e_hist.get(k, 0)) for k in range(max_e + 1)),
        mentor_counts=tuple((k, m_hist.get(k, 0)) for k in range(max_m + 1)),
        introductions_existing=origins.get(Origin.EXISTING, 0),
        introductions_pinned=origins.get(Origin.PINNED, 0),
        introductions_new=origins.get(Origin.MATCHED, 0),
        profession_of_interest_asked=asked,
        profession_of_interest_met=met,
        profession_of_interest_introductions=poi_intros,
        grade_gaps=tuple(sorted(gaps.items())),
        departments=_department_rows(problem, result, mentors_of, mentees_of),
        unmatched=unmatched_reasons(problem, result, grade_names=grade_names),
        pin_problems=result.pin_problems,
        pin_notes=result.pin_notes,
        seconds=result.seconds,
        introductions=_introduction_rows(problem, result, grade_names),
    )


def _profession_of_interest(
    problem: MatchProblem, mentors_of: Mapping[int, Sequence[int]]
) -> tuple[int, int, int]:
    """Matched mentees who named a profession of interest, how many of them got a mentor
    from it, and how many introductions meet one."""
    mentees = problem.mentee_by_id()
    mentors = problem.mentor_by_id()
    asked = met = poi_intros = 0
    for mentee_id, mentor_ids in mentors_of.items():
        mentee = mentees[mentee_id]
        if mentee.profession_of_interest is None:
            continue
        asked += 1
        hits = sum(meets_profession_of_interest(mentee, mentors[j]) for j in mentor_ids)
        poi_intros += hits
        met += hits > 0
    return asked, met, poi_intros


def _department_rows(
    problem: MatchProblem,
    result: MatchResult,
    mentors_of: Mapping[int, Sequence[int]],
    mentees_of: Mapping[int, Sequence[int]],
) -> tuple[DepartmentRow, ...]:
    """Per department: people, people matched, and introductions on each side."""
    mentees = problem.mentee_by_id()
    mentors = problem.mentor_by_id()
    depts = sorted(
        {m.department for m in problem.mentees} | {m.department for m in problem.mentors}
    )
    e_dept = Counter(m.department for m in problem.mentees)
    m_dept = Counter(m.department for m in problem.mentors)
    e_dept_matched = Counter(mentees[i].department for i in mentors_of)
    m_dept_matched = Counter(mentors[j].department for j in mentees_of)
    intro_e = Counter(mentees[i.mentee_id].department for i in result.introductions)
    intro_m = Counter(mentors[i.mentor_id].department for i in result.introductions)
    return tuple(
        DepartmentRow(
            d, e_dept[d], e_dept_matched[d], m_dept[d], m_dept_matched[d], intro_e[d], intro_m[d]
        )
        for d in depts
    )


def _summary(report: MatchReport) -> list[tuple[str, str]]:
    o = report.objective
    return [
        ("mentees", str(report.mentees)),
        ("mentors", str(report.mentors)),
        ("mentees with at least one mentor", str(o.mentees_matched)),
        ("mentors with at least one mentee", str(o.mentors_matched)),
        ("introductions", str(o.introductions)),
        ("introductions committed earlier", str(report.introductions_existing)),
        ("introductions pinned by coordinators", str(report.introductions_pinned)),
        ("introductions proposed now", str(report.introductions_new)),
        ("preference score", str(o.score)),
        (
            "matched mentees who named a profession of interest",
            str(report.profession_of_interest_asked),
        ),
        ("... of whom met by at least one mentor", str(report.profession_of_interest_met)),
        (
            "introductions meeting a profession of interest",
            str(report.profession_of_interest_introductions),
        ),
        ("solution", "exact optimum" if report.exact else "large-round shortcut (pruned)"),
        ("seconds", f"{report.seconds:.2f}"),
    ]


def render_csv(report: MatchReport, *, labels: Mapping[tuple[str, int], str] | None = None) -> str:
    """One table with a ``section`` column, easy to filter in a spreadsheet.

    ``labels`` maps ``("mentee"|"mentor", id)`` to a display name for the unmatched rows.
    """
    buf = io.StringIO()
    w = SafeWriter(buf)  # every cell escaped against spreadsheet formulas
    w.writerow(["section", "item", "value", "detail"])
    for key, value in _summary(report):
        w.writerow(["summary", key, value, ""])
    for k, n in report.mentee_counts:
        w.writerow(["mentees by number of mentors", str(k), str(n), ""])
    for k, n in report.mentor_counts:
        w.writerow(["mentors by number of mentees", str(k), str(n), ""])
    for gap, n in report.grade_gaps:
        w.writerow(["introductions by grade gap", str(gap), str(n), ""])
    for row in report.departments:
        w.writerow(
            [
                "department",
                row.department,
                f"{row.mentees_matched}/{row.mentees} mentees matched;"
                f" {row.mentors_matched}/{row.mentors} mentors matched",
                f"{row.introductions_as_mentee} introductions as mentee department;"
                f" {row.introductions_as_mentor} as mentor department",
            ]
        )
    for u in report.unmatched:
        name = (labels or {}).get((u.role, u.id), "")
        w.writerow([f"unmatched {u.role}", str(u.id), name, u.reason])
    for p in report.pin_problems:
        w.writerow(
            ["pin not honoured", f"mentor {p.mentor_id} / mentee {p.mentee_id}", "", p.reason]
        )
    for note in report.pin_notes:
        w.writerow(
            ["pin note", f"mentor {note.mentor_id} / mentee {note.mentee_id}", "", note.note]
        )
    return buf.getvalue()


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:2rem;color:#1b1b1b;
max-width:60rem}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.25rem .6rem;text-align:left;
border-bottom:1px solid #eee;vertical-align:top}th{background:#f3f2f1}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#00703c}.warn{color:#b45309}
svg text{font-size:12px;fill:#1b1b1b}
.wide{overflow-x:auto}#intros{font-size:.9rem}#intros th[aria-sort]{cursor:pointer}
#intros-filter{margin:.5rem 0;padding:.3rem;width:20rem}
"""

# Progressive enhancement: with scripts off the table is a plain table. The script adds a
# filter box (matches any cell) and sorts by a column when its header is clicked.
_SCRIPT = """
(function(){var t=document.getElementById('intros');if(!t)return;
var body=t.tBodies[0],heads=t.tHead.rows[0].cells,box=document.createElement('input');
box.type='search';box.id='intros-filter';box.placeholder='Search introductions';
box.setAttribute('aria-label','Search introductions');t.parentNode.insertBefore(box,t);
box.addEventListener('input',function(){var q=box.value.toLowerCase();
for(var r of body.rows){r.hidden=q&&r.textContent.toLowerCase().indexOf(q)<0;}});
Array.prototype.forEach.call(heads,function(th,col){th.setAttribute('aria-sort','none');
th.tabIndex=0;function sort(){var up=th.getAttribute('aria-sort')!=='ascending';
for(var h of heads)h.setAttribute('aria-sort','none');
th.setAttribute('aria-sort',up?'ascending':'descending');
var rows=Array.prototype.slice.call(body.rows);rows.sort(function(a,b){
var x=a.cells[col].textContent,y=b.cells[col].textContent;
return (up?1:-1)*x.localeCompare(y,undefined,{numeric:true});});
rows.forEach(function(r){body.appendChild(r);});}
th.addEventListener('click',sort);
th.addEventListener('keydown',function(e){if(e.key==='Enter')sort();});});})();
"""

_ORIGIN_WORDS = {
    Origin.PINNED: "pinned",
    Origin.MATCHED: "proposed",
    Origin.EXISTING: "committed earlier",
}


def _bars(data: Sequence[tuple[str, int]], colour: str = "#1d70b8") -> str:
    """A horizontal bar chart as inline SVG."""
    if not data:
        return "<p>None.</p>"
    top = max(n for _, n in data) or 1
    label_w, bar_w, row_h = 150, 360, 22
    height = row_h * len(data) + 4
    parts = [
        f'<svg role="img" width="{label_w + bar_w + 70}" height="{height}"'
        f' viewBox="0 0 {label_w + bar_w + 70} {height}" xmlns="http://www.w3.org/2000/svg">'
    ]
    for k, (label, n) in enumerate(data):
        y = k * row_h + 2
        width = round(bar_w * n / top)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 6}"'
            f' fill="{colour}"><title>{escape(label)}: {n}</title></rect>'
            f'<text x="{label_w + width + 6}" y="{y + 15}">{n}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(
    report: MatchReport,
    *,
    title: str = "Match report",
    labels: Mapping[tuple[str, int], str] | None = None,
) -> str:
    labels = labels or {}
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        *_headline_html(report),
        *_charts_html(report),
        *_departments_html(report),
        *_introductions_table(report, labels),
        *_unmatched_html(report, labels),
        *_pins_html(report),
        f"<script>{_SCRIPT}</script></body></html>",
    ]
    return "\n".join(out)


def _headline_html(report: MatchReport) -> list[str]:
    """Who got at least one introduction, then the summary table."""
    o = report.objective
    cls = "ok" if report.mentees - o.mentees_matched == 0 else "warn"
    out = [
        f'<p class="{cls}"><strong>{o.mentees_matched} of {report.mentees}</strong> mentees'
        f" and <strong>{o.mentors_matched} of {report.mentors}</strong> mentors have at"
        f" least one introduction; {o.introductions} introductions in all.</p>",
        "<h2>Summary</h2><table>",
    ]
    for key, value in _summary(report):
        out.append(f'<tr><th scope="row">{escape(key)}</th><td class="n">{escape(value)}</td></tr>')
    out.append("</table>")
    return out


def _charts_html(report: MatchReport) -> list[str]:
    """How many introductions each person got, the grade gaps, professions of interest."""
    asked, met = report.profession_of_interest_asked, report.profession_of_interest_met
    share = f" ({100 * met / asked:.0f}%)" if asked else ""
    return [
        "<h2>Mentees by number of mentors</h2>",
        _bars([(f"{k} mentor{'s' if k != 1 else ''}", n) for k, n in report.mentee_counts]),
        "<h2>Mentors by number of mentees</h2>",
        _bars(
            [(f"{k} mentee{'s' if k != 1 else ''}", n) for k, n in report.mentor_counts], "#4c2c92"
        ),
        "<h2>Grade gap of introductions</h2>",
        _bars(
            [(f"{g} grade{'s' if abs(g) != 1 else ''} above", n) for g, n in report.grade_gaps],
            "#00703c",
        ),
        "<h2>Profession of interest</h2>",
        f"<p>{met} of {asked} matched mentees who named a profession of interest have at least"
        f" one mentor from it{share}; {report.profession_of_interest_introductions}"
        " introductions meet one.</p>",
    ]


def _departments_html(report: MatchReport) -> list[str]:
    out = [
        "<h2>Departments</h2><table><tr><th>Department</th><th>Mentees matched</th>"
        "<th>Mentors matched</th><th>Introductions (mentee side)</th>"
        "<th>Introductions (mentor side)</th></tr>"
    ]
    for row in report.departments:
        out.append(
            f"<tr><td>{escape(row.department)}</td>"
            f'<td class="n">{row.mentees_matched}/{row.mentees}</td>'
            f'<td class="n">{row.mentors_matched}/{row.mentors}</td>'
            f'<td class="n">{row.introductions_as_mentee}</td>'
            f'<td class="n">{row.introductions_as_mentor}</td></tr>'
        )
    out.append("</table>")
    dept_data = [(r.department, r.introductions_as_mentee) for r in report.departments]
    out.append("<h3>Introductions by mentee department</h3>")
    out.append(_bars(dept_data, "#28a197"))
    return out


def _unmatched_html(report: MatchReport, labels: Mapping[tuple[str, int], str]) -> list[str]:
    out = [f"<h2>Not matched ({len(report.unmatched)})</h2>"]
    if not report.unmatched:
        return [*out, "<p>Everyone has at least one introduction.</p>"]
    out.append("<table><tr><th>Role</th><th>Id</th><th>Name</th><th>Reason</th></tr>")
    for u in report.unmatched:
        out.append(
            f'<tr><td>{u.role}</td><td class="n">{u.id}</td>'
            f"<td>{escape(labels.get((u.role, u.id), ''))}</td>"
            f"<td>{escape(u.reason)}</td></tr>"
        )
    out.append("</table>")
    return out


def _pins_html(report: MatchReport) -> list[str]:
    if not (report.pin_problems or report.pin_notes):
        return []
    out = ["<h2>Coordinator pins</h2><ul>"]
    for p in report.pin_problems:
        out.append(
            f"<li>Not honoured: mentor {p.mentor_id} with mentee {p.mentee_id}:"
            f" {escape(p.reason)}</li>"
        )
    for n in report.pin_notes:
        out.append(f"<li>Mentor {n.mentor_id} with mentee {n.mentee_id}: {escape(n.note)}</li>")
    out.append("</ul>")
    return out


def _introductions_table(report: MatchReport, labels: Mapping[tuple[str, int], str]) -> list[str]:
    """Every introduction with who, grades, departments, professions and the reason."""
    out = [f"<h2>Introductions ({len(report.introductions)})</h2>"]
    if not report.introductions:
        out.append("<p>No introductions are proposed.</p>")
        return out
    heads = [
        "Mentee", "Mentee grade", "Mentee department", "Mentee profession",
        "Mentor", "Mentor grade", "Mentor department", "Mentor profession",
        "Reason", "Pinned",
    ]  # fmt: skip
    out.append('<div class="wide"><table id="intros"><thead><tr>')
    out.append("".join(f'<th scope="col">{h}</th>' for h in heads))
    out.append("</tr></thead><tbody>")
    for row in report.introductions:
        pinned = "yes" if row.pinned else "no"
        if row.origin is Origin.EXISTING:
            pinned = _ORIGIN_WORDS[row.origin]
        cells = [
            labels.get(("mentee", row.mentee_id), str(row.mentee_id)),
            row.mentee_grade,
            row.mentee_department,
            row.mentee_profession,
            labels.get(("mentor", row.mentor_id), str(row.mentor_id)),
            row.mentor_grade,
            row.mentor_department,
            row.mentor_profession,
            row.reason,
            pinned,
        ]
        out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    out.append("</tbody></table></div>")
    return out


def proposed(report: MatchReport) -> tuple[IntroductionRow, ...]:
    """The introductions a commit would store (late mode leaves earlier ones out)."""
    return tuple(r for r in report.introductions if r.origin is not Origin.EXISTING)


def render_review_csv(report: MatchReport, contacts: Mapping[int, tuple[str, str]]) -> str:
    """One row per proposed introduction, for a coordinator's review in a spreadsheet.

    ``contacts`` maps a person's id to (email, name).
    """
    buf = io.StringIO()
    w = SafeWriter(buf)  # every cell escaped against spreadsheet formulas
    w.writerow(["mentee_email", "mentee_name", "mentor_email", "mentor_name", "reason", "pinned"])
    for row in proposed(report):
        e_email, e_name = contacts.get(row.mentee_id, ("", ""))
        m_email, m_name = contacts.get(row.mentor_id, ("", ""))
        w.writerow([e_email, e_name, m_email, m_name, row.reason, "yes" if row.pinned else "no"])
    return buf.getvalue()


def _toml_string(text: str) -> str:
    # A TOML basic string; JSON's escapes are valid TOML escapes.
    return json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    # A comment runs to the end of the line: no control character may end it early.
    return "".join(c if c.isprintable() else " " for c in text)


def render_overrides(
    report: MatchReport, contacts: Mapping[int, tuple[str, str]], *, round_name: str
) -> str:
    """A pins.toml pinning every proposed pair, for `--overrides` to read back."""
    lines = [
        f"# Overrides for round {_comment(round_name)}: every proposed introduction, pinned.",
        "# Delete a line to let the matcher choose again, or move it into forbid to keep",
        "# that pair apart; then run `mentoring round match "
        f"{_comment(round_name)} --overrides THIS-FILE`.",
        "# Each pair is [mentor address, mentee address].",
        "pin = [",
    ]
    for row in proposed(report):
        m_email, m_name = contacts.get(row.mentor_id, ("", ""))
        e_email, e_name = contacts.get(row.mentee_id, ("", ""))
        lines.append(
            f"  [{_toml_string(m_email)}, {_toml_string(e_email)}],"
            f"  # {_comment(m_name)} mentors {_comment(e_name)}"
        )
    lines += ["]", "forbid = [", "]", ""]
    return "\n".join(lines)


def render_introductions_csv(
    problem: MatchProblem,
    result: MatchResult,
    *,
    labels: Mapping[tuple[str, int], str] | None = None,
) -> str:
    """Every introduction, one a row, with the sentence the mentee's email would carry.

    ``labels`` maps ``("mentee"|"mentor", id)`` to a display name (the mentor's label is
    used as the name in the sentence; "Your mentor" when there is none).
    """
    from service.matching.explain import explain_introduction

    labels = labels or {}
    mentees = problem.mentee_by_id()
    mentors = problem.mentor_by_id()
    buf = io.StringIO()
    w = SafeWriter(buf)  # every cell escaped against spreadsheet formulas
    w.writerow(
        [
            "mentee_id",
            "mentee",
            "mentor_id",
            "mentor",
            "origin",
            "grade_gap",
            "profession_of_interest_met",
            "explanation",
        ]
    )
    for intro in result.introductions:
        e, m = mentees[intro.mentee_id], mentors[intro.mentor_id]
        name = labels.get(("mentor", m.id), "Your mentor")
        w.writerow(
            [
                e.id,
                labels.get(("mentee", e.id), ""),
                m.id,
                labels.get(("mentor", m.id), ""),
                intro.origin.value,
                m.grade_rank - e.grade_rank,
                "yes" if meets_profession_of_interest(e, m) else "no",
                explain_introduction(e, m, name=name),
            ]
        )
    return buf.getvalue()
