"""Every domain transition and invariant, on plain objects: no database, no clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from service.domain import rules
from service.domain.model import (
    MAX_MEETING_NOTE,
    Approach,
    ApproachStatus,
    EndReason,
    Introduction,
    IntroductionStatus,
    PairingStatus,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    Round,
)
from service.errors import DomainError

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def person(pid: int, first: str = "Sam", last: str = "Jones") -> Person:
    return Person(
        id=pid, email=f"p{pid}@dept.gov.uk", first_name=first, last_name=last, created_at=NOW
    )


def registration(
    pid: int, roles: str = "mentee", grade: str = "EO", capacity: int = 1
) -> Registration:
    return Registration(
        id=pid,
        round_id=1,
        person_id=pid,
        roles=roles,
        grade=grade,
        department="Home Office",
        profession="Policy",
        created_at=NOW,
        long_term_capacity=capacity,
    )


def intro(mentor: int, mentee: int, status=IntroductionStatus.SENT) -> Introduction:
    return Introduction(
        round_id=1, mentor_id=mentor, mentee_id=mentee, number=1, created_at=NOW, status=status
    )


def approach_args(config, **over):
    args = {
        "round_id": 1,
        "mentee": person(1, "Alex", "Lee"),
        "mentor": person(2),
        "introductions": [intro(2, 1)],
        "pending": None,
        "pending_mentor": None,
        "active_pairing": None,
        "earlier_approaches": [],
        "now": NOW,
        "config": config,
    }
    args.update(over)
    return args


# --- registration -------------------------------------------------------------------


def round_(opens=NOW - timedelta(days=1), closes=NOW + timedelta(days=30)) -> Round:
    return Round(id=1, name="2026", opens_at=opens, closes_at=closes, created_at=NOW)


def test_registration_inside_window():
    r = round_()
    assert rules.ensure_registration_open(r, NOW, "Europe/London") is r


@pytest.mark.parametrize(
    ("r", "message"),
    [
        (None, "no round is open"),
        (round_(opens=NOW + timedelta(days=2)), "Registrations for 2026 open on 5 March 2026"),
        (round_(closes=NOW - timedelta(hours=1)), "Registrations for 2026 closed on 3 March 2026"),
    ],
)
def test_registration_outside_window_is_refused(r, message):
    with pytest.raises(DomainError, match=message):
        rules.ensure_registration_open(r, NOW, "Europe/London")


def test_aa_cannot_mentor(config):
    v = config.vocabulary
    with pytest.raises(DomainError, match="Administrative Officer \\(AO\\) or more senior"):
        rules.ensure_roles_allowed([Role.MENTOR, Role.MENTEE], "AA", v)
    rules.ensure_roles_allowed([Role.MENTEE], "AA", v)
    rules.ensure_roles_allowed([Role.MENTOR], "AO", v)


def test_confirm_then_confirm_again_then_withdraw():
    reg = registration(1)
    assert rules.confirm_registration(reg, NOW) is True
    assert reg.status is RegistrationStatus.CONFIRMED and reg.confirmed_at == NOW
    assert rules.confirm_registration(reg, NOW) is False
    assert rules.matchable(reg)
    assert rules.withdraw_registration(reg, NOW) is True
    assert rules.withdraw_registration(reg, NOW) is False
    assert not rules.matchable(reg)
    with pytest.raises(DomainError, match="You withdrew from this round"):
        rules.confirm_registration(reg, NOW)


def test_unconfirmed_registrations_are_not_matched():
    assert not rules.matchable(registration(1))


def test_grade_gap_one_or_two_rungs(config):
    v = config.vocabulary
    assert rules.grade_gap_allowed("HEO", "EO", v, config)
    assert rules.grade_gap_allowed("SEO", "EO", v, config)
    assert not rules.grade_gap_allowed("G7", "EO", v, config)
    assert not rules.grade_gap_allowed("EO", "EO", v, config)
    assert not rules.grade_gap_allowed("AO", "EO", v, config)


# --- approaches ---------------------------------------------------------------------


def test_keep_opens_a_pending_approach(config):
    a = rules.open_approach(**approach_args(config))
    assert (a.mentee_id, a.mentor_id, a.status) == (1, 2, ApproachStatus.PENDING)


def test_only_own_speed_mentors(config):
    with pytest.raises(DomainError, match="Sam Jones was not one of your speed mentors"):
        rules.open_approach(**approach_args(config, introductions=[intro(3, 1)]))
    # Proposed but never sent does not count either.
    with pytest.raises(DomainError, match="not one of your speed mentors"):
        rules.open_approach(
            **approach_args(config, introductions=[intro(2, 1, IntroductionStatus.PROPOSED)])
        )


def test_one_pending_approach_per_mentee(config):
    pending = Approach(round_id=1, mentee_id=1, mentor_id=3, created_at=NOW - timedelta(days=2))
    with pytest.raises(DomainError) as excinfo:
        rules.open_approach(
            **approach_args(config, pending=pending, pending_mentor=person(3, "Kim", "Park"))
        )
    msg = str(excinfo.value)
    assert "You already asked Kim Park on 1 March 2026" in msg
    assert "after 13 March 2026" in msg  # 10 working days after Sunday 1 March
    assert "WITHDRAW REQUEST" in msg


def test_asking_the_same_mentor_twice_says_we_are_waiting(config):
    pending = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    with pytest.raises(DomainError, match="waiting for their answer"):
        rules.open_approach(**approach_args(config, pending=pending, pending_mentor=person(2)))


def test_no_approach_while_paired(config):
    pairing = rules.accept_approach(
        Approach(round_id=1, mentee_id=1, mentor_id=3, created_at=NOW),
        mentor_registration=registration(3, "mentor", "SEO"),
        mentor_active_pairings=0,
        mentee_active_pairing=None,
        now=NOW,
        config=config,
    )
    with pytest.raises(DomainError, match="already have a long-term mentor"):
        rules.open_approach(**approach_args(config, active_pairing=pairing))


def test_a_mentor_who_declined_cannot_be_asked_again(config):
    declined = Approach(
        round_id=1, mentee_id=1, mentor_id=2, created_at=NOW, status=ApproachStatus.DECLINED
    )
    with pytest.raises(DomainError, match="already said they cannot"):
        rules.open_approach(**approach_args(config, earlier_approaches=[declined]))


def test_accept_opens_pairing_for_programme_length(config):
    a = Approach(id=5, round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    p = rules.accept_approach(
        a,
        mentor_registration=registration(2, "mentor", "SEO"),
        mentor_active_pairings=0,
        mentee_active_pairing=None,
        now=NOW,
        config=config,
    )
    assert a.status is ApproachStatus.ACCEPTED and a.answered_at == NOW
    assert p.status is PairingStatus.ACTIVE
    assert p.ends_at - p.started_at == timedelta(days=365)


def test_accept_beyond_long_term_capacity_is_refused(config):
    a = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    with pytest.raises(
        DomainError, match="already mentor 1 long-term mentee, the number you offered"
    ):
        rules.accept_approach(
            a,
            mentor_registration=registration(2, "mentor", "SEO", capacity=1),
            mentor_active_pairings=1,
            mentee_active_pairing=None,
            now=NOW,
            config=config,
        )
    assert a.status is ApproachStatus.PENDING  # nothing changed halfway


def test_answered_approach_cannot_be_answered_again(config):
    a = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    rules.decline_approach(a, NOW)
    assert a.status is ApproachStatus.DECLINED
    for action in (rules.decline_approach, rules.withdraw_approach, rules.expire_approach):
        with pytest.raises(DomainError, match="no longer open: it was declined"):
            action(a, NOW)


def test_approach_expiry(config):
    a = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    # 10 working days: Tuesday 3 March to Tuesday 17 March, past two weekends.
    assert not rules.approach_expired(a, NOW + timedelta(days=13), config)
    assert rules.approach_expired(a, NOW + timedelta(days=14), config)
    rules.expire_approach(a, NOW)
    assert a.status is ApproachStatus.EXPIRED
    rules_a = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=NOW)
    rules.withdraw_approach(rules_a, NOW)
    assert rules_a.status is ApproachStatus.WITHDRAWN


# --- pairings -----------------------------------------------------------------------


def active_pairing(config, started=NOW):
    a = Approach(round_id=1, mentee_id=1, mentor_id=2, created_at=started)
    p = rules.accept_approach(
        a,
        mentor_registration=registration(2, "mentor", "SEO"),
        mentor_active_pairings=0,
        mentee_active_pairing=None,
        now=started,
        config=config,
    )
    p.id = 9
    return p


def test_unpair_by_mentor_early_lets_the_mentee_choose_again(config):
    p = active_pairing(config)
    reason = rules.unpair_reason(p, 2)
    assert reason is EndReason.UNPAIRED_BY_MENTOR
    rules.end_pairing(p, reason, NOW + timedelta(days=100))
    assert p.status is PairingStatus.ENDED
    assert rules.mentee_may_choose_again(p, config)


def test_unpair_late_or_by_mentee_does_not_offer_a_new_choice(config):
    late = active_pairing(config)
    rules.end_pairing(late, EndReason.UNPAIRED_BY_MENTOR, NOW + timedelta(days=200))
    assert not rules.mentee_may_choose_again(late, config)
    by_mentee = active_pairing(config)
    rules.end_pairing(by_mentee, rules.unpair_reason(by_mentee, 1), NOW + timedelta(days=10))
    assert by_mentee.end_reason is EndReason.UNPAIRED_BY_MENTEE
    assert not rules.mentee_may_choose_again(by_mentee, config)


def test_ended_pairing_refuses_changes(config):
    p = active_pairing(config)
    rules.end_pairing(p, EndReason.STALE, NOW)
    with pytest.raises(DomainError, match="already ended on 3 March 2026"):
        rules.end_pairing(p, EndReason.STALE, NOW)
    with pytest.raises(DomainError, match="already ended"):
        rules.log_meeting(
            p, by=1, minutes=30, met_on=date(2026, 3, 3), today=date(2026, 3, 3), now=NOW
        )


def test_outsider_cannot_unpair(config):
    with pytest.raises(DomainError, match="not part of this mentoring pairing"):
        rules.unpair_reason(active_pairing(config), 77)


def test_log_meeting_and_cpd(config):
    p = active_pairing(config)
    m = rules.log_meeting(
        p, by=1, minutes=45, met_on=date(2026, 3, 2), today=date(2026, 3, 3), now=NOW
    )
    assert (m.pairing_id, m.minutes, m.logged_by) == (9, 45, 1)
    assert rules.cpd_points(90) == 1.5
    with pytest.raises(DomainError, match="in the future"):
        rules.log_meeting(
            p, by=1, minutes=45, met_on=date(2026, 3, 9), today=date(2026, 3, 3), now=NOW
        )
    with pytest.raises(DomainError, match="does not look like one meeting"):
        rules.log_meeting(
            p, by=1, minutes=0, met_on=date(2026, 3, 2), today=date(2026, 3, 3), now=NOW
        )


def test_a_meeting_note_is_one_clean_short_line(config):
    p = active_pairing(config)
    m = rules.log_meeting(
        p,
        by=1,
        minutes=45,
        met_on=date(2026, 3, 2),
        today=date(2026, 3, 3),
        now=NOW,
        note="great\x07 chat\r\nBcc: x@y" + "z" * 500,
    )
    assert m.note.startswith("great chat Bcc: x@y")
    assert "\x07" not in m.note and "\n" not in m.note and "\r" not in m.note
    assert len(m.note) == MAX_MEETING_NOTE


def test_continue_extends_once_per_period(config):
    p = active_pairing(config)
    end = p.ends_at
    assert not rules.continue_pairing(p, NOW + timedelta(days=10), config)  # too early
    assert rules.continue_pairing(p, NOW + timedelta(days=350), config)
    assert p.ends_at == end + timedelta(days=365) and p.period == 2
    assert not rules.continue_pairing(p, NOW + timedelta(days=351), config)


def test_no_change_on_an_erased_person(config):
    mentee = person(1)
    mentee.erased_at = NOW
    with pytest.raises(DomainError, match="erased"):
        rules.open_approach(**approach_args(config, mentee=mentee))
