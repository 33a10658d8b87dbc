"""Reasons in words: never a characteristic, and a binding reason for everyone unmatched."""

from __future__ import annotations

import random

import pytest

from service.matching import MatchProblem, Mentee, Mentor, match
from service.matching.explain import explain_introduction, gap_range_words, unmatched_reasons
from service.matching.model import MatchRules
from tests.matching.brute import random_problem

GRADES = ["AA", "AO", "EO", "HEO", "SEO", "G7", "G6"]
SENSITIVE = ("characteristic", "identity", "lgbt", "share", "gay", "trans", "queer", "bi")


def _mentee(**kw: object) -> Mentee:
    base: dict[str, object] = {"id": 1, "grade_rank": 1, "department": "HM Revenue and Customs"}
    base.update(kw)
    return Mentee(**base)  # type: ignore[arg-type]


def test_introduction_sentence_examples() -> None:
    mentee = _mentee(profession_of_interest="Policy")
    mentor = Mentor(9, 3, "Home Office", profession="Policy")
    assert (
        explain_introduction(mentee, mentor, name="Alex")
        == "Alex is two grades above you and works in your profession of interest."
    )
    assert (
        explain_introduction(mentee, mentor, name="Sam", audience="mentor")
        == "Sam is two grades below you and would like a mentor from your profession."
    )
    other = Mentor(9, 2, "Home Office", profession="Tax")
    assert explain_introduction(mentee, other, name="Alex") == (
        "Alex is one grade above you and works in Tax."
    )


def test_shared_characteristic_changes_nothing_that_is_said() -> None:
    shared = _mentee(characteristics=frozenset({"Gay"}), wants_characteristic=True)
    plain = _mentee()
    mentor = Mentor(9, 2, "Home Office", profession="Tax", characteristics=frozenset({"Gay"}))
    for audience in ("mentee", "mentor"):
        a = explain_introduction(shared, mentor, name="Alex", audience=audience)
        b = explain_introduction(plain, mentor, name="Alex", audience=audience)
        assert a == b


@pytest.mark.parametrize("seed", range(5))
def test_every_unmatched_person_has_a_reason_without_sensitive_words(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(80):
        problem = random_problem(rng, late=rng.random() < 0.3, pins=rng.random() < 0.3)
        result = match(problem)
        reasons = unmatched_reasons(problem, result, grade_names=GRADES + ["SCS1"] * 3)
        matched_e = set(result.mentors_of())
        matched_m = set(result.mentees_of())
        assert {u.id for u in reasons if u.role == "mentee"} == {
            e.id for e in problem.mentees if e.id not in matched_e
        }
        assert {u.id for u in reasons if u.role == "mentor"} == {
            m.id for m in problem.mentors if m.id not in matched_m
        }
        for u in reasons:
            assert u.code != "not_considered"  # exact results never blame pruning
            words = u.reason.lower()
            assert not any(s in words.split() for s in SENSITIVE), u
            assert "characteristic" not in words
        for intro in result.introductions:
            e = problem.mentee_by_id()[intro.mentee_id]
            m = problem.mentor_by_id()[intro.mentor_id]
            text = explain_introduction(e, m, name="Alex").lower()
            assert "characteristic" not in text and "x" not in text.replace("alex", "")


def test_reason_no_mentor_outside_department() -> None:
    mentee = _mentee(grade_rank=1)
    mentor = Mentor(9, 2, "HM Revenue and Customs")
    problem = MatchProblem.build([mentee], [mentor])
    reason, _ = unmatched_reasons(problem, match(problem), grade_names=GRADES)
    assert reason.reason == (
        "no mentor one or two grades above (EO or HEO) outside HM Revenue and Customs"
    )
    mentor_reasons = unmatched_reasons(problem, match(problem))
    assert any(
        "no mentee one or two grades below outside HM Revenue and Customs" in u.reason
        for u in mentor_reasons
    )


def test_reason_no_mentor_at_grade() -> None:
    problem = MatchProblem.build([_mentee(grade_rank=0)], [Mentor(9, 4, "Home Office")])
    reasons = {u.role: u for u in unmatched_reasons(problem, match(problem), grade_names=GRADES)}
    assert reasons["mentee"].reason == "no mentor registered one or two grades above (AO or EO)"
    assert reasons["mentor"].reason == "no mentee registered one or two grades below (EO or HEO)"


def test_reason_everyone_eligible_was_full() -> None:
    mentees = [_mentee(id=i, department="Home Office", max_mentors=1) for i in range(1, 5)]
    mentors = [Mentor(9, 2, "Cabinet Office", capacity=3)]
    problem = MatchProblem.build(mentees, mentors)
    reasons = unmatched_reasons(problem, match(problem))
    assert len(reasons) == 1
    assert reasons[0].reason == (
        "the one eligible mentor was already at capacity (3 mentees), and moving one would"
        " leave another mentee without a mentor"
    )


def test_reason_excluded_and_committed() -> None:
    mentee = _mentee()
    mentor = Mentor(9, 2, "Cabinet Office", capacity=1)
    problem = MatchProblem.build([mentee], [mentor], forbidden={(9, 1)})
    (e_reason, m_reason) = unmatched_reasons(problem, match(problem))
    assert "earlier round or excluded by a coordinator" in e_reason.reason
    assert "earlier round or excluded by a coordinator" in m_reason.reason

    late = _mentee(id=2)
    problem = MatchProblem.build([mentee, late], [mentor], existing={(9, 1)})
    (reason,) = unmatched_reasons(problem, match(problem))
    assert reason.id == 2
    assert reason.reason.endswith("with introductions committed earlier")


def test_gap_words() -> None:
    assert gap_range_words(MatchRules()) == "one or two grades"
    assert gap_range_words(MatchRules(grade_gap_min=1, grade_gap_max=1)) == "one grade"
    assert gap_range_words(MatchRules(grade_gap_min=1, grade_gap_max=3)) == "one to three grades"


def test_coordinator_reason_is_words_from_grades_departments_professions() -> None:
    from service.matching.explain import explain_for_coordinator

    e = Mentee(1, 1, "HMRC", profession_of_interest="Policy", characteristics=frozenset({"X"}))
    m = Mentor(2, 2, "DWP", profession="Policy", characteristics=frozenset({"X"}))
    assert explain_for_coordinator(e, m) == (
        "mentor one grade above; from the mentee's profession of interest; another department"
    )
    plain = explain_for_coordinator(Mentee(1, 1, "HMRC"), Mentor(2, 3, "HMRC"))
    assert plain == "mentor two grades above; same department"
