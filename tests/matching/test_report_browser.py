"""The match report's introductions table in a real headless Chromium: search and sort work.

A check script appended to the page clicks a column header and types into the search box,
then writes what the page shows into the DOM, which `--dump-dom` returns. Skips only when
Chromium cannot start (as the health report's browser test does).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from service.config import load_config
from service.matching import MatchProblem, Mentee, Mentor, match
from service.matching.report import build_report, render_html
from tests.health.test_browser import CHROMIUM, _chromium

_CHECK = """<script>
(function(){var t=document.getElementById('intros'),out={};
function names(){return Array.prototype.filter.call(t.tBodies[0].rows,function(r){
return !r.hidden;}).map(function(r){return r.cells[0].textContent;});}
out.start=names();var head=t.tHead.rows[0].cells[0];head.click();out.up=names();
head.click();out.down=names();out.sort=head.getAttribute('aria-sort');
var box=document.getElementById('intros-filter');box.value='zed';
box.dispatchEvent(new Event('input'));out.search=names();
document.body.setAttribute('data-check',JSON.stringify(out));})();
</script></body>"""


def test_introductions_table_searches_and_sorts(tmp_path: Path) -> None:
    try:
        probe = _chromium("--dump-dom", "about:blank", timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"Chromium could not be started ({CHROMIUM}): {exc}")
    if probe.returncode != 0 or "<html" not in probe.stdout:
        pytest.skip(f"Chromium could not be started ({CHROMIUM}): exit {probe.returncode}")
    mentees = [Mentee(1, 1, "HMRC"), Mentee(2, 1, "DWP"), Mentee(3, 1, "MoJ")]
    mentors = [Mentor(9, 2, "Cabinet Office", capacity=3)]
    problem = MatchProblem.build(mentees, mentors)
    report = build_report(
        problem, match(problem), grade_names=[g.code for g in load_config().grades]
    )
    labels = {("mentee", 1): "Mia", ("mentee", 2): "Zed", ("mentee", 3): "Abe"}
    labels[("mentor", 9)] = "Max"
    page = tmp_path / "match.html"
    page.write_text(render_html(report, labels=labels).replace("</body>", _CHECK))
    done = _chromium("--dump-dom", page.as_uri())
    found = re.search(r"data-check=\"([^\"]*)\"", done.stdout)
    assert found, done.stdout[-2000:]
    result = json.loads(found.group(1).replace("&quot;", '"'))
    assert result["start"] == ["Mia", "Zed", "Abe"]  # mentee id order, as written
    assert result["up"] == ["Abe", "Mia", "Zed"]
    assert result["down"] == ["Zed", "Mia", "Abe"]
    assert result["sort"] == "descending"
    assert result["search"] == ["Zed"]
