"""The programme year the demo plays, as people's actions in a diary.

Registration (forms, some broken, one forged; confirmations; two who never confirm, one
of whom bounces), the coordinators closing, matching and sending the round, speed
mentoring (MET, a NOT CONTACTED), choosing a long-term mentor (KEEP, ACCEPT, a DECLINE,
a request left to expire, a NONE), and a year of partnerships, each with a fate: regular
meetings, an UNPAIR, a partner NOT RESPONDING, one gone stale, a WITHDRAW, one that
CONTINUEs. Along the way: an out-of-office, STATUS, MY DATA and an unclear question.

Every reply answers a real email the service sent, found in the sent Maildir; what
happens next is decided by the service, and read back from its records.
"""

from __future__ import annotations

import random
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from service.demo.agenda import Action, Agenda
from service.demo.feedback import Answers
from service.demo.letters import FORGER, Sent
from service.demo.people import Participant
from service.demo.world import World
from service.domain.model import ApproachStatus, IntroductionStatus, RegistrationStatus
from service.purpose import Purpose, PurposeKind, of
from service.round_matching import commit, propose, send_matches
from service.rounds import close_round, create_round

ROUND = "2026"
START = date(2026, 3, 2)  # a Monday: the round opens
CLOSE_AFTER = 18  # days: the window closes on a Friday afternoon
MATCH_AFTER = 21
SEND_AFTER = 22

# What becomes of each partnership, in the order they start: the first few show the
# interesting endings, the rest meet regularly until the programme year is over.
FATES = ("unpair", "regular", "silent", "continue", "stale", "withdraw")

MEETING_WORDS = (
    "MET 45 mins yesterday",
    "Met 1 hour yesterday",
    "MET 45 mins yesterday, thank you!",
    "met 90 minutes yesterday",
    "Met 30 mins yesterday",
    "MET 1 hour",
)
# Emails of a partnership a participant may reply to when logging a meeting.
PAIRING_MAIL = (
    "pairing_started",
    "check_in",
    "meeting_logged",
    "guidance_ground_rules",
    "guidance_learning_contract",
    "guidance_grow",
    "guidance_feedback",
    "unresponsive_nudge",
    "stale_warning",
    "status",
    "problem_answer",
    "question_received",
    "continue_confirmed",
)
CHOOSING_MAIL = (
    "decide_reminder",
    "decide_long_term",
    "approach_declined",
    "approach_expired_mentee",
    "new_choice",
    "matches_mentee",
)


@dataclass
class Pair:
    pairing_id: int
    mentor: Participant
    mentee: Participant
    started: date
    fate: str


