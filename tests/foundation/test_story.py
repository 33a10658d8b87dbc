"""A person's story as a plain function over facts (`service.story.tell`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from service.domain.model import (
    AuditEvent,
    EndReason,
    Introduction,
    IntroductionStatus,
    Meeting,
    Pairing,
    PairingStatus,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.store.records import Correction
from service.story import Facts, lines, tell

T0 = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


def _facts() -> Facts:
    alex = Person("alex@dwp.gov.uk", "Alex", "Morgan", T0, id=1)
    round_ = Round("2026", T0, T0 + timedelta(days=30), T0, id=7)
    reg = Registration(
        7,
        1,
        "mentee",
        "EO",
        "DWP",
        "Policy",
        T0,
        id=3,
        status=RegistrationStatus.CONFIRMED,
        confirmed_at=T0 + timedelta(hours=1),
        characteristics="Bisexual",
    )
    # NONE closed the speed match after they met: it is still told as met.
    intro = Introduction(
        7,
        2,
        1,
        1,
        T0,
        id=4,
        status=IntroductionStatus.CLOSED,
        sent_at=T0 + timedelta(days=1),
        contacted_at=T0 + timedelta(days=3),
    )
    pairing = Pairing(
        7, 2, 1, T0 + timedelta(days=5), T0 + timedelta(days=370), id=9, status=PairingStatus.ACTIVE
    )
    ended = AuditEvent(
        T0 + timedelta(days=90),
        "job:stale",
        "pairing.ended",
        "pairing:9",
        {"reason": EndReason.STALE.value},
    )
    meetings = [
        Meeting(9, 1, date(2026, 6, 20), 30, T0 + timedelta(days=20), id=2),
        Meeting(9, 1, date(2026, 6, 10), 45, T0 + timedelta(days=21), id=1, note="good"),
    ]
    reopened = Correction(
        T0 + timedelta(days=100),
        "c@x.gov.uk",
        "pairing.reopened",
        person_id=1,
        partner_id=2,
        pairing_id=9,
        detail={"was": "stale"},
    )
    return Facts(
        person=alex,
        names={1: "Alex Morgan", 2: "Priya Shah"},
        rounds={7: round_},
        registrations=[reg],
        introductions=[intro],
        pairings=[pairing],
        meetings=meetings,
        events=[ended],
        corrections=[reopened],
    )


def test_the_story_is_in_time_order_and_in_words() -> None:
    texts = [e.text for e in tell(_facts())]
    assert texts == [
        "Registered for the 2026 round as mentee.",
        "Confirmed their address for the 2026 round.",
        "Introduced to Priya Shah, their speed mentor (they met).",
        "Met Priya Shah for their speed-mentoring session.",
        "Long-term partnership of Priya Shah (mentor) and Alex Morgan (mentee) began.",
        # Numbered by the day they met, as `mentoring meeting edit` numbers them.
        "Meeting 2 with Priya Shah: 30 minutes on 20 June 2026, logged by Alex Morgan.",
        "Meeting 1 with Priya Shah: 45 minutes on 10 June 2026, logged by Alex Morgan."
        " Their note: “good”.",
        "Partnership of Priya Shah (mentor) and Alex Morgan (mentee) ended: it went quiet and"
        " was closed as stale.",
        "Correction by c@x.gov.uk reopened the partnership of Alex Morgan and Priya Shah"
        " (where it went quiet and was closed as stale).",
    ]


def test_lines_are_dated_in_the_programme_time_zone_and_never_show_a_characteristic() -> None:
    told = lines(_facts(), "Europe/London")
    assert told[0] == "01 Jun 2026 10:00  Registered for the 2026 round as mentee."
    assert not any("Bisexual" in line for line in told)
