"""The timeline: what the service did, told in dated lines, from its own records.

The narrator reads what is new in the audit trail (state changes), the outbox (emails
the time-based rules sent, which change no state) and the inbound records (what was set
aside or refused), and says it in words with names. The audit trail holds ids only;
names are resolved here, for the person watching the demo. A characteristic is never
read, so it can never be printed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from service.app import App
from service.domain.model import AuditEvent
from service.store.unit_of_work import UnitOfWork

# Emails sent by the time-based rules (no state change of their own): their gist.
AUTOMATIC = {
    "confirm_reminder": "reminder to confirm their address",
    "registration_closing_soon": "“registration closes soon” reminder",
    "contact_nudge": "“have you contacted your mentors?” nudge",
    "mentor_contact_check": "“has your mentee been in touch?” check",
    "decide_long_term": "“time to choose a long-term mentor” email",
    "decide_reminder": "reminder to choose a long-term mentor",
    "approach_reminder": "reminder to answer a mentee's request",
    "guidance_ground_rules": "guidance email (ground rules)",
    "guidance_learning_contract": "guidance email (learning contract)",
    "guidance_grow": "guidance email (the GROW model)",
    "guidance_feedback": "guidance email (feedback)",
    "programme_end": "end-of-programme email with the feedback form",
    "coordinator_digest": "coordinators' daily digest",
}
# Grouped per day into one line rather than one line per person: (singular, plural).
GROUPED = {
    "registration.created": ("1 person registered", "{n} people registered"),
    "registration.confirmed": (
        "1 person confirmed their place",
        "{n} people confirmed their place",
    ),
    "introduction.met": ("1 speed-mentoring session (MET)", "{n} speed-mentoring sessions (MET)"),
    "pairing.check_in": (
        "Check-in email to 1 mentoring pair",
        "Check-in emails to {n} mentoring pairs",
    ),
    "feedback.given": (
        "1 participant said how useful their mentoring is, from 1 to 5",
        "{n} participants said how useful their mentoring is, from 1 to 5",
    ),
}
# How the pipeline records a low feedback score it set aside for the coordinators
# (handlers.feedback.attention): "feedback: low score 2 of 5 for pairing 9 (...)".
LOW_SCORE = "feedback: low score "


@dataclass
class Line:
    """One dated line. A grouped line gathers several happenings of one day: `text` and
    `plural` are then its head ("{n}" is the count) and `items` are listed after it,
    or only counted when there are more than `most`."""

    day: date
    text: str
    plural: str = ""
    items: list[str] = field(default_factory=list)
    joiner: str = ": "
    most: int | None = 12  # None: the count alone

    def render(self) -> str:
        if not self.plural:
            return self.text
        n = len(self.items)
        head = (self.text if n == 1 else self.plural).format(n=n)
        if self.most is None:
            return head
        if n > self.most:
            return f"{head}{self.joiner}{n} people"
        return head + self.joiner + ", ".join(self.items)


def _aware(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes; everything the service stores is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _id(subject: str) -> int:
    try:
        return int(subject.rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0


def _plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


class Narrator:
    def __init__(self, app: App) -> None:
        self.app = app
        self.tz = ZoneInfo(app.config.programme.timezone)
        self.lines: list[Line] = []
        self._audit = 0
        self._outbound = 0
        self._inbound = 0
        self._groups: dict[tuple[date, str], Line] = {}
        # Names by person id, read once; forgotten whenever a day's events touch a
        # person or a registration (a form sent again may correct a name).
        self._names: dict[int, str] = {}

    # --- names ---------------------------------------------------------------------------
    def _name(self, uow: UnitOfWork, person_id: object) -> str:
        if not isinstance(person_id, int):
            return "someone"
        if person_id not in self._names:
            person = uow.repo.person(person_id)
            if person is None or person.erased:
                self._names[person_id] = "a former participant"
            else:
                self._names[person_id] = person.name or person.email
        return self._names[person_id]

    def _pair(self, uow: UnitOfWork, pairing_id: int) -> tuple[str, str]:
        p = uow.repo.pairing(pairing_id)
        if p is None:
            return "a mentor", "a mentee"
        return self._name(uow, p.mentor_id), self._name(uow, p.mentee_id)

    def _day(self, moment: datetime) -> date:
        return _aware(moment).astimezone(self.tz).date()

    # --- reading what is new -------------------------------------------------------------
    def catch_up(self) -> None:
        with self.app.uow() as uow:
            events = list(uow.repo.audit_after(self._audit))
            if any(e.action.startswith(("person.", "registration.")) for e in events):
                self._names.clear()  # a name may have changed or been erased: read again
            if events:
                self._audit = events[-1].id or self._audit
                self._events(uow, events)
            self._automatic_mail(uow)
            self._inbound_mail(uow)

    def _grouped(
        self,
        day: date,
        key: str,
        item: str,
        one: str,
        many: str,
        *,
        joiner: str = ": ",
        most: int | None = 12,
    ) -> None:
        """Add `item` to the day's line for `key`, starting that line if need be."""
        line = self._groups.get((day, key))
        if line is None:
            line = self._groups[(day, key)] = Line(day, one, many, [], joiner, most)
            self.lines.append(line)
        line.items.append(item)

    def _events(self, uow: UnitOfWork, events: list[AuditEvent]) -> None:
        for event in events:
            day = self._day(event.at)
            if event.action in GROUPED:
                one, many = GROUPED[event.action]
                item = self._item(uow, event)
                most = None if event.action == "pairing.check_in" else 12
                self._grouped(day, event.action, item, one, many, most=most)
                continue
            text = self._event(uow, event)
            if text:
                self.lines.append(Line(day, text))

    def _item(self, uow: UnitOfWork, event: AuditEvent) -> str:
        """What a grouped line lists for one event."""
        if event.action == "introduction.met":
            i = uow.repo.introduction(_id(event.subject))
            if i is None:
                return "a session"
            return f"{self._name(uow, i.mentee_id)} with {self._name(uow, i.mentor_id)}"
        if event.action.startswith("registration."):
            reg = uow.repo.registration_by_id(_id(event.subject))
            name = self._name(uow, reg.person_id) if reg else "someone"
            roles = str(event.detail.get("roles", "")).replace(",", " and ")
            return f"{name} ({roles})" if roles and event.action.endswith("created") else name
        if event.action == "feedback.given":
            who = self._name(uow, _id(event.actor))
            score = event.detail.get("score")
            return f"{who} ({score})" if score is not None else f"{who} (a comment, no score)"
        return event.subject

    def _event(self, uow: UnitOfWork, e: AuditEvent) -> str | None:
        a, d = e.action, e.detail
        handler = getattr(self, "_" + a.replace(".", "_"), None)
        if handler is None:
            return None
        text: str | None = handler(uow, e, d)
        return text

    # One method per audit action worth a line; each returns the sentence.
    def _round_created(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        return "Coordinators created the round; registrations are open"

    def _round_closed(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        return "Registrations closed"

    def _round_matched(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        how = "the exact optimum" if d.get("exact") else "a near-optimal match"
        return f"Matching stored {d.get('introductions', 0)} speed-mentoring introductions ({how})"

    def _round_matches_sent(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        emails = _plural(int(str(d.get("emails", 0))), "email")
        return f"Match emails sent to mentees and mentors ({emails})"

    def _registration_updated(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        reg = uow.repo.registration_by_id(_id(e.subject))
        who = self._name(uow, reg.person_id) if reg else "someone"
        return f"{who} sent the form again; their registration was updated"

    def _registration_withdrawn(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        reg = uow.repo.registration_by_id(_id(e.subject))
        who = self._name(uow, reg.person_id) if reg else "someone"
        return f"{who} withdrew from the programme (WITHDRAW)"

    def _introduction_not_contacted(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        i = uow.repo.introduction(_id(e.subject))
        if i is None:
            return "A mentor said a mentee has not been in touch"
        mentor, mentee = self._name(uow, i.mentor_id), self._name(uow, i.mentee_id)
        return f"{mentor} said {mentee} has not been in touch (NOT CONTACTED)"

    def _approach(self, uow: UnitOfWork, e: AuditEvent) -> tuple[str, str]:
        a = uow.repo.approach(_id(e.subject))
        if a is None:
            return "a mentee", "a mentor"
        return self._name(uow, a.mentee_id), self._name(uow, a.mentor_id)

    def _approach_opened(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentee, mentor = self._approach(uow, e)
        return f"{mentee} asked {mentor} to be their long-term mentor (KEEP)"

    def _approach_declined(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentee, mentor = self._approach(uow, e)
        return f"{mentor} declined {mentee}'s request; {mentee} may ask another mentor"

    def _approach_expired(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentee, mentor = self._approach(uow, e)
        return f"{mentor} did not answer {mentee}'s request in time: it expired"

    def _approach_withdrawn(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentee, mentor = self._approach(uow, e)
        return f"{mentee}'s request to {mentor} was withdrawn"

    def _pairing_started(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentor, mentee = self._pair(uow, _id(e.subject))
        return f"{mentor} accepted: {mentor} and {mentee} start a long-term mentoring partnership"

    def _meeting_logged(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentor, mentee = self._pair(uow, _id(e.subject))
        return f"{mentee} and {mentor} met for {d.get('minutes', '?')} minutes (MET)"

    def _pairing_ladder_started(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        silent = self._name(uow, d.get("silent"))
        if d.get("by") == "check-in":
            return f"{silent} has not answered the check-ins their partner answered: nudges begin"
        mentor, mentee = self._pair(uow, _id(e.subject))
        reporter = mentee if silent == mentor else mentor
        return f"{reporter} reported {silent} NOT RESPONDING: nudges begin"

    def _pairing_nudged(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        return f"Nudge {d.get('nudge', '')} sent to {self._name(uow, d.get('silent'))}"

    def _pairing_ladder_cleared(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentor, mentee = self._pair(uow, _id(e.subject))
        return f"{mentor} and {mentee} are in touch again: the nudges stop"

    def _pairing_stale_warned(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentor, mentee = self._pair(uow, _id(e.subject))
        return f"{mentor} and {mentee} answered no check-ins: a kind warning to both"

    def _pairing_revived(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentor, mentee = self._pair(uow, _id(e.subject))
        return f"{mentor} and {mentee} replied after the warning: the partnership goes on"

    def _pairing_continued(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentor, mentee = self._pair(uow, _id(e.subject))
        return f"{mentor} and {mentee} chose to CONTINUE for another period"

    ENDINGS = {
        "unpaired_by_mentee": "the mentee UNPAIRed",
        "unpaired_by_mentor": "the mentor UNPAIRed",
        "unpaired_by_coordinator": "a coordinator unpaired them",
        "unresponsive": "no answer after two nudges; coordinators told, unpaired without blame",
        "stale": "no contact after the warning; closed with a kind note",
        "completed": "programme year completed",
        "withdrawn": "one of them withdrew",
        "data_erased": "personal data erased",
    }

    def _pairing_ended(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        mentor, mentee = self._pair(uow, _id(e.subject))
        p = uow.repo.pairing(_id(e.subject))
        reason = str(d.get("reason") or (p.end_reason.value if p and p.end_reason else ""))
        why = self.ENDINGS.get(reason, reason)
        return f"Partnership of {mentor} and {mentee} ended: {why}"

    def _mentee_may_choose_again(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        _, mentee = self._pair(uow, _id(e.subject))
        return f"{mentee} may choose another long-term mentor"

    def _mentee_kept_none(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        reg = uow.repo.registration_by_id(_id(e.subject))
        who = self._name(uow, reg.person_id) if reg else "A mentee"
        return f"{who} chose not to continue with a long-term mentor (NONE)"

    def _person_away(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        until = date.fromisoformat(str(d.get("until")))
        who = self._name(uow, _id(e.subject))
        return f"Out-of-office from {who}: not answered; their nudges wait until {until:%-d %b}"

    def _person_bouncing(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        who = self._name(uow, _id(e.subject))
        return f"Mail to {who} bounced: coordinators told, no more mail to that address"

    def _person_exported(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        return f"{self._name(uow, _id(e.subject))} asked for their data (MY DATA) and got a copy"

    def _person_erasure_asked(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        return f"{self._name(uow, _id(e.subject))} asked us to delete their data: asked to confirm"

    def _person_erased(self, uow: UnitOfWork, e: AuditEvent, d: dict[str, Any]) -> str:
        return "A participant's personal data was erased"

    # --- mail without a state change -------------------------------------------------------
    def _automatic_mail(self, uow: UnitOfWork) -> None:
        rows = uow.repo.sent_after(self._outbound)
        if not rows:
            return
        self._outbound = rows[-1].id
        for _, template, created, person_id, address, _ in rows:
            day = self._day(created)
            if template == "coordinator_digest":
                self.lines.append(Line(day, "Coordinators' daily digest sent"))
            elif template == "registration_problems":
                self.lines.append(
                    Line(day, f"A form with problems: {address} was told what to correct")
                )
            elif template in AUTOMATIC:
                who = self._name(uow, person_id) if person_id else address
                what = f"Sent the {AUTOMATIC[template]} to"
                self._grouped(day, f"mail:{template}", who, what, what, joiner=" ", most=5)

    def _inbound_mail(self, uow: UnitOfWork) -> None:
        rows = uow.repo.received_after(self._inbound)
        if not rows:
            return
        self._inbound = rows[-1].id
        for _, status, kind, reason, person_id, at in rows:
            who = self._name(uow, person_id) if person_id else "an unknown sender"
            day = self._day(at)
            if status == "needs_attention" and str(reason).startswith(LOW_SCORE):
                score = str(reason).removeprefix(LOW_SCORE).split()[0]
                self.lines.append(
                    Line(
                        day,
                        f"{who} scored their mentoring {score} of 5: thanked, and the"
                        " partnership is on the coordinators' needs-attention list",
                    )
                )
            elif status == "needs_attention" and person_id:
                self.lines.append(
                    Line(
                        day,
                        f"{who}'s email went to needs-attention for a coordinator ({reason});"
                        " they were told so",
                    )
                )
            elif status == "needs_attention":
                self.lines.append(Line(day, f"Needs attention (from {who}): {reason}"))
            elif str(reason).startswith("refused: "):
                self.lines.append(Line(day, f"Refused {who}'s request: {reason[9:]}"))
            elif str(reason) in ("command: status", "command: help"):
                verb = str(reason).split(": ")[1].upper()
                self.lines.append(Line(day, f"{who} asked {verb}; the answer went back at once"))
            elif kind == "form" and "problem" in str(reason).lower():
                self.lines.append(Line(day, f"A form had problems: {reason}"))
            elif status == "ignored" and kind != "auto_reply":
                self.lines.append(Line(day, f"Ignored (from {who}): {reason}"))
