"""A reminder gives way to other email: someone we wrote to in the days before it fell
due is not reminded on top (how a busy month stays at a handful of emails)."""

from __future__ import annotations

from service.emails import email_to
from service.mail import outbox
from service.messages import Email
from tests.jobs.world import World, at

CHECK = "Have your speed-mentoring mentees been in touch?"
NUDGE = "Have you contacted your speed mentors?"
DECIDE_REMINDER = "Reminder: would you like to keep one of your mentors?"


def _both_roles(world: World) -> None:
    """Eve mentors Ash (speed mentor 4) and is a mentee of Fy in the same round."""
    world.add_person("eve", roles="mentor,mentee", grade="HEO", department="Cabinet Office")
    world.add_person("fy", roles="mentor", grade="G7", department="Home Office")
    world.introduce("eve", "ash", 4)
    world.introduce("fy", "eve", 1)


def test_someone_with_both_roles_gets_one_speed_mentoring_reminder(world: World) -> None:
    _both_roles(world)
    world.days(0, 27)
    eve = world.subjects("eve")
    # The day-7 contact nudge as a mentee; the day-14 check as a mentor gives way to it.
    assert eve.count(NUDGE) == 1
    assert CHECK not in eve
    # A mentor with only that role is still asked.
    assert world.subjects("bo").count(CHECK) == 1


def test_someone_with_both_roles_not_nudged_is_asked_as_a_mentor(world: World) -> None:
    _both_roles(world)
    world.approach("eve", "fy", at(5))  # Eve asked Fy: no contact nudge for her
    world.days(0, 27)
    eve = world.subjects("eve")
    assert NUDGE not in eve
    assert eve.count(CHECK) == 1  # Ash has not been in touch with her


def _answer(world: World, name: str, day: int) -> None:
    """An answer to someone's own email (a MET noted), queued on `day`."""
    with world.app.uow() as uow:
        person = uow.repo.person(world.ids[name])
        assert person is not None
        email: Email = email_to(
            person,
            "speed_meeting_logged",
            f"test-answer:{name}:{day}",
            uow,
            world.app.commands,
            context={"role": "mentor", "partner": {"name": "Ash Tester", "first_name": "Ash"}},
        )
        outbox.queue(uow, email, world.app.config, now=at(day))
        uow.commit()


def test_mentor_who_heard_from_us_that_week_is_not_asked(world: World) -> None:
    _answer(world, "bo", 10)  # four days before the check falls due
    _answer(world, "cy", 7)  # seven days before: outside the quiet days
    world.days(11, 27)
    assert CHECK not in world.subjects("bo")
    assert world.subjects("cy").count(CHECK) == 1


def test_decide_reminder_gives_way_to_an_email_in_the_week_before(world: World) -> None:
    world.days(27, 30)
    assert world.subjects("ash").count("Time to decide: would you like a long-term mentor?") == 1
    _answer(world, "ash", 31)
    world.days(31, 40)
    assert DECIDE_REMINDER not in world.subjects("ash")


def test_decide_reminder_still_comes_after_a_quiet_week(world: World) -> None:
    world.days(27, 40)
    assert world.subjects("ash").count(DECIDE_REMINDER) == 1


def _month_of_mail(world: World, name: str, days: tuple[int, ...]) -> None:
    for day in days:
        _answer(world, name, day)


def test_a_mentee_with_a_full_month_is_not_nudged_and_their_mentors_are_asked(
    world: World,
) -> None:
    """The quiet budget (`reminder_budget_emails`, 4 in `reminder_budget_days`, 30): four
    emails in the month before the day-7 nudge (none in its quiet week) are enough; the
    mentors are still asked on day 14, so a quiet mentee is not lost."""
    _month_of_mail(world, "ash", (-20, -12, -3, 0))
    world.days(1, 20)
    assert NUDGE not in world.subjects("ash")
    assert world.subjects("bo").count(CHECK) == 1


def test_a_mentee_with_three_emails_that_month_is_nudged(world: World) -> None:
    _month_of_mail(world, "ash", (-12, -3, 0))
    world.days(1, 20)
    assert world.subjects("ash").count(NUDGE) == 1


def test_the_budget_is_the_coordinators_choice(world: World) -> None:
    """`reminder_budget_emails = 0` in the configuration turns the budget off."""
    from dataclasses import replace

    cfg = world.app.config
    world.app.config = replace(cfg, timings=replace(cfg.timings, reminder_budget_emails=0))
    _month_of_mail(world, "ash", (-20, -12, -3, 0))
    world.days(1, 20)
    assert world.subjects("ash").count(NUDGE) == 1


def test_someone_with_both_roles_whose_nudge_gave_way_is_not_asked_as_a_mentor(
    world: World,
) -> None:
    """Eve's month before day 7 held four emails (registration and two match emails, say):
    the nudge gives way, and a week later the mentor's check does too; a mentor with only
    that role is still asked."""
    _both_roles(world)
    _month_of_mail(world, "eve", (-20, -12, -3, 0))
    world.days(1, 27)
    eve = world.subjects("eve")
    assert NUDGE not in eve and CHECK not in eve
    assert world.subjects("bo").count(CHECK) == 1


DECIDE = "Time to decide: would you like a long-term mentor?"


def _met_speed_mentor(world: World, mentee: str) -> None:
    from service.domain.model import IntroductionStatus

    with world.app.uow() as uow:
        first = uow.repo.introductions_of(world.ids[mentee], world.round_id)[0]
        first.status = IntroductionStatus.MET
        uow.commit()


def test_the_decide_email_gives_way_once_a_met_answer_said_how_to_choose(world: World) -> None:
    """The answer to a speed MET tells a mentee how to choose (KEEP, NONE): in a full
    month (four emails in the 30 days before day 28) the day-28 email saying it again
    gives way. Without a session logged it is the first to say so, and it goes."""
    world.add_person("eli", roles="mentee", grade="EO", department="Cabinet Office")
    world.introduce("cy", "eli", 1)
    _met_speed_mentor(world, "ash")
    for name in ("ash", "eli"):
        _month_of_mail(world, name, (5, 12, 19, 24))
    world.days(27, 30)
    assert DECIDE not in world.subjects("ash")
    assert world.subjects("eli").count(DECIDE) == 1