class Year:
    def __init__(self, world: World, people: list[Participant], seed: int) -> None:
        self.world = world
        self.people = people
        self.rng = random.Random(seed)
        self.agenda = Agenda(world)
        self.feedback = Answers(world, self.agenda, seed)
        self.by_email = {p.email: p for p in people}
        self.pairs: list[Pair] = []
        self.fates = deque(FATES)
        self.approaches_made = 0
        self.ids: dict[str, int] = {}
        self.last_start = START

    # --- helpers ---------------------------------------------------------------------------
    def day(self, offset: int) -> date:
        return START + timedelta(days=offset)

    def later(self, days: int, action: Action, *, hour: int | None = None) -> None:
        """Put `action` in the diary `days` from today, at a plausible hour."""
        when = self.world.local(self.world.now).date() + timedelta(days=days)
        h = hour if hour is not None else self.rng.randrange(9, 17)
        self.agenda.on(when, action, hour=h, minute=self.rng.randrange(0, 60))

    def reply(self, who: Participant, templates: tuple[str, ...], body: str) -> bool:
        return self.world.reply(self.world.latest(who.email, *templates), body)

    def person_id(self, who: Participant) -> int:
        if who.email not in self.ids:
            with self.world.app.uow() as uow:
                person = uow.repo.person_by_email(who.email)
                assert person is not None and person.id is not None
                self.ids[who.email] = person.id
        return self.ids[who.email]

    # --- the year ------------------------------------------------------------------------
    def play(self) -> datetime:
        """Play the whole year; returns the final moment."""
        self.registration()
        self.agenda.run_until(self.world.moment(self.day(SEND_AFTER + 75), 18))
        # Every partnership has started by now: run to just after the last one's year
        # (and its fortnight to CONTINUE) is over.
        t = self.world.config.timings
        end_day = self.last_start + timedelta(
            days=t.programme_length + t.continue_within_after_end + 2
        )
        end = self.world.moment(end_day, 12)
        self.agenda.run_until(end)
        return end

    # --- registration ------------------------------------------------------------------------
    def registration(self) -> None:
        a = self.agenda
        a.on(self.day(0), self.open_round, hour=8, minute=30)
        workdays = [self.day(d) for d in range(0, 12) if self.day(d).weekday() < 5]
        mentees = [p for p in self.people if p.roles == "Mentee"]
        aa = next((p for p in mentees if p.grade == "AA"), None)
        typo = mentees[1] if len(mentees) > 1 else None
        never = [p for p in reversed(mentees) if p not in (aa, typo)][:2]
        bounce = never[0] if never else None
        for i, p in enumerate(self.people):
            day = workdays[i * len(workdays) // len(self.people)]
            minute = (i * 7) % 60
            if p is typo:
                # Forgot the last name and wrote a grade we do not know; sends it again.
                broken = p.answers(last_name="", grade="G8")
                a.on(day, partial(self.form, p, broken, confirm=False), hour=10, minute=minute)
                a.on(day + timedelta(days=2), partial(self.form, p, p.answers()), hour=9)
            elif p is aa:
                # An AA asks to mentor: only mentees below AO; registers again as a mentee.
                wrong = p.answers(roles="Mentor", long_term_capacity="1")
                a.on(day, partial(self.form, p, wrong, confirm=False), hour=10, minute=minute)
                a.on(day + timedelta(days=1), partial(self.form, p, p.answers()), hour=13)
            else:
                confirm = p not in never
                a.on(
                    day, partial(self.form, p, p.answers(), confirm=confirm), hour=10, minute=minute
                )
            if p is bounce:
                a.on(day, partial(self.bounce_confirmation, p), hour=10, minute=59)
        victim = self.people[0]
        a.on(workdays[min(4, len(workdays) - 1)], partial(self.forged_form, victim), hour=15)
        a.on(self.day(CLOSE_AFTER), self.close, hour=17)
        a.on(self.day(MATCH_AFTER), self.match, hour=10)
        a.on(self.day(SEND_AFTER), self.send, hour=9, minute=30)

    def open_round(self) -> None:
        w = self.world
        closes = w.moment(self.day(CLOSE_AFTER), 17)
        with w.app.uow(actor="coordinator") as uow:
            create_round(uow, ROUND, w.moment(self.day(0), 8), closes, w.now)
            uow.commit()

    def form(self, p: Participant, answers: dict[str, str], confirm: bool = True) -> None:
        w = self.world
        w.deliver(w.letters.form(answers, w.now))
        if confirm:
            self.later(self.rng.choice((0, 1, 1, 2)), partial(self.confirm, p), hour=None)

    def confirm(self, p: Participant) -> None:
        body = "Yes, that was me" if self.rng.random() < 0.25 else "CONFIRM"
        self.reply(p, ("confirm_address",), body)

    def bounce_confirmation(self, p: Participant) -> None:
        sent = self.world.latest(p.email, "confirm_address")
        if sent is not None:
            self.world.deliver(self.world.letters.bounce(sent, self.world.now))

    def forged_form(self, victim: Participant) -> None:
        w = self.world
        answers = victim.answers(roles="Mentor", grade="SCS1", long_term_capacity="3")
        w.deliver(w.letters.form(answers, w.now, sender=FORGER))

    # --- the coordinators' round workflow -------------------------------------------------
    def close(self) -> None:
        w = self.world
        with w.app.uow(actor="coordinator") as uow:
            close_round(uow, ROUND, w.now)
            uow.commit()

    def match(self) -> None:
        w = self.world
        with w.app.uow(actor="coordinator") as uow:
            proposal = propose(uow, ROUND, w.config, w.now)
            commit(uow, proposal, w.config, w.now)
            uow.commit()

    def send(self) -> None:
        w = self.world
        with w.app.uow(actor="coordinator") as uow:
            send_matches(uow, ROUND, w.config, w.now, w.app.commands)
            uow.commit()
        w.send_queued()
        self.speed_mentoring()

    # --- speed mentoring -----------------------------------------------------------------------
    def introductions(self, mentee: Participant | None = None) -> dict[str, list[tuple[int, str]]]:
        """Each mentee's speed mentors (or only `mentee`'s): (number, mentor's address), in
        number order."""
        found: dict[str, list[tuple[int, str]]] = {}
        with self.world.app.uow() as uow:
            round_ = uow.repo.round_by_name(ROUND)
            assert round_ is not None and round_.id is not None
            live = (IntroductionStatus.SENT, IntroductionStatus.MET)
            if mentee is None:
                every = uow.repo.introductions(round_.id)
            else:
                every = uow.repo.introductions_of(self.person_id(mentee), round_.id)
            intros = [i for i in every if i.status in live]
            people = uow.repo.people([i.mentor_id for i in intros] + [i.mentee_id for i in intros])
            for i in sorted(intros, key=lambda i: (i.mentee_id, i.number)):
                address = people[i.mentee_id].email
                found.setdefault(address, []).append((i.number, people[i.mentor_id].email))
        return found

    def speed_mentoring(self) -> None:
        intros = self.introductions()
        mentees = [e for e in intros if e in self.by_email]
        if not mentees:
            return
        quiet = mentees[-1]  # never reports a session; their first mentor says so
        for address in mentees:
            p = self.by_email[address]
            if address == quiet:
                mentor = self.by_email.get(intros[address][0][1])
                if mentor is not None:
                    self.later(15, partial(self.not_contacted, mentor, p))
                self.later(30, partial(self.choose, p))
                continue
            numbers = [n for n, _ in intros[address]]
            met = self.rng.sample(numbers, self.rng.randint(1, len(numbers)))
            for number in sorted(met):
                self.later(self.rng.randrange(3, 21), partial(self.met_speed, p, number))
            # After the day-28 "time to decide" email.
            self.later(29 + self.rng.randrange(0, 3), partial(self.choose, p))

    def met_speed(self, p: Participant, number: int) -> None:
        self.reply(p, ("matches_mentee",), f"MET {number}")

    def not_contacted(self, mentor: Participant, mentee: Participant) -> None:
        self.reply(
            mentor, ("mentor_contact_check", "matches_mentor"), f"NOT CONTACTED {mentee.name}"
        )

    # --- choosing a long-term mentor ------------------------------------------------------------
    def free_mentor(self, p: Participant) -> tuple[int, Participant] | None:
        """The first of `p`'s speed mentors (by number) with a long-term place free."""
        intros = self.introductions(p).get(p.email, [])
        w = self.world
        with w.app.uow() as uow:
            me = uow.repo.person_by_email(p.email)
            round_ = uow.repo.round_by_name(ROUND)
            assert me is not None and me.id is not None and round_ is not None
            assert round_.id is not None
            asked = {a.mentor_id for a in uow.repo.approaches_of_mentee(me.id)}
            for number, address in intros:
                mentor = uow.repo.person_by_email(address)
                if mentor is None or mentor.id is None or mentor.id in asked or mentor.erased:
                    continue
                reg = uow.repo.registration(round_.id, mentor.id)
                if reg is None or reg.status is not RegistrationStatus.CONFIRMED:
                    continue
                taken = uow.repo.active_pairings_as_mentor(mentor.id) + len(
                    uow.repo.pending_approaches_to(mentor.id)
                )
                if taken < reg.long_term_capacity and address in self.by_email:
                    return number, self.by_email[address]
        return None

    def choose(self, p: Participant) -> None:
        choice = self.free_mentor(p)
        if choice is None:
            self.reply(p, CHOOSING_MAIL, "NONE")
            return
        number, mentor = choice
        if not self.reply(p, CHOOSING_MAIL, f"KEEP {number}"):
            return
        self.approaches_made += 1
        # The first request is declined and the second left to expire, when the mentee
        # has someone else to ask; everyone else says yes within a few days.
        second_choice = len(self.introductions(p).get(p.email, [])) > 1
        if self.approaches_made == 1 and second_choice:
            self.later(2, partial(self.answer, mentor, p, "Sorry, not this time"))
            self.later(4, partial(self.choose, p))
        elif self.approaches_made == 2 and second_choice:
            self.later(12, partial(self.choose, p))
        else:
            words = self.rng.choice(("ACCEPT", "Yes, happy to", "Accept"))
            self.later(self.rng.randrange(1, 4), partial(self.answer, mentor, p, words))

    def answer(self, mentor: Participant, mentee: Participant, words: str) -> None:
        """The mentor answers this mentee's request: the email bound to that request, as a
        mentor asked by two mentees must answer each one's own."""
        with self.world.app.uow() as uow:
            mine = self.person_id(mentor)
            pending = [
                a.id
                for a in uow.repo.approaches_of_mentee(self.person_id(mentee))
                if a.mentor_id == mine and a.status is ApproachStatus.PENDING
            ]
        if not pending:
            return
        sent = self.world.latest_about(mentor.email, of(PurposeKind.APPROACH, pending[-1]))
        if self.world.reply(sent, words):
            self.later(0, partial(self.started, mentor, mentee), hour=18)

    def started(self, mentor: Participant, mentee: Participant) -> None:
        w = self.world
        with w.app.uow() as uow:
            found = uow.repo.active_pairing_of_mentee(self.person_id(mentee))
            if found is None or found.id is None or found.mentor_id != self.person_id(mentor):
                return
            pairing_id = found.id
        today = w.local(w.now).date()
        fate = self.fate_for(mentor, mentee)
        pair = Pair(pairing_id, mentor, mentee, today, fate)
        self.pairs.append(pair)
        self.last_start = max(self.last_start, today)
        if fate in ("regular", "continue"):  # those who meet all year may say how it goes
            self.feedback.join(pairing_id, mentor.email, mentee.email)
        self.plan(pair)

    def fate_for(self, mentor: Participant, mentee: Participant) -> str:
        """The next fate in `FATES` that suits this pair. A pair goes stale only when
        neither of them can have another partnership: any reply from a person counts as
        a sign of life in all of theirs."""
        only_pairing = (
            mentor.roles == "Mentor" and mentor.long_term_capacity == 1 and mentee.roles == "Mentee"
        )
        for fate in list(self.fates):
            if fate == "stale" and not only_pairing:
                continue
            self.fates.remove(fate)
            return fate
        return "regular"

    # --- a year of partnership ---------------------------------------------------------------
    def plan(self, pair: Pair) -> None:
        fate, mentee, mentor = pair.fate, pair.mentee, pair.mentor
        number = len(self.pairs)
        length = self.world.config.timings.programme_length
        met = partial(self.met, pair)
        say = partial(self.say, pair)
        if fate == "stale":
            return  # nobody ever writes: check-ins go unanswered, then it closes
        if fate == "silent":
            self.later(12, partial(met, mentee))
            self.later(70, partial(say, mentee, "NOT RESPONDING"))
            return
        if fate == "unpair":
            self.later(10, partial(met, mentee))
            self.later(30, partial(say, mentee, "Can we talk about my career?"))
            self.later(45, partial(met, mentor))
            self.later(80, partial(say, mentee, "UNPAIR"))
            return
        if fate == "withdraw":
            self.later(14, partial(met, mentee))
            self.later(50, partial(met, mentee))
            self.later(130, partial(say, mentor, "WITHDRAW"))
            return
        # Regular meetings every five to eight weeks, until the year is nearly over.
        day = self.rng.randrange(7, 15)
        while day < length - 20:
            who = mentee if self.rng.random() < 0.7 else mentor
            self.later(day, partial(met, who))
            day += self.rng.randrange(35, 57)
        if number == 2:
            self.later(20, partial(say, mentee, "STATUS"))
            self.later(42, partial(self.away, mentor), hour=11)
        if number == 3 or (fate == "continue" and number != 2):
            self.later(60, partial(say, mentor, "MY DATA"))
        if fate == "continue":
            self.later(length + 3, partial(say, mentee, "CONTINUE"))
            self.later(length + 12, partial(met, mentee))

    def about(self, pair: Pair, who: Participant, purpose: Purpose) -> Sent | None:
        """The email `who` answers about this partnership: the latest one bound to it,
        else simply their latest one about partnerships."""
        return self.world.latest_about(who.email, purpose) or self.world.latest(
            who.email, *PAIRING_MAIL
        )

    def active(self, pair: Pair) -> bool:
        """People stop writing about a partnership once it has ended."""
        with self.world.app.uow() as uow:
            found = uow.repo.pairing(pair.pairing_id)
            return found is not None and found.active

    def met(self, pair: Pair, who: Participant) -> None:
        if self.active(pair):
            sent = self.about(pair, who, of(PurposeKind.PAIRING, pair.pairing_id))
            self.world.reply(sent, self.rng.choice(MEETING_WORDS))

    def say(self, pair: Pair, who: Participant, words: str) -> None:
        if self.active(pair):
            kind = PurposeKind.CONTINUE if words == "CONTINUE" else PurposeKind.PAIRING
            self.world.reply(self.about(pair, who, of(kind, pair.pairing_id)), words)

    def away(self, who: Participant) -> None:
        """An out-of-office answers the email the service sent them most recently."""
        w = self.world
        sent: Sent | None = w.latest(who.email, *PAIRING_MAIL)
        if sent is not None:
            back = w.local(w.now).date() + timedelta(days=12)
            w.deliver(w.letters.out_of_office(sent, back, w.now))
