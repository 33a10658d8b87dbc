"""The same meeting logged by both partners counts once, in every total we show."""

from __future__ import annotations

from service.domain.model import Meeting
from tests.harness import Programme
from tests.workflow.test_met import ALEX, PRIYA, meetings, paired


def test_a_meeting_both_partners_log_counts_once(programme: Programme) -> None:
    for_alex, for_priya = paired(programme)
    programme.send(programme.reply(for_alex, "MET 1h 18/05"))
    programme.send(programme.reply(for_priya, "MET 1h 18/05"))  # the same meeting
    programme.send(programme.reply(for_priya, "MET 45 mins 19/05"))
    logged: list[Meeting] = meetings(programme)
    assert len(logged) == 3  # both loggings are kept
    assert "2 meetings" in programme.last_to(PRIYA).text
    assert "1.8 CPD points" in programme.last_to(PRIYA).text  # 1h + 45 min, not 2h 45
    programme.send(programme.reply(programme.last_to(ALEX), "STATUS"))
    assert "1.8" in programme.last_to(ALEX).text
