"""The digest speaks to the coordinators: reasons written to a participant are quoted as
our answer to them, and subjects are shown without our secret reply reference."""

from __future__ import annotations

from jobs.digest import for_coordinators
from service.inbound.classify import without_reference


def test_a_reason_written_to_the_participant_is_quoted_as_our_answer() -> None:
    reason = "refused: We could not read when you met, so we have changed nothing."
    assert for_coordinators(reason) == (
        "we answered them: “We could not read when you met, so we have changed nothing.”"
    )


def test_a_reason_written_for_the_coordinators_is_kept() -> None:
    reason = "no command found in the first lines or the subject"
    assert for_coordinators(reason) == reason


def test_subjects_lose_our_reference_tag() -> None:
    assert without_reference("RE: Mentoring tips [ref:ps3bb52s6jeinvod]") == "RE: Mentoring tips"
    assert without_reference("Hello [REF: ps3bb52s6jeinvod] there") == "Hello there"
    assert without_reference("[ref:short] stays") == "[ref:short] stays"  # not one of ours
