"""Contact nudges, the mentor's check and the decide emails, through the real outbox."""

from __future__ import annotations

from tests.jobs.world import World, at


def test_one_contact_nudge_on_day_7_then_the_mentors_are_asked(world: World) -> None:
    world.days(0, 6)
    assert world.subjects("ash") == []
    world.run(at(7))
    world.run(at(7, hour=15))  # a second run the same day sends nothing new
    assert world.subjects("ash") == ["Have you contacted your speed mentors?"]
    assert "matches 7 days ago" in world.inbox("ash")[0].text
    assert "bo@dept.example" in world.inbox("ash")[0].text
    world.days(8, 27)
    # Issue 16: one nudge is enough; on day 14 the mentors are asked instead.
    nudges = [s for s in world.inbox("ash") if "contacted your speed mentors" in s.subject]
    assert len(nudges) == 1
    assert world.subjects("bo") == ["Have your speed-mentoring mentees been in touch?"]


def test_a_mentee_who_keeps_gets_no_more_contact_nudges(world: World) -> None:
    world.run(at(7))
    world.approach("ash", "cy", at(9))  # KEEP 2
    world.days(10, 40)
    subjects = world.subjects("ash")
    assert subjects.count("Have you contacted your speed mentors?") == 1
    assert not any("decide" in s.lower() for s in subjects)


def test_mentor_asked_on_day_14_about_mentees_who_have_not_been_in_touch(world: World) -> None:
    world.days(0, 13)
    assert world.inbox("bo") == []
    world.days(14, 20)
    assert world.subjects("bo") == ["Have your speed-mentoring mentees been in touch?"]
    [check] = world.inbox("bo")
    assert "Ash Tester" in check.text


def test_mentor_whose_mentee_asked_them_is_not_asked(world: World) -> None:
    world.approach("ash", "bo", at(3))
    world.days(14, 15)
    assert not any("mentees been in touch" in s for s in world.subjects("bo"))
    assert any("mentees been in touch" in s for s in world.subjects("cy"))


def test_decide_on_day_28_then_a_reminder_a_week_later(world: World) -> None:
    world.run(at(27))
    world.run(at(28))
    world.run(at(30))
    assert world.subjects("ash").count("Time to decide: would you like a long-term mentor?") == 1
    assert "Bo Tester" in world.inbox("ash")[-1].text
    world.days(31, 40)
    assert world.subjects("ash").count("Reminder: would you like to keep one of your mentors?") == 1


def test_out_of_office_pauses_nudges_until_the_return_date(world: World) -> None:
    world.update_person("ash", away_until=at(12).date())  # back on Monday 13 July
    world.days(7, 11)
    assert world.inbox("ash") == []
    world.run(at(12))
    assert world.subjects("ash") == ["Have you contacted your speed mentors?"]
