"""The health figures as plain functions over hand-made facts (no database, no browser)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from service.config import ProgrammeConfig
from service.domain.model import (
    Approach,
    Feedback,
    Introduction,
    IntroductionStatus,
    Meeting,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.domain.rules import cpd_points, distinct_meetings
from service.health.figures import (
    Count,
    Facts,
    Health,
    funnel,
    headline,
    pairing_health,
    who_may_be_stuck,
    years_side_by_side,
)
from service.health.page import report_csvs, report_html
from service.health.quality import quality_text, quotable_comments, score_spread

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)
NOW = datetime(2026, 9, 1, 9, tzinfo=UTC)


def _meeting(pairing: int, by: int, day: int, minutes: int) -> Meeting:
    return Meeting(pairing, by, date(2026, 5, day), minutes, T0)


def test_a_meeting_logged_by_both_partners_counts_once() -> None:
    # The example: 10 loggings, 9.8 CPD points; really 8 meetings and 7.8 points.
    logged = [_meeting(1, 10, d, 60) for d in range(1, 8)] + [_meeting(1, 10, 8, 48)]
    logged += [_meeting(1, 20, 1, 60), _meeting(1, 20, 2, 60)]  # the mentee logged two too
    assert cpd_points(sum(m.minutes for m in logged)) == 9.8
    held = distinct_meetings(logged)
    assert len(held) == 8
    assert cpd_points(sum(m.minutes for m in held)) == 7.8


def test_two_meetings_on_one_day_by_the_same_person_stay_two() -> None:
    held = distinct_meetings(
        [_meeting(1, 10, 3, 30), _meeting(1, 10, 3, 45), _meeting(1, 20, 3, 45)]
    )
    assert sorted(m.minutes for m in held) == [30, 45]
    # Another pairing's meeting on the same day is a different meeting.
    assert len(distinct_meetings([_meeting(1, 10, 3, 30), _meeting(2, 30, 3, 30)])) == 2


def test_sponsor_cells_below_five_people_are_suppressed() -> None:
    assert Count(3, 3).text(for_sponsors=True) == "<5"
    assert Count(3, 3).text(for_sponsors=False) == "3"
    assert Count(7.5, 4).text(for_sponsors=True) == "<5"  # hours behind four people
    assert Count(2, 10).text(for_sponsors=True) == "2"  # a small number behind many people
    assert Count(0, 0).text(for_sponsors=True) == "0"


def _world(config: ProgrammeConfig) -> Facts:
    round_ = Round("2026", T0, T0 + timedelta(days=28), T0, id=1)
    people = {
        i: Person(f"p{i}@dept.gov.uk", f"Name{i}", f"Family{i}", T0, id=i) for i in range(1, 9)
    }

    def reg(pid: int, roles: str, status: RegistrationStatus) -> Registration:
        return Registration(
            1,
            pid,
            roles,
            "HEO",
            "HM Treasury",
            "Policy",
            T0,
            status=status,
            characteristics="Asexual",
            wants_shared_characteristic=True,
            confirmed_at=T0 if status is RegistrationStatus.CONFIRMED else None,
        )

    regs = [
        reg(1, "mentor", RegistrationStatus.CONFIRMED),
        reg(2, "mentor", RegistrationStatus.CONFIRMED),
    ]
    regs += [reg(i, "mentee", RegistrationStatus.CONFIRMED) for i in (3, 4, 5, 6)]
    regs += [reg(7, "mentee", RegistrationStatus.PENDING_CONFIRMATION)]
    regs += [reg(8, "mentee", RegistrationStatus.CONFIRMED)]
    sent = T0 + timedelta(days=30)
    intros = [
        Introduction(
            1, 1, 3, 1, sent, status=IntroductionStatus.MET, sent_at=sent, contacted_at=sent
        ),
        Introduction(
            1, 1, 4, 1, sent, status=IntroductionStatus.MET, sent_at=sent, contacted_at=sent
        ),
        Introduction(
            1, 2, 5, 1, sent, status=IntroductionStatus.MET, sent_at=sent, contacted_at=sent
        ),
        Introduction(1, 2, 6, 1, sent, status=IntroductionStatus.SENT, sent_at=sent),
    ]
    approaches = [Approach(1, 3, 1, sent), Approach(1, 4, 1, sent), Approach(1, 5, 2, sent)]
    quiet = Pairing(1, 1, 3, sent, sent + timedelta(days=365), id=1)
    lively = Pairing(1, 1, 4, sent, sent + timedelta(days=365), id=2, mentee_last_seen_at=NOW)
    approaches[0].status = approaches[1].status = approaches[0].status.ACCEPTED
    met = [Meeting(2, 1, date(2026, 5, 1), 60, sent), Meeting(2, 4, date(2026, 5, 1), 60, sent)]
    return Facts(NOW, round_, regs, intros, approaches, [quiet, lively], met, people)


def test_funnel_health_and_who_may_be_stuck(config: ProgrammeConfig) -> None:
    f = _world(config)
    rows = dict(funnel(f).rows)
    assert rows["Registered (mentees)"][0] == Count(6, 6)
    assert rows["Confirmed their address"][0] == Count(5, 5)
    assert rows["Confirmed their address"][2].text(False) == "1 never confirmed"  # type: ignore[union-attr]
    assert rows["Matched with speed mentors"][0] == Count(4, 4)
    assert "1 had no suitable mentor" in rows["Matched with speed mentors"][2].text(False)  # type: ignore[union-attr]
    assert rows["Met a speed mentor"][0] == Count(3, 3)
    assert rows["Paired long term"][0] == Count(2, 2)
    assert rows["Paired long term"][2].text(True) == "<5 request pending"  # type: ignore[union-attr]
    quiet, lively = f.pairings
    assert pairing_health(quiet, NOW, config) is Health.QUIET
    assert pairing_health(lively, NOW, config) is Health.ACTIVE
    stuck = {(s.person_id, s.situation) for s in who_may_be_stuck(f, config)}

    def about(pid: int, words: str) -> bool:
        return any(p == pid and words in situation for p, situation in stuck)

    assert about(7, "not confirmed their address after the reminder")
    assert about(6, "not contacted any speed mentor")
    assert about(2, "long-term request waiting")
    assert about(3, "quiet")
    assert not about(4, "quiet") and not about(8, "")
    head = headline(f, config)
    assert head.meetings == Count(1, 2) and head.cpd_hours == Count(1.0, 2)
    assert head.in_pairing.value == 3  # one mentor, two mentees


def test_no_characteristic_and_no_name_for_sponsors(config: ProgrammeConfig) -> None:
    f = _world(config)
    html = report_html([f], config, for_sponsors=True)
    csvs = "".join(report_csvs(f, config, for_sponsors=True).values())
    for text in (html, csvs):
        assert "Asexual" not in text
        assert "@dept.gov.uk" not in text and "Family" not in text
    assert "&lt;5" in html
    coordinators = report_html([f], config) + "".join(report_csvs(f, config).values())
    assert "Asexual" not in coordinators
    assert "p7@dept.gov.uk" in coordinators  # the stuck list names people for coordinators


def test_csv_cells_cannot_run_as_formulas(config: ProgrammeConfig) -> None:
    f = _world(config)
    f.people[3].first_name = '=HYPERLINK("http://evil.example","x")'
    text = report_csvs(f, config)["pairings.csv"]
    assert "'=HYPERLINK" in text
    assert not any(line.startswith("=") or ",=" in line for line in text.splitlines())


def test_rounds_side_by_side(config: ProgrammeConfig) -> None:
    f = _world(config)
    rows = dict(years_side_by_side([f, f]).rows)
    assert rows["2026"][0] == Count(7, 7) and rows["2026"][1] == Count(80, 5)
    html = report_html([f, f], config)
    assert "Rounds side by side" in html


def _with_feedback(f: Facts, answers: list[tuple[int, int, int | None, str]]) -> Facts:
    """`f` with answers (pairing, person, score, comment), one a week from May."""
    at = datetime(2026, 5, 4, 9, tzinfo=UTC)
    given = [
        Feedback(pairing, person, f"check-in {i}", score, comment, at, at + timedelta(weeks=i))
        for i, (pairing, person, score, comment) in enumerate(answers, start=1)
    ]
    return replace(f, feedback=given)


def test_the_quality_score_for_coordinators_and_sponsors(config: ProgrammeConfig) -> None:
    f = _with_feedback(
        _world(config),
        [
            (1, 3, 2, "Name1 Family1 (p1@dept.gov.uk) keeps cancelling"),
            (2, 4, 5, '=HYPERLINK("http://evil.example","x")'),
            (2, 1, 4, ""),
            (1, 1, None, "Going fine, NAME3 is keen"),
        ],
    )
    assert quality_text(f, for_sponsors=False) == (
        "Mentoring quality score: 3.7 out of 5 (median 4 out of 5), from 3 answers by 3 people."
    )
    assert quality_text(f, for_sponsors=True).startswith("Fewer than 5 people have given a score")
    assert quality_text(_world(config), for_sponsors=False) == "No feedback has been collected yet."
    assert dict(score_spread(f).rows)["5 (very useful)"][0].text(True) == "<5"  # type: ignore[union-attr]
    quotes = [q.text for q in quotable_comments(f)]
    assert "[name] ([email address]) keeps cancelling" in quotes
    assert "Going fine, [name] is keen" in quotes
    html = report_html([f], config)
    assert "[name] ([email address]) keeps cancelling" in html and "Family1 (p1" not in html
    sponsors = report_html([f], config, for_sponsors=True)
    assert "keeps cancelling" not in sponsors and "3.7 out of 5" not in sponsors
    csv = report_csvs(f, config)["feedback.csv"]
    assert "'=HYPERLINK" in csv and "keeps cancelling" in csv and "p1@dept" not in csv
    assert not any(line.startswith("=") or ",=" in line for line in csv.splitlines())
    years = dict(years_side_by_side([_world(config), f]).rows)
    assert years["2026"][-1] == Count(4.0, 3)
    assert "Mentoring quality score per pairing" in html
    assert "Mentoring quality score per pairing" not in sponsors
    stuck = [s.situation for s in who_may_be_stuck(f, config) if s.person_id == 3]
    assert "scored their mentoring 2 out of 5 (check-in 1)" in stuck
    assert not any("scored" in s.situation for s in who_may_be_stuck(f, config) if s.person_id != 3)
