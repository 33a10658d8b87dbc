"""Apply the time-based rules (`service.domain.timeline`) at one moment.

`run_due(app, now)` first reads the state once to find candidates, then handles each
candidate in its own unit of work: reload, ask the pure rule again (another worker may
have acted meanwhile), change state, audit, queue the emails, commit. A candidate that
lost a race (the same dedupe key committed by someone else) rolls back and is counted,
never sent twice. Emails are only queued here; the outbox sends them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from handlers.common import card, coordinators, email_to
from service import privacy
from service.app import App
from service.config import ProgrammeConfig
from service.domain import rules, timeline
from service.domain.model import (
    Approach,
    EndReason,
    Introduction,
    IntroductionStatus,
    Pairing,
    Person,
    Registration,
    RegistrationStatus,
    Round,
)
from service.mail import outbox
from service.messages import Email
from service.purpose import Purpose, PurposeKind, of
from service.store.orm import (
    approaches,
    introductions,
    meetings,
    outbound_messages,
    people,
    registrations,
)
from service.store.sql_unit_of_work import SqlUnitOfWork as UnitOfWork

log = logging.getLogger(__name__)

ACTOR = "job:run-due"


@dataclass
class DueReport:
    """What one run did: emails queued per rule, state changes, races lost."""

    queued: dict[str, int] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)
    raced: int = 0
    failed: int = 0

    def count(self, rule: str, emails: int) -> None:
        if emails:
            self.queued[rule] = self.queued.get(rule, 0) + emails

    def change(self, what: str) -> None:
        self.changes[what] = self.changes.get(what, 0) + 1

    @property
    def total_queued(self) -> int:
        return sum(self.queued.values())


Step = Callable[[UnitOfWork], list[Email]]


def _apply(app: App, report: DueReport, rule: str, step: Step) -> None:
    """One candidate, one transaction: its state change and its emails commit together."""
    try:
        with app.uow(actor=ACTOR) as uow:
            emails = step(uow)
            queued = outbox.queue_all(uow, emails, app.config)
            uow.commit()
    except IntegrityError:
        # Another worker committed the same step first (unique dedupe key): nothing to do.
        report.raced += 1
        return
    except Exception:
        log.exception("time rule %s failed for one candidate", rule)
        report.failed += 1
        return
    report.count(rule, len(queued))


def run_due(app: App, now: datetime) -> DueReport:
    """Every time-based rule, at `now`. Safe to repeat: what was done is not done again."""
    report = DueReport()
    _registrations(app, now, report)
    _speed_mentoring(app, now, report)
    _approaches(app, now, report)
    _pairings(app, now, report)
    _retention(app, now, report)
    return report


# --- shared context ---------------------------------------------------------------------


def _reg(uow: UnitOfWork, round_id: int, person_id: int) -> Registration | None:
    return uow.repo.registration(round_id, person_id)


def _partner(uow: UnitOfWork, person: Person, round_id: int, config: ProgrammeConfig) -> Any:
    assert person.id is not None
    return card(person, _reg(uow, round_id, person.id), config)


def _mentor_list(
    uow: UnitOfWork, intros: list[Introduction], config: ProgrammeConfig
) -> list[dict[str, Any]]:
    found = uow.repo.people([i.mentor_id for i in intros])
    out = []
    for i in sorted(intros, key=lambda i: i.number):
        mentor = found.get(i.mentor_id)
        if mentor is None or mentor.erased:
            continue
        out.append({**_partner(uow, mentor, i.round_id, config), "number": i.number, "why": i.why})
    return out


def _hours(uow: UnitOfWork, pairing: Pairing) -> float:
    assert pairing.id is not None
    return rules.cpd_points(uow.repo.minutes_met(pairing.id))


def _role(pairing: Pairing, person_id: int) -> str:
    return "mentor" if person_id == pairing.mentor_id else "mentee"


def to_coordinators(
    key: str, template: str, config: ProgrammeConfig, context: dict[str, Any]
) -> list[Email]:
    return [
        Email(
            key=f"{key}:{who.address}",
            template=template,
            to=who,
            context={
                "person": {"first_name": "coordinators", "last_name": "", "email": who.address},
                "commands": [],
                **context,
            },
        )
        for who in coordinators(config)
    ]


# --- registration -------------------------------------------------------------------------


def _registrations(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    with app.uow() as uow:
        round_ = uow.repo.round_open_at(now)
        if round_ is None or round_.id is None:
            return
        pending = [
            r.id
            for r in uow.repo.registrations(round_.id, RegistrationStatus.PENDING_CONFIRMATION)
            if r.id is not None
            and (
                timeline.confirm_reminder_due(r, round_, now, config)
                or timeline.closing_soon_due(r, round_, now, config)
            )
        ]
    for reg_id in pending:

        def step(uow: UnitOfWork, reg_id: int = reg_id) -> list[Email]:
            reg = uow.session.get(Registration, reg_id)
            round_ = uow.repo.round(reg.round_id) if reg else None
            person = uow.repo.person(reg.person_id) if reg else None
            if reg is None or round_ is None or person is None or person.erased:
                return []
            if timeline.away(person, now, config):
                return []
            context = {"round": {"name": round_.name, "closes_on": round_.closes_at}}
            purpose = of(PurposeKind.REGISTRATION, reg.id)
            if timeline.closing_soon_due(reg, round_, now, config):
                template, key = "registration_closing_soon", f"closing-soon:{reg.id}"
            elif timeline.confirm_reminder_due(reg, round_, now, config):
                template, key = "confirm_reminder", f"confirm-reminder:{reg.id}"
            else:
                return []
            return [email_to(person, template, key, uow, context=context, purpose=purpose)]

        _apply(app, report, "registration", step)


# --- speed mentoring --------------------------------------------------------------------------


@dataclass
class _RoundFacts:
    round: Round
    introductions: list[Introduction]
    approaches: list[Approach]
    paired_mentees: set[int]


def _round_facts(uow: UnitOfWork, round_: Round) -> _RoundFacts:
    assert round_.id is not None
    intros = [
        i for i in uow.repo.introductions(round_.id) if i.status is not IntroductionStatus.PROPOSED
    ]
    asked = list(
        uow.session.scalars(select(Approach).where(approaches.c.round_id == round_.id)).all()
    )
    paired = {p.mentee_id for p in uow.repo.all_active_pairings()}
    return _RoundFacts(round_, intros, asked, paired)


def _live_rounds(uow: UnitOfWork, now: datetime, config: ProgrammeConfig) -> list[Round]:
    """Rounds whose speed-mentoring stage may still have something due."""
    t = config.timings
    horizon = timeline.days(t.speed_window + t.decide_reminder_after + 1)
    live = []
    for r in uow.repo.rounds():
        if r.id is None:
            continue
        # timeline.matches_sent_at (the first introduction sent), asked of the database:
        # every day of the year, without loading a large round's introductions.
        sent = _aware(
            uow.session.scalar(
                select(func.min(introductions.c.sent_at)).where(introductions.c.round_id == r.id)
            )
        )
        if sent is not None and now < sent + horizon:
            live.append(r)
    return live


def _speed_mentoring(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    with app.uow() as uow:
        rounds = _live_rounds(uow, now, config)
        work: list[tuple[str, int, int]] = []
        for r in rounds:
            facts = _round_facts(uow, r)
            assert r.id is not None
            mentees = uow.repo.people(sorted({i.mentee_id for i in facts.introductions}))
            mentors = uow.repo.people(sorted({i.mentor_id for i in facts.introductions}))
            regs = {reg.person_id: reg for reg in uow.repo.registrations(r.id)}
            for mentee in mentees.values():
                assert mentee.id is not None
                reg = regs.get(mentee.id)
                has_pairing = mentee.id in facts.paired_mentees
                kw = _facts_kw(facts, has_pairing, now, config)
                if timeline.contact_nudge_day(mentee, reg, **kw) is not None:
                    work.append(("contact", r.id, mentee.id))
                if timeline.decide_step(mentee, reg, **kw) is not None:
                    work.append(("decide", r.id, mentee.id))
            for mentor in mentors.values():
                if timeline.mentor_unreported_mentees(
                    mentor, facts.introductions, facts.approaches, now, config
                ):
                    assert mentor.id is not None
                    work.append(("mentor-check", r.id, mentor.id))
    for kind, round_id, person_id in work:
        step = partial(
            _speed_step, kind=kind, round_id=round_id, person_id=person_id, now=now, cfg=config
        )
        _apply(app, report, kind, step)


def _facts_kw(
    facts: _RoundFacts, has_pairing: bool, now: datetime, config: ProgrammeConfig
) -> dict[str, Any]:
    return {
        "introductions": facts.introductions,
        "approaches": facts.approaches,
        "has_pairing": has_pairing,
        "now": now,
        "config": config,
    }


def _speed_step(
    uow: UnitOfWork,
    *,
    kind: str,
    round_id: int,
    person_id: int,
    now: datetime,
    cfg: ProgrammeConfig,
) -> list[Email]:
    round_ = uow.repo.round(round_id)
    person = uow.repo.person(person_id)
    if round_ is None or person is None or person.erased:
        return []
    facts = _round_facts(uow, round_)
    reg = _reg(uow, round_id, person_id)
    has_pairing = person_id in facts.paired_mentees
    kw = _facts_kw(facts, has_pairing, now, cfg)
    live = [
        i
        for i in facts.introductions
        if i.mentee_id == person_id and i.status in timeline.LIVE_INTRODUCTIONS
    ]
    if kind == "contact":
        day = timeline.contact_nudge_day(person, reg, **kw)
        if day is None:
            return []
        sent = timeline.matches_sent_at(live)
        assert sent is not None
        context = {
            "day": day,
            "contact_by": sent + timeline.days(cfg.timings.speed_window),
            "mentors": _mentor_list(uow, live, cfg),
        }
        key = f"contact-nudge:{round_id}:{person_id}:{day}"
        return [email_to(person, "contact_nudge", key, uow, context=context)]
    if kind == "decide":
        step = timeline.decide_step(person, reg, **kw)
        if step is None:
            return []
        template = "decide_long_term" if step is timeline.DecideStep.DECIDE else "decide_reminder"
        key = f"{step.value}:{round_id}:{person_id}"
        context = {"mentors": _mentor_list(uow, live, cfg)}
        return [email_to(person, template, key, uow, context=context)]
    unreported = timeline.mentor_unreported_mentees(
        person, facts.introductions, facts.approaches, now, cfg
    )
    if not unreported:
        return []
    found = uow.repo.people([i.mentee_id for i in unreported])
    mentees = [
        {"number": n, "name": found[i.mentee_id].name}
        for n, i in enumerate(sorted(unreported, key=lambda i: i.id or 0), start=1)
        if i.mentee_id in found
    ]
    key = f"mentor-contact-check:{round_id}:{person_id}"
    return [email_to(person, "mentor_contact_check", key, uow, context={"mentees": mentees})]


# --- approaches -----------------------------------------------------------------------------


def _approaches(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    with app.uow() as uow:
        due = [
            a.id
            for a in uow.repo.all_pending_approaches()
            if a.id is not None and timeline.approach_step(a, now, config) is not None
        ]
    for approach_id in due:
        step = partial(_approach_step, approach_id=approach_id, now=now, cfg=config)
        _apply(app, report, "approach", step)


def _approach_step(
    uow: UnitOfWork, *, approach_id: int, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    approach = uow.repo.approach(approach_id)
    if approach is None:
        return []
    step = timeline.approach_step(approach, now, cfg)
    mentor = uow.repo.person(approach.mentor_id)
    mentee = uow.repo.person(approach.mentee_id)
    if step is None or mentor is None or mentee is None:
        return []
    mentee_card = _partner(uow, mentee, approach.round_id, cfg)
    if step is timeline.ApproachStep.REMINDER:
        if mentor.erased or timeline.away(mentor, now, cfg):
            return []
        reg = _reg(uow, approach.round_id, approach.mentor_id)
        context = {
            "mentee": mentee_card,
            "reply_by": rules.approach_deadline(approach, cfg),
            "long_term_places": reg.long_term_capacity if reg else 1,
        }
        key = f"approach-reminder:{approach_id}"
        purpose = of(PurposeKind.APPROACH, approach_id)
        return [email_to(mentor, "approach_reminder", key, uow, context=context, purpose=purpose)]
    rules.expire_approach(approach, now)
    uow.audit("approach.expired", f"approach:{approach_id}", {"status": "expired"})
    emails = []
    if not mentee.erased:
        asked = {a.mentor_id for a in uow.repo.approaches_of_mentee(mentee.id or 0)}
        others = [
            {"number": i.number, "name": m.name}
            for i in uow.repo.introductions_of(approach.mentee_id, approach.round_id)
            if i.mentee_id == approach.mentee_id
            and i.mentor_id not in asked
            and i.status in timeline.LIVE_INTRODUCTIONS
            and (m := uow.repo.person(i.mentor_id)) is not None
            and not m.erased
        ]
        context = {"mentor": _partner(uow, mentor, approach.round_id, cfg), "other_mentors": others}
        emails.append(
            email_to(
                mentee,
                "approach_expired_mentee",
                f"approach-expired:{approach_id}:mentee",
                uow,
                context=context,
            )
        )
    if not mentor.erased:
        emails.append(
            email_to(
                mentor,
                "approach_expired_mentor",
                f"approach-expired:{approach_id}:mentor",
                uow,
                context={"mentee": mentee_card},
            )
        )
    return emails


# --- pairings ---------------------------------------------------------------------------------


def _aware(moment: datetime | None) -> datetime | None:
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


def _facts(uow: UnitOfWork, pairing: Pairing) -> timeline.PairingFacts | None:
    mentor = uow.repo.person(pairing.mentor_id)
    mentee = uow.repo.person(pairing.mentee_id)
    if mentor is None or mentee is None:
        return None
    last_met = uow.session.scalar(
        select(func.max(meetings.c.created_at)).where(meetings.c.pairing_id == pairing.id)
    )
    return timeline.PairingFacts(pairing, mentor, mentee, _aware(last_met))


def _pairing_rule_due(
    facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig
) -> bool | list[str]:
    """Whether any pairing rule has something to do: asked of every active pairing each
    day, so that a quiet day costs a few queries instead of five transactions a pairing.
    When none is due nothing changes, so no rule can become due through another.

    The guidance emails and the end-of-programme notice stay "due" for weeks and are
    sent once by their dedupe keys: for those the keys are returned, and the pairing is
    due only while one of them is not in the outbox yet."""
    p = facts.pairing
    end = timeline.end_step(p, now, cfg)
    if (
        end is timeline.EndStep.COMPLETE
        or timeline.stale_step(facts, now, cfg) is not None
        or timeline.ladder_step(facts, now, cfg) is not None
        or timeline.check_in_due(facts, now, cfg) is not None
    ):
        return True
    keys = []
    if end is timeline.EndStep.NOTIFY:
        keys.append(f"programme-end:{p.id}:{p.period}")
    guidance = timeline.guidance_step(p, now, cfg)
    if guidance is not None:
        keys.append(f"guidance:{p.id}:{guidance}")
    # The same keys `_both` gives each side's email.
    return [f"{key}:{side}" for key in keys for side in (p.mentor_id, p.mentee_id)]


def _due_pairings(uow: UnitOfWork, now: datetime, cfg: ProgrammeConfig) -> list[int]:
    active = [p for p in uow.repo.all_active_pairings() if p.id is not None]
    found = uow.repo.people(sorted({p.mentor_id for p in active} | {p.mentee_id for p in active}))
    rows = uow.session.execute(
        select(meetings.c.pairing_id, func.max(meetings.c.created_at))
        .where(meetings.c.pairing_id.in_([p.id for p in active]))
        .group_by(meetings.c.pairing_id)
    )
    last_met = dict(rows.all())
    due: list[int] = []
    waiting: dict[int, list[str]] = {}
    for p in active:
        mentor, mentee = found.get(p.mentor_id), found.get(p.mentee_id)
        if mentor is None or mentee is None:
            continue
        assert p.id is not None
        facts = timeline.PairingFacts(p, mentor, mentee, _aware(last_met.get(p.id)))
        answer = _pairing_rule_due(facts, now, cfg)
        if answer is True:
            due.append(p.id)
        elif answer:
            waiting[p.id] = answer
    wanted = [key for keys in waiting.values() for key in keys]
    queued = set(
        uow.session.scalars(
            select(outbound_messages.c.dedupe_key).where(outbound_messages.c.dedupe_key.in_(wanted))
        )
        if wanted
        else ()
    )
    due += [pid for pid, keys in waiting.items() if not queued.issuperset(keys)]
    return sorted(due)


def _pairings(app: App, now: datetime, report: DueReport) -> None:
    with app.uow() as uow:
        ids = _due_pairings(uow, now, app.config)
    for pairing_id in ids:
        # Each rule in its own transaction, in this order: an ending comes before a nudge.
        for rule, step_fn in (
            ("programme-end", _end_step),
            ("stale", _stale_step),
            ("ladder", _ladder_step),
            ("check-in", _check_in_step),
            ("guidance", _guidance_step),
        ):
            step = partial(
                _pairing_step, pairing_id=pairing_id, fn=step_fn, now=now, cfg=app.config
            )
            _apply(app, report, rule, step)


PairingStep = Callable[[UnitOfWork, timeline.PairingFacts, datetime, ProgrammeConfig], list[Email]]


def _pairing_step(
    uow: UnitOfWork, *, pairing_id: int, fn: PairingStep, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    pairing = uow.repo.pairing(pairing_id)
    if pairing is None or not pairing.active:
        return []
    facts = _facts(uow, pairing)
    return fn(uow, facts, now, cfg) if facts is not None else []


def _both(
    uow: UnitOfWork,
    facts: timeline.PairingFacts,
    template: str,
    key: str,
    cfg: ProgrammeConfig,
    *,
    extra: Callable[[Person], dict[str, Any]] | None = None,
    purpose: Purpose | None = None,
) -> list[Email]:
    """The same email to both sides, each with the other as `partner`."""
    p = facts.pairing
    # Bind replies to this pairing: someone in two pairings answering MET to a check-in
    # means this one.
    purpose = purpose or of(PurposeKind.PAIRING, p.id)
    emails = []
    for me, other in ((facts.mentor, facts.mentee), (facts.mentee, facts.mentor)):
        if me.erased or uow.repo.outbound_by_key(f"{key}:{me.id}") is not None:
            continue  # queued on an earlier day: the outbox would drop it anyway
        context = {
            "role": _role(p, me.id or 0),
            "partner": _partner(uow, other, p.round_id, cfg),
            **(extra(me) if extra else {}),
        }
        emails.append(
            email_to(me, template, f"{key}:{me.id}", uow, context=context, purpose=purpose)
        )
    return emails


def _guidance_step(
    uow: UnitOfWork, facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    p = facts.pairing
    index = timeline.guidance_step(p, now, cfg)
    if index is None:
        return []
    template = timeline.guidance_template(index)
    return _both(uow, facts, template, f"guidance:{p.id}:{index}", cfg)


def _check_in_step(
    uow: UnitOfWork, facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    p = facts.pairing
    due = timeline.check_in_due(facts, now, cfg)
    if due is None:
        return []
    p.last_check_in_at = now
    p.unanswered_check_ins = due.unanswered
    subject = f"pairing:{p.id}"
    if due.silent_id is not None:
        _start_ladder(p, due.silent_id, now)
        uow.audit("pairing.ladder_started", subject, {"silent": due.silent_id, "by": "check-in"})
    if due.stale:
        p.stale_warned_at = now
        uow.audit("pairing.stale_warned", subject, {"unanswered": due.unanswered})
        closes_on = timeline.stale_closes_at(p, cfg)
        return _both(
            uow,
            facts,
            "stale_warning",
            f"stale-warning:{p.id}:{due.number}",
            cfg,
            extra=lambda _me: {"closes_on": closes_on},
        )
    uow.audit("pairing.check_in", subject, {"number": due.number, "unanswered": due.unanswered})
    assert p.id is not None
    met = uow.repo.distinct_meetings(p.id)
    totals = {
        "meetings_logged": len(met),
        "hours_logged": _hours(uow, p),
        "last_met": met[-1].met_on if met else None,
    }
    emails = []
    for email in _both(uow, facts, "check_in", f"check-in:{p.id}:{due.number}", cfg):
        person = facts.person(email.to.person_id or 0)
        # Paused, not lost: someone away gets no check-in this time; the next one comes.
        if not timeline.away(person, now, cfg):
            emails.append(replace(email, context={**email.context, **totals}))
    return emails


def _start_ladder(pairing: Pairing, silent_id: int, now: datetime) -> None:
    pairing.silent_id = silent_id
    pairing.ladder_started_at = now
    pairing.nudges_sent = 0
    pairing.last_nudge_at = None


def _clear_ladder(pairing: Pairing) -> None:
    pairing.silent_id = None
    pairing.ladder_started_at = None
    pairing.nudges_sent = 0
    pairing.last_nudge_at = None


def _stale_step(
    uow: UnitOfWork, facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    p = facts.pairing
    step = timeline.stale_step(facts, now, cfg)
    if step is None:
        return []
    subject = f"pairing:{p.id}"
    if step is timeline.StaleStep.REVIVED:
        p.stale_warned_at = None
        p.unanswered_check_ins = 0
        uow.audit("pairing.revived", subject)
        return []
    hours = _hours(uow, p)
    rules.end_pairing(p, EndReason.STALE, now)
    uow.audit("pairing.ended", subject, {"reason": EndReason.STALE.value})
    return _both(
        uow,
        facts,
        "stale_closed",
        f"stale-closed:{p.id}",
        cfg,
        extra=lambda _me: {"hours_logged": hours},
    )


def _ladder_step(
    uow: UnitOfWork, facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    p = facts.pairing
    step = timeline.ladder_step(facts, now, cfg)
    if step is None or p.silent_id is None:
        return []
    subject = f"pairing:{p.id}"
    silent = facts.person(p.silent_id)
    other = facts.person(p.partner_of(p.silent_id))
    if step is timeline.LadderStep.CLEAR:
        _clear_ladder(p)
        uow.audit("pairing.ladder_cleared", subject)
        return []
    started = p.ladder_started_at or now
    if step is timeline.LadderStep.NUDGE:
        p.nudges_sent += 1
        p.last_nudge_at = now
        if p.ladder_started_at is None:
            p.ladder_started_at = now
        uow.audit("pairing.nudged", subject, {"silent": p.silent_id, "nudge": p.nudges_sent})
        if silent.erased:
            return []
        context = {
            "partner": _partner(uow, other, p.round_id, cfg),
            "nudge_number": p.nudges_sent,
            "nudges_total": cfg.timings.unresponsive_nudges,
            # The wording differs: their partner told us (NOT RESPONDING), or we noticed
            # that only one side answered the check-ins. Neither blames anyone.
            "reported_by_partner": _reported_by_partner(uow, p),
        }
        key = f"unresponsive-nudge:{p.id}:{started:%Y%m%dT%H%M}:{p.nudges_sent}"
        return [email_to(silent, "unresponsive_nudge", key, uow, context=context)]
    # Nudges used up: unpair without blame, tell both kindly and the coordinators plainly.
    hours = _hours(uow, p)
    silent_id = p.silent_id
    rules.end_pairing(p, EndReason.UNRESPONSIVE, now)
    uow.audit("pairing.ended", subject, {"reason": EndReason.UNRESPONSIVE.value})
    emails = _both(
        uow,
        facts,
        "unpaired_notice",
        f"unpaired-notice:{p.id}",
        cfg,
        extra=lambda _me: {"hours_logged": hours, "new_choice_follows": False},
    )
    silent_role = _role(p, silent_id)
    tz = cfg.programme.timezone
    emails += to_coordinators(
        f"escalation:unresponsive:{p.id}",
        "coordinator_escalation",
        cfg,
        {
            "kind": "unresponsive",
            "subject_detail": f"{facts.mentor.name} and {facts.mentee.name}",
            "summary": (
                f"The {silent_role} did not answer {p.nudges_sent} reminders, so the"
                " partnership has been ended without blame and both have been told."
            ),
            "details": [
                ("Mentor", f"{facts.mentor.name} <{facts.mentor.email}>"),
                ("Mentee", f"{facts.mentee.name} <{facts.mentee.email}>"),
                ("Quiet since", rules.day(started, tz)),
                ("Reminders sent", str(p.nudges_sent)),
            ],
            "actions": [],
        },
    )
    return emails


def _reported_by_partner(uow: UnitOfWork, pairing: Pairing) -> bool:
    """Did the partner start this ladder with NOT RESPONDING (not the check-ins)?"""
    started = uow.repo.latest_audit("pairing.ladder_started", f"pairing:{pairing.id}")
    return started is not None and "reported_by" in started.detail


def _end_step(
    uow: UnitOfWork, facts: timeline.PairingFacts, now: datetime, cfg: ProgrammeConfig
) -> list[Email]:
    p = facts.pairing
    step = timeline.end_step(p, now, cfg)
    if step is None:
        return []
    if step is timeline.EndStep.COMPLETE:
        rules.end_pairing(p, EndReason.COMPLETED, now)
        uow.audit("pairing.ended", f"pairing:{p.id}", {"reason": EndReason.COMPLETED.value})
        return []
    assert p.id is not None
    totals = {
        "started_on": p.started_at,
        "total_meetings": len(uow.repo.distinct_meetings(p.id)),
        "total_hours": _hours(uow, p),
    }
    return _both(
        uow,
        facts,
        "programme_end",
        f"programme-end:{p.id}:{p.period}",
        cfg,
        extra=lambda _me: totals,
        purpose=of(PurposeKind.CONTINUE, p.id),
    )


# --- data retention ---------------------------------------------------------------------------


def _retention(app: App, now: datetime, report: DueReport) -> None:
    config = app.config
    wait = timeline.days(config.timings.data_retention_after_round)
    with app.uow() as uow:
        # Someone is due only after each of their rounds has ended and the wait passed:
        # while no round has got that far, nobody is (one query instead of one a person).
        if not any(now >= timeline.round_ends_at(r, config) + wait for r in uow.repo.rounds()):
            return
        ids = uow.session.scalars(
            select(people.c.id)
            .where(people.c.erased_at.is_(None))
            .where(people.c.id.in_(select(registrations.c.person_id)))
        ).all()
        candidates = [pid for pid in ids if _retention_due(uow, pid, now, config)]
    for person_id in candidates:

        def step(uow: UnitOfWork, person_id: int = person_id) -> list[Email]:
            # Asked again inside the transaction: the person may have acted meanwhile.
            if not _retention_due(uow, person_id, now, config):
                return []
            person = uow.repo.person(person_id)
            assert person is not None
            # No notice to anyone: nobody is in a live relationship with them any more.
            privacy.erase_person(uow, person, now, by="retention")
            return []

        _apply(app, report, "retention", step)


def _retention_due(uow: UnitOfWork, person_id: int, now: datetime, cfg: ProgrammeConfig) -> bool:
    person = uow.repo.person(person_id)
    if person is None:
        return False
    round_ids = {r.round_id for r in uow.repo.registrations_of(person_id)}
    rounds = [r for r in (uow.repo.round(i) for i in round_ids) if r is not None]
    return timeline.retention_due(person, rounds, uow.repo.pairings_of(person_id), now, cfg)
