"""Sample contexts for every email template: the CONTRACT between handlers and templates.

Each entry of `SAMPLES` is the context one template expects, built only from plain
values (str, int, float, bool, date, datetime, lists and dicts of them). A handler
builds the same shape. `hostile()` rewrites every person-supplied string in a context
with awkward text (quotes, markup, CR/LF, right-to-left and CJK scripts, emoji), so the
tests can show that nothing a participant types can break an email.

Common keys:
  programme  the fields of ProgrammeConfig.programme (see `programme_context`)
  commands   [(command, explanation), ...] the recipient can send now (footer)
  person     {first_name, last_name, email}: the recipient
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

from handlers import TABLE
from service.config import load_config
from service.interest_list import leave_footer
from service.purpose import PurposeKind
from tests.templates.situations import coordinator_footer, footer

Context = dict[str, Any]


def programme_context() -> dict[str, Any]:
    """What a handler passes as `programme`: the configured programme fields."""
    return asdict(load_config().programme)


PROGRAMME = programme_context()
_CONFIG = load_config()
PROGRAMME_NAME = _CONFIG.privacy.programme_name(_CONFIG.programme)  # as outbox.common_context
SIGNATURE = _CONFIG.privacy.signature(_CONFIG.programme)
ROUND = {
    "name": "2026",
    "closes_on": date(2026, 6, 17),
    "unconfirmed_deleted_on": date(2026, 7, 17),
}
PERSON = {"first_name": "Alex", "last_name": "Morgan", "email": "alex.morgan@dwp.gov.uk"}
MENTEE = {
    "name": "Alex Morgan",
    "first_name": "Alex",
    "email": "alex.morgan@dwp.gov.uk",
    "grade_name": "Executive Officer",
    "department": "Department for Work and Pensions",
    "profession": "Operational Delivery",
    "bio": "I lead a small team in a jobcentre and want to move into policy.",
}
MENTORS = [
    {
        "number": 1,
        "name": "Priya Shah",
        "first_name": "Priya",
        "email": "priya.shah@hmrc.gov.uk",
        "grade_name": "Senior Executive Officer",
        "department": "HM Revenue and Customs",
        "profession": "Policy",
        "bio": "Policy lead on tax credits; I moved across from operations myself.",
        "why": "works in Policy, the profession you asked about",
    },
    {
        "number": 2,
        "name": "Sam O'Neill",
        "first_name": "Sam",
        "email": "sam.oneill@justice.gov.uk",
        "grade_name": "Higher Executive Officer",
        "department": "Ministry of Justice",
        "profession": "Digital, Data and Technology",
        "bio": "",
        "why": "one grade above you, in a different department",
    },
    {
        "number": 3,
        "name": "Jo Evans",
        "first_name": "Jo",
        "email": "jo.evans@gov.wales",
        "grade_name": "Senior Executive Officer",
        "department": "Welsh Government",
        "profession": "Project Delivery",
        "bio": "Happy to talk about flexible working and career changes.",
        "why": "two grades above you, in a different department",
    },
]
REGISTRATION = {
    "roles": ["mentee"],
    "grade_name": "Executive Officer",
    "department": "Department for Work and Pensions",
    "profession": "Operational Delivery",
    "confirmed": False,
}
# Footers are the command table's own answer for the recipient's situation (situations.py).
MENTEE_COMMANDS = footer("registered")


def _base(commands: list[tuple[str, str]] | None = None) -> Context:
    return {
        "programme": dict(PROGRAMME),
        "programme_name": PROGRAMME_NAME,
        "signature": SIGNATURE,
        "form_url": "https://forms.office.com/r/example",
        "person": dict(PERSON),
        "commands": list(commands if commands is not None else MENTEE_COMMANDS),
    }


def _with(extra: Context, commands: list[tuple[str, str]] | None = None) -> Context:
    return {**_base(commands), **extra}


MENTEE_PARTNER = {
    "name": "Alex Morgan",
    "first_name": "Alex",
    "email": "alex.morgan@dwp.gov.uk",
    "grade_name": "Executive Officer",
    "department": "Department for Work and Pensions",
}
MENTOR_PERSON = {"first_name": "Priya", "last_name": "Shah", "email": "priya.shah@hmrc.gov.uk"}
MENTOR_PARTNER = {
    k: MENTORS[0][k] for k in ("name", "first_name", "email", "grade_name", "department")
}
CONFIRM = footer("unconfirmed", PurposeKind.REGISTRATION)
KEEP = footer("choosing")
ACCEPT = footer("asked", PurposeKind.APPROACH)
PAIRED = footer("paired", PurposeKind.PAIRING)
MATCHED_MENTEE = footer("matched_mentee")
MATCHED_MENTOR = footer("matched_mentor")
NOT_REGISTERED = footer("unknown")

COORDINATOR_COMMANDS = coordinator_footer()

SAMPLES: dict[str, Context] = {
    "confirm_address": _with({"registration": REGISTRATION, "round": ROUND}, CONFIRM),
    "confirm_reminder": _with({"round": ROUND}, CONFIRM),
    "registration_received": _with(
        {
            "registration": {**REGISTRATION, "roles": ["mentor", "mentee"], "confirmed": True},
            "round": ROUND,
        }
    ),
    "registration_updated": _with({"registration": REGISTRATION, "round": ROUND}, CONFIRM),
    "registration_problems": _with(
        {
            "problems": [
                "Mentors need to be Administrative Officer grade or above, and your form says"
                " Administrative Assistant. You can still take part as a mentee.",
                "Please tick the box to confirm you are eligible to take part.",
            ],
            "round": ROUND,
            "form_url": "https://forms.office.com/r/example",
        },
        [],
    ),
    "registrations_closed": _with(
        {"next_round_opens": date(2027, 5, 17), "on_interest_list": True}, leave_footer(TABLE)
    ),
    "interest_left": _with({}, []),
    "coordinator_announcement": _with(
        {
            "subject": "Summer social on 10 July",
            "paragraphs": [
                "We are holding a summer social for everyone in this round.",
                "It is on Friday 10 July at 4pm, in person and online.",
            ],
        }
    ),
    "registrations_open": _with(
        {"round": {"name": "2027", "closes_on": date(2027, 6, 17)}}, leave_footer(TABLE)
    ),
    "pause_confirmed": _with(
        {
            "until": "until 1 September 2026",
            "ends_on": datetime(2026, 8, 31, 23, 0, tzinfo=UTC),
            "partners": ["Priya Shah"],
        },
        [("RESUME", "end your pause now"), *MENTEE_COMMANDS],
    ),
    "partner_paused": _with({"partner": MENTOR_PARTNER, "until": "until 1 September 2026"}, PAIRED),
    "resume_confirmed": _with({}, PAIRED),
    "capacity_confirmed": _with(
        {"places": 2, "mentoring": 1, "requests_closed": 0},
        [("CAPACITY 2", "change how many long-term mentees you can take this round")],
    ),
    "not_this_round_confirmed": _with(
        {"requests_closed": 1},
        [("CAPACITY 2", "change how many long-term mentees you can take this round")],
    ),
    "registration_closing_soon": _with({"round": ROUND}, CONFIRM),
    "induction_invitation": _with(
        {
            "role": "mentee",
            "sessions": [
                {
                    "starts_at": datetime(2026, 6, 23, 11, 0, tzinfo=UTC),
                    "minutes": 45,
                    "how": "on Microsoft Teams",
                    "link": "https://teams.example/join/1",
                },
                {
                    "starts_at": datetime(2026, 6, 25, 15, 30, tzinfo=UTC),
                    "minutes": 45,
                    "how": "on Microsoft Teams",
                    "link": "",
                },
            ],
        }
    ),
    "matches_mentee": _with(
        {"round": ROUND, "contact_by": date(2026, 8, 4), "mentors": MENTORS},
        MATCHED_MENTEE,
    ),
    "matches_mentor": _with(
        {
            "person": MENTOR_PERSON,
            "round": ROUND,
            "contact_by": date(2026, 8, 4),
            "mentees": [
                {**MENTEE, "number": 1},
                {**MENTEE, "number": 2, "name": "Chris Lee", "bio": ""},
            ],
        },
        MATCHED_MENTOR,
    ),
    "no_match": _with({"round": ROUND, "role": "mentee"}),
    "contact_nudge": _with(
        {"day": 7, "contact_by": date(2026, 8, 4), "mentors": MENTORS},
        MATCHED_MENTEE,
    ),
    "mentor_contact_check": _with(
        {
            "person": MENTOR_PERSON,
            "mentees": [
                {"number": 1, "name": "Alex Morgan", "email": "alex.morgan@dwp.gov.uk"},
                {"number": 2, "name": "Chris Lee", "email": "chris.lee@moj.gov.uk"},
            ],
        },
        MATCHED_MENTOR,
    ),
    "decide_long_term": _with({"mentors": MENTORS}, KEEP),
    "decide_reminder": _with({"mentors": MENTORS}, KEEP),
    "approach_request": _with(
        {
            "person": MENTOR_PERSON,
            "mentee": MENTEE,
            "reply_by": date(2026, 8, 20),
            "long_term_places": 1,
        },
        ACCEPT,
    ),
    "approach_reminder": _with(
        {
            "person": MENTOR_PERSON,
            "mentee": MENTEE,
            "reply_by": date(2026, 8, 20),
            "long_term_places": 2,
        },
        ACCEPT,
    ),
    "approach_declined": _with(
        {
            "mentor": MENTOR_PARTNER,
            "other_mentors": [{"number": 2, "name": "Sam O'Neill"}],
            "mentor_full": False,
        },
        KEEP,
    ),
    "approach_expired_mentee": _with(
        {"mentor": MENTOR_PARTNER, "other_mentors": []},
        KEEP,
    ),
    "approach_expired_mentor": _with(
        {"person": MENTOR_PERSON, "mentee": MENTEE}, footer("mentor_free")
    ),
    "approach_withdrawn": _with({"person": MENTOR_PERSON, "mentee": MENTEE}, footer("mentor_free")),
    "pairing_started": _with(
        {"role": "mentee", "partner": MENTOR_PARTNER, "check_in_weeks": 6}, PAIRED
    ),
    "guidance_learning_contract": _with(
        {"person": MENTOR_PERSON, "role": "mentor", "partner": MENTEE_PARTNER}, PAIRED
    ),
    "guidance_ground_rules": _with({"role": "mentee", "partner": MENTOR_PARTNER}, PAIRED),
    "guidance_grow": _with(
        {"person": MENTOR_PERSON, "role": "mentor", "partner": MENTEE_PARTNER}, PAIRED
    ),
    "guidance_feedback": _with({"role": "mentee", "partner": MENTOR_PARTNER}, PAIRED),
    "check_in": _with(
        {
            "partner": MENTOR_PARTNER,
            "meetings_logged": 2,
            "hours_logged": 2.5,
            "last_met": date(2026, 10, 1),
            "ask_score": True,
        },
        footer("paired", PurposeKind.PAIRING, feedback="check-in 1"),
    ),
    "feedback_received": _with(
        {
            "partner": MENTOR_PARTNER,
            "score": 4,
            "highest": 5,
            "comment_kept": True,
            "replaced": False,
            "asked_in": "check-in 2",
            "low": False,
            "working_days": 3,
        },
        footer("paired", PurposeKind.PAIRING, feedback="check-in 2"),
    ),
    "answer_again": _with(
        {
            "problem": "We could not take “10” as a score: please reply with one number"
            " from 1 (not useful) to 5 (very useful).",
        },
        footer("paired", PurposeKind.PAIRING, feedback="check-in 2"),
    ),
    "stale_warning": _with(
        {"partner": MENTOR_PARTNER, "closes_on": date(2027, 1, 14)},
        PAIRED,
    ),
    "stale_closed": _with({"partner": MENTOR_PARTNER, "hours_logged": 1.0}),
    "unresponsive_nudge": _with(
        {
            "person": MENTOR_PERSON,
            "partner": MENTEE_PARTNER,
            "nudge_number": 2,
            "nudges_total": 2,
            "reported_by_partner": True,
        },
        PAIRED,
    ),
    "unpaired_notice": _with(
        {
            "role": "mentee",
            "partner": MENTOR_PARTNER,
            "hours_logged": 3.0,
            "new_choice_follows": True,
        }
    ),
    "unpaired_confirmation": _with(
        {"person": MENTOR_PERSON, "role": "mentor", "partner": MENTEE_PARTNER, "hours_logged": 1.0}
    ),
    "new_choice": _with(
        {"options": [MENTORS[1], MENTORS[2]], "on_rematch_list": False, "second_chance": ""},
        KEEP,
    ),
    "meeting_logged": _with(
        {
            "partner": MENTOR_PARTNER,
            "meeting": {"on": date(2026, 9, 3), "hours": 1.5, "note": "Talked about the CV"},
            "total_meetings": 3,
            "total_hours": 4.5,
        },
        PAIRED,
    ),
    "continue_confirmed": _with({"partner": MENTOR_PARTNER, "until": date(2027, 9, 1)}, PAIRED),
    "withdrawn_confirmation": _with(
        {
            "round": ROUND,
            "ended": [
                "We ended your mentoring partnership with Priya Shah.",
                "We closed your request to Sam O'Neill.",
            ],
        },
        footer("withdrawn"),
    ),
    "partner_withdrew": _with(
        {
            "role": "mentee",
            "partner": MENTOR_PARTNER,
            "relationship": "pairing",
            "new_choice_follows": True,
        }
    ),
    "none_confirmed": _with({"round": ROUND, "speed_sessions_met": 2}, MENTEE_COMMANDS),
    "programme_end": _with(
        {
            "person": MENTOR_PERSON,
            "role": "mentor",
            "partner": MENTEE_PARTNER,
            "started_on": date(2026, 9, 1),
            "total_meetings": 8,
            "total_hours": 9.5,
            "ask_score": True,
            "feedback_link": True,
        },
        footer("paired", PurposeKind.CONTINUE, feedback="end 1"),
    ),
    "status": _with(
        {
            "round": ROUND,
            "stage": "You are in the speed-mentoring stage: contact your mentors by"
            " Tuesday 4 August 2026.",
            "registration": {
                **REGISTRATION,
                "confirmed": True,
                "profession_of_interest": "Policy",
                "long_term_capacity": None,
            },
            "introductions": [
                {"number": 1, "name": "Priya Shah", "role": "mentor", "state": "you have met"},
                {
                    "number": 2,
                    "name": "Sam O'Neill",
                    "role": "mentor",
                    "state": "waiting for you to get in touch",
                },
            ],
            "approach": {
                "mentor_name": "Priya Shah",
                "sent_on": date(2026, 8, 10),
                "expires_on": date(2026, 8, 20),
            },
            "pairing": None,
            "paused": "until 1 September 2026",
        }
    ),
    "help": _with({"stage": "You are waiting for your speed-mentoring matches."}),
    "data_export": _with(
        {
            "attachment_name": "my-mentoring-data.json",
            "sections": [
                {
                    "heading": "About you",
                    "items": [
                        ("Name", "Alex Morgan"),
                        ("Email", "alex.morgan@dwp.gov.uk"),
                        ("Grade", "Executive Officer"),
                    ],
                },
                {
                    "heading": "Speed mentoring",
                    "items": [("Mentor 1", "Priya Shah (met on 3 August 2026)")],
                },
            ],
        }
    ),
    "erasure_confirm": _with(
        {
            "ends": ["your mentoring partnership with Priya Shah ends"],
            "confirm_by": date(2026, 9, 10),
        },
        footer("registered", PurposeKind.ERASURE),
    ),
    "erasure_done": _with({}, []),
    "confirm_command": _with(
        {
            "action": "withdraw Carol King from the programme",
            "why": "We check before acting on a coordinator's email that we cannot verify.",
        },
        footer("registered", PurposeKind.COORDINATOR),
    ),
    "form_update_confirm": _with(
        {
            "changes": [
                {"label": "Grade", "old": "Executive Officer", "new": "Grade 7"},
                {"label": "Last name", "old": "King", "new": "King-Smith"},
            ],
            "match_preference_changed": True,
        },
        footer("registered", PurposeKind.FORM_UPDATE),
    ),
    "problem_answer": _with(
        {
            "problem": "Sam O'Neill is not one of your speed mentors, so we can't ask them.",
            "understood": ["You want to KEEP a mentor.", "You named Sam O'Neill."],
            "suggestions": ["KEEP 1 to ask Priya Shah", "KEEP 2 to ask Jo Evans"],
        },
        KEEP,
    ),
    "auto_answer_limit": _with({}),
    "question_received": _with({"question": True, "working_days": 3}),
    "already_done": _with(
        {
            "what_short": "your address is confirmed",
            "command": "CONFIRM",
            "what": "you confirmed your address on Monday 18 May 2026.",
        }
    ),
    "coordinator_escalation": _with(
        {
            "kind": "unresponsive",
            "subject_detail": "Priya Shah and Alex Morgan",
            "summary": "Alex Morgan reported that Priya Shah was not responding. Two nudges"
            " went unanswered, so the partnership has been ended without blame.",
            "details": [
                ("Mentor", "Priya Shah <priya.shah@hmrc.gov.uk>"),
                ("Mentee", "Alex Morgan <alex.morgan@dwp.gov.uk>"),
                ("Nudges sent", "1 and 8 October 2026"),
            ],
            "actions": ["Check whether Priya is on leave before offering Alex a new mentor."],
        },
        COORDINATOR_COMMANDS,
    ),
    "ladder_held": _with(
        {"held": True, "quiet": {"name": "Priya Shah", "email": "priya.shah@hmrc.gov.uk"}},
        COORDINATOR_COMMANDS,
    ),
    "correction_done": _with(
        {
            "done": "paired Alex Morgan with Priya Shah by hand.",
            "done_short": "paired by hand",
            "told": ["Alex Morgan", "Priya Shah"],
        },
        COORDINATOR_COMMANDS,
    ),
    # Answers from the long-term relationship handlers (handlers/keep.py and friends).
    "approach_sent": _with(
        {"mentor": MENTOR_PARTNER, "reply_by": date(2026, 8, 20)},
        footer("requested"),
    ),
    "request_withdrawn": _with(
        {
            "mentor": MENTOR_PARTNER,
            "other_mentors": [{"number": 2, "name": "Sam O'Neill"}],
            "mentor_full": False,
        },
        KEEP,
    ),
    "decline_confirmed": _with({"person": MENTOR_PERSON, "mentee": MENTEE}, footer("mentor_free")),
    "not_responding_noted": _with(
        {"partner": MENTOR_PARTNER, "nudges": 2, "spacing_days": 7}, PAIRED
    ),
    "not_contacted_noted": _with(
        {"person": MENTOR_PERSON, "mentees": [{"number": 2, "name": "Chris Lee"}]},
        MATCHED_MENTOR,
    ),
    "speed_meeting_logged": _with({"role": "mentee", "partner": MENTOR_PARTNER}, KEEP),
    "programme_health": _with(
        {
            "day": date(2026, 10, 12),
            "round_name": "2026",
            "attachment": "programme-health-2026-10-12.html",
            "headline": [
                {"value": "84", "label": "people still in a pairing"},
                {"value": "3", "label": "people who may need a nudge from a coordinator"},
                {"value": "212.5", "label": "CPD hours logged"},
            ],
            "quality": "No feedback has been collected yet.",
        },
        COORDINATOR_COMMANDS,
    ),
    "coordinator_digest": _with(
        {
            "day": date(2026, 10, 9),
            "attention_count": 3,
            "new_registrations": [
                {
                    "name": "Alex Morgan",
                    "email": "alex.morgan@dwp.gov.uk",
                    "roles": ["mentee"],
                    "department": "Department for Work and Pensions",
                },
            ],
            "needs_attention": [
                {
                    "number": 41,
                    "received_at": datetime(2026, 10, 8, 14, 5, tzinfo=UTC),
                    "sender": "chris.lee@mod.gov.uk",
                    "subject": "Re: your matches",
                    "reason": "no command found in the reply",
                    "excerpt": "Could we meet after the summer instead? / I am away in July",
                    "waited": "19 hours",
                    "overdue": False,
                },
            ],
            "overdue_attention": [
                {
                    "number": 37,
                    "received_at": datetime(2026, 10, 5, 9, 30, tzinfo=UTC),
                    "sender": "sam.oneill@hmrc.gov.uk",
                    "subject": "Question about my mentor",
                    "reason": "in their own words, passed to the coordinators",
                    "excerpt": "Is it fine to change mentor half way through?",
                    "waited": "4 days",
                    "overdue": True,
                },
            ],
            "attention_overdue_news": True,
            "escalations": ["Priya Shah and Alex Morgan unpaired: mentor unresponsive."],
            "expired_approaches": [
                {"mentee": "Chris Lee", "mentor": "Jo Evans", "expired_on": date(2026, 10, 7)},
            ],
            "stale_pairings": [{"mentor": "Jo Evans", "mentee": "Sam O'Neill", "state": "warned"}],
            "bounces": [{"address": "old.address@example.gov.uk", "reason": "mailbox unavailable"}],
            "job_failures": [
                {
                    "job": "poll-mailbox",
                    "at": datetime(2026, 10, 8, 3, 0, tzinfo=UTC),
                    "reason": "Graph returned 503 five times",
                },
            ],
            "erased": 1,
            "figures": {
                "registrations": 981,
                "confirmed": 960,
                "mentors": 371,
                "mentees": 610,
                "matched_mentees": 605,
                "active_pairings": 212,
                "meetings": 640,
                "hours_met": 702.5,
            },
        },
        COORDINATOR_COMMANDS,
    ),
}

# What a hostile or merely unusual participant might type: quotes, markup, a header
# injection attempt, right-to-left and CJK scripts, and an emoji with a joiner.
HOSTILE_HEAD = 'Zoë "Zed" O\'Brien <script>alert(1)</script> & <b>'
HOSTILE_TAIL = "Bcc: victim@evil.example مرحبا 李小龍 🏳️‍🌈"
HOSTILE = HOSTILE_HEAD + "\r\n" + HOSTILE_TAIL

# Values the service itself chooses (programme settings, command words, enumerations
# compared in templates, validated addresses and links): not typed by participants.
_NOT_TYPED = {
    "programme",
    "commands",
    "role",
    "roles",
    "kind",
    "relationship",
    "state",
    "email",
    "link",
    "form_url",
    "attachment_name",
    "command",
    "template_name",
    "programme_name",
    "signature",
}


def _hostile(value: Any, key: str | None) -> Any:
    if key in _NOT_TYPED:
        return value
    if isinstance(value, str):
        return HOSTILE
    if isinstance(value, dict):
        return {k: _hostile(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_hostile(v, key) for v in value]
    if isinstance(value, tuple):
        return tuple(_hostile(v, key) for v in value)
    return value


def hostile(context: Context) -> Context:
    """The same context with every participant-typed string replaced by HOSTILE."""
    result = _hostile(context, None)
    assert isinstance(result, dict)
    return result


CHARACTERISTIC_MARKER = "CHARACTERISTIC-MARKER-Trans-Bisexual"


def _with_characteristics(value: Any) -> Any:
    if isinstance(value, dict):
        updated = {k: _with_characteristics(v) for k, v in value.items()}
        if "name" in value or "first_name" in value or "roles" in value:
            updated["characteristics"] = [CHARACTERISTIC_MARKER]
            updated["characteristic"] = CHARACTERISTIC_MARKER
            updated["wants_shared_characteristic"] = True
        return updated
    if isinstance(value, list):
        return [_with_characteristics(v) for v in value]
    return value


def with_characteristics(context: Context) -> Context:
    """The context with a characteristic attached to every person-like dict, as a careless
    handler might pass it: templates must never print it."""
    result = _with_characteristics(context)
    assert isinstance(result, dict)
    return result


def sample(name: str, transform: Callable[[Context], Context] | None = None) -> Context:
    context = SAMPLES[name]
    return transform(context) if transform else context


# Every state a template is rendered in by the template linter (tests/templates/test_lint.py):
# the sample, then the same email without a first name, with one of everything instead of
# several, for the other role, and the states below that change what it says.
EXTRA_STATES: dict[str, list[tuple[str, Context]]] = {
    "coordinator_escalation": [
        (
            "bounce",
            {
                "kind": "bounce",
                "subject_detail": "alex.morgan@dwp.gov.uk",
                "summary": "Our email to Alex Morgan could not be delivered, so we have stopped"
                " writing to them.",
                "details": [
                    ("Participant", "Alex Morgan <alex.morgan@dwp.gov.uk>"),
                    ("Bouncing since", "8 October 2026"),
                    ("Email that bounced", "Please confirm your place in the mentoring programme"),
                ],
                "actions": ["Check the address with the participant's department."],
            },
        ),
        ("forged form", {"kind": "forged_form", "actions": []}),
        ("other", {"kind": "other", "details": []}),
        (
            # jobs/unresponsive_ladder.py: the second nudge went out; HOLD stops the ladder.
            "last nudge, HOLD offered",
            {
                "kind": "last_nudge",
                "subject_detail": "Priya Shah has not answered their partner",
                "summary": "Priya Shah has not answered 2 reminders about their mentoring"
                " partnership. If they stay quiet, we will end the partnership without blame"
                " on or after 15 October 2026. Reply HOLD to stop the reminders and keep the"
                " partnership open.",
                "details": [
                    ("Mentor", "Priya Shah <priya.shah@hmrc.gov.uk>"),
                    ("Mentee", "Alex Morgan <alex.morgan@dwp.gov.uk>"),
                    ("Reminders sent", "2"),
                ],
                "actions": [],
                "commands": TABLE.answers(PurposeKind.HOLD),
            },
        ),
    ],
    "ladder_held": [("nothing to stop", {"held": False})],
    "correction_done": [
        ("nobody told", {"done": "noted about Alex Morgan: “on leave”.", "told": []}),
        (
            "refused",
            {"refused": "There is no meeting 3: that person has 2 logged.", "told": []},
        ),
    ],
    "pairing_started": [
        ("paired by hand, mentor", {"how": "by_hand", "role": "mentor", "partner": MENTEE_PARTNER}),
        ("paired by hand, mentee", {"how": "by_hand"}),
        ("reopened", {"how": "reopened"}),
    ],
    "unresponsive_nudge": [
        ("first nudge, not reported", {"nudge_number": 1, "reported_by_partner": False}),
    ],
    "partner_withdrew": [
        ("approach", {"relationship": "approach", "new_choice_follows": False}),
        ("introduction", {"relationship": "introduction", "new_choice_follows": False}),
        ("pairing, no new choice", {"new_choice_follows": False}),
    ],
    "approach_declined": [("mentor full, no others", {"mentor_full": True, "other_mentors": []})],
    "request_withdrawn": [("mentor full, no others", {"mentor_full": True, "other_mentors": []})],
    "approach_expired_mentee": [
        ("others left", {"other_mentors": [{"number": 2, "name": "Sam O'Neill"}]})
    ],
    "registrations_open": [("no form address", {"form_url": ""})],
    "registrations_closed": [
        (
            "not on the list",
            {"on_interest_list": False, "next_round_opens": None, "commands": []},
        )
    ],
    "decide_long_term": [
        # The answer to the MET that completes the speed sessions asks the same question.
        ("after the last speed session", {"noted": {"name": MENTORS[0]["name"]}}),
    ],
    "new_choice": [
        ("no options, rematch list", {"options": [], "on_rematch_list": True}),
        ("after late matching", {"second_chance": "your long-term mentor stopped replying"}),
    ],
    "unpaired_notice": [("no new choice", {"new_choice_follows": False, "hours_logged": 0.0})],
    "check_in": [
        ("not met yet", {"meetings_logged": 0, "hours_logged": 0.0, "last_met": None}),
        ("no score asked", {"ask_score": False, "commands": PAIRED}),
    ],
    "feedback_received": [
        ("low, replaced", {"score": 2, "low": True, "replaced": True, "comment_kept": False}),
        ("words only", {"score": None, "low": False, "comment_kept": True}),
    ],
    "programme_end": [
        ("link only", {"ask_score": False, "commands": footer("paired", PurposeKind.CONTINUE)}),
        ("score only", {"feedback_link": False}),
    ],
    "stale_closed": [("no hours", {"hours_logged": 0.0})],
    "unpaired_confirmation": [("no hours", {"hours_logged": 0.0})],
    "none_confirmed": [
        ("no sessions", {"speed_sessions_met": 0}),
        ("one", {"speed_sessions_met": 1}),
    ],
    "meeting_logged": [("first", {"total_meetings": 1, "total_hours": 1.0})],
    "problem_answer": [("nothing understood", {"understood": [], "suggestions": []})],
    "form_update_confirm": [
        ("nothing changed", {"changes": [], "match_preference_changed": False})
    ],
    "confirm_command": [
        (
            "to the coordinators",
            {
                "person": {"first_name": "coordinators", "last_name": "", "email": "c@x.example"},
                "for_coordinators": True,
                "commands": footer("registered", PurposeKind.COORDINATOR, "withdraw"),
            },
        ),
    ],
    "status": [
        ("a coordinator's copy", {"about": "Alex Morgan", "commands": COORDINATOR_COMMANDS}),
        ("reinstated", {"reinstated": True, "introductions": [], "approach": None}),
        (
            "a coordinator's copy with the story attached",
            {"about": "Alex Morgan", "commands": COORDINATOR_COMMANDS, "story_entries": 12},
        ),
        (
            "paired",
            {
                "approach": None,
                "introductions": [],
                "pairing": {
                    "partner_name": "Priya Shah",
                    "role": "mentor",
                    "started_on": date(2026, 9, 1),
                    "meetings": 1,
                    "hours": 1.0,
                },
            },
        ),
    ],
    "coordinator_digest": [
        (
            "a quiet day",
            {
                "attention_count": 1,
                "new_registrations": [],
                "needs_attention": [],
                "overdue_attention": [],
                "attention_overdue_news": False,
                "escalations": [],
                "expired_approaches": [],
                "stale_pairings": [],
                "bounces": [],
                "job_failures": [],
                "erased": 0,
                "figures": {
                    "registrations": 1,
                    "confirmed": 1,
                    "mentors": 1,
                    "mentees": 1,
                    "matched_mentees": 1,
                    "active_pairings": 1,
                    "meetings": 1,
                    "hours_met": 1.0,
                },
            },
        ),
    ],
}


def _no_first_name(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: "" if k == "first_name" else _no_first_name(v) for k, v in value.items()}
    return value


def _one_of_each(value: Any) -> Any:
    """Lists of people, mentors, problems... cut to their first item (1 vs many)."""
    if isinstance(value, dict):
        return {k: v if k in _NOT_TYPED else _one_of_each(v) for k, v in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, (dict, str)) for v in value):
        return [_one_of_each(value[0])]
    return value


def states(name: str) -> list[tuple[str, Context]]:
    """(label, context) for every state the linter renders `name` in."""
    base = SAMPLES[name]
    found: list[tuple[str, Context]] = [("sample", base)]
    found.append(("no first name", {**base, "person": _no_first_name(base["person"])}))
    one = _one_of_each(base)
    if one != base:
        found.append(("one of each", one))
    if base.get("role") in ("mentor", "mentee"):
        other = "mentee" if base["role"] == "mentor" else "mentor"
        found.append((f"as {other}", {**base, "role": other}))
    found += [(label, {**base, **extra}) for label, extra in EXTRA_STATES.get(name, [])]
    return found
