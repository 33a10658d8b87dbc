"""A round's matching, from the store to the engine and back.

`propose()` builds the problem from confirmed registrations and runs the pure engine
(`service.matching`); nothing is written. `commit()` stores the proposal as
introductions; `send_matches()` queues the match emails and marks them sent. Each is
idempotent: committing twice stores nothing new, sending twice sends nothing new.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, cast

from service.config import ProgrammeConfig
from service.domain import rules
from service.domain.card import participant_card
from service.domain.model import (
    Introduction,
    IntroductionStatus,
    Person,
    Registration,
    RegistrationStatus,
    Role,
    Round,
    RoundStatus,
)
from service.domain.rules import is_paused, round_phase
from service.errors import DomainError, MentoringError
from service.matching import MatchProblem, MatchResult, MatchRules, Mentee, Mentor, match
from service.matching.explain import explain_introduction
from service.matching.model import Origin
from service.matching.report import (
    MatchReport,
    build_report,
    render_csv,
    render_html,
    render_overrides,
    render_review_csv,
)
from service.rounds import get_round

if TYPE_CHECKING:
    from service.email_command import CommandTable
    from service.messages import Email
    from service.store.unit_of_work import ReadsRounds, UnitOfWork


@dataclass(frozen=True)
class Overrides:
    """Coordinators' pins and forbids, as (mentor email, mentee email) pairs."""

    pin: tuple[tuple[str, str], ...] = ()
    forbid: tuple[tuple[str, str], ...] = ()


def read_overrides(path: str | Path | None) -> Overrides:
    """A small TOML file: ``pin = [["mentor@…", "mentee@…"]]`` and ``forbid = [...]``."""
    if path is None:
        return Overrides()
    import tomllib  # only with --overrides

    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MentoringError(f"{path}: no such overrides file") from None
    except tomllib.TOMLDecodeError as exc:
        raise MentoringError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"pin", "forbid"}
    if unknown:
        raise MentoringError(f"{path}: unknown key {sorted(unknown)[0]!r}; use pin and forbid")
    pairs: dict[str, tuple[tuple[str, str], ...]] = {}
    for key in ("pin", "forbid"):
        items = data.get(key, [])
        if not isinstance(items, list) or not all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(a, str) for a in p)
            for p in items
        ):
            raise MentoringError(
                f'{path}: {key} must be a list of ["mentor address", "mentee address"] pairs'
            )
        pairs[key] = tuple((a.strip().lower(), b.strip().lower()) for a, b in items)
    return Overrides(pin=pairs["pin"], forbid=pairs["forbid"])


@dataclass
class Proposal:
    round: Round
    problem: MatchProblem
    result: MatchResult
    report: MatchReport
    people: dict[int, Person]
    registrations: dict[int, Registration]
    # Late matching: mentees left behind (person id -> why), offered new introductions.
    second_chance: dict[int, str] = field(default_factory=dict)

    def labels(self) -> dict[tuple[str, int], str]:
        return {
            (role, pid): self.people[pid].name
            for pid in self.people
            for role in ("mentee", "mentor")
        }

    def html(self) -> str:
        return render_html(
            self.report, title=f"Match report: {self.round.name}", labels=self.labels()
        )

    def contacts(self) -> dict[int, tuple[str, str]]:
        return {pid: (p.email, p.name) for pid, p in self.people.items()}

    def csv(self) -> str:
        """One row per proposed introduction."""
        return render_review_csv(self.report, self.contacts())

    def totals_csv(self) -> str:
        """The report's totals, departments and unmatched people."""
        return render_csv(self.report, labels=self.labels())

    def overrides(self) -> str:
        """A pins.toml pinning every proposed pair, which `read_overrides` reads back."""
        return render_overrides(self.report, self.contacts(), round_name=self.round.name)


def _characteristics(reg: Registration) -> frozenset[str]:
    # Only held when the person asked to be matched on it (see registration).
    return (
        frozenset(c for c in reg.characteristics.split(",") if c)
        if reg.wants_shared_characteristic
        else frozenset()
    )


def _check_can_match(round_: Round, now: datetime, late: bool) -> None:
    """A round is matched once, after its window closes; late matching adds to that."""
    phase = round_phase(round_, now)
    if late:
        if round_.status not in (RoundStatus.MATCHED, RoundStatus.SENT):
            raise DomainError("Late matching adds to committed matches: commit the round first.")
    elif phase is RoundStatus.DRAFT:
        raise DomainError(
            f"Round {round_.name!r} has not opened for registrations yet (it opens on"
            f" {rules.day(round_.opens_at)}): there is nobody to match."
        )
    elif phase is RoundStatus.OPEN:
        raise DomainError(
            f"Round {round_.name!r} is still open for registrations: close it first"
            f" (mentoring round close {round_.name})."
        )
    elif phase in (RoundStatus.MATCHED, RoundStatus.SENT):
        raise DomainError(
            f"Round {round_.name!r} is already matched. Use --late to match people who"
            " confirmed since."
        )


def _participants(
    regs: list[Registration], config: ProgrammeConfig
) -> tuple[tuple[Mentee, ...], tuple[Mentor, ...]]:
    """The matcher's view of the confirmed registrations: mentees, and mentors whose grade
    may mentor."""
    vocab = config.vocabulary
    mentees = tuple(
        Mentee(
            id=r.person_id,
            grade_rank=vocab.rank(r.grade),
            department=r.department,
            profession=r.profession,
            profession_of_interest=r.profession_of_interest,
            characteristics=_characteristics(r),
            wants_characteristic=r.wants_shared_characteristic,
            max_mentors=config.capacity.mentee_introductions,
        )
        for r in regs
        if r.has_role(Role.MENTEE)
    )
    mentors = tuple(
        Mentor(
            id=r.person_id,
            grade_rank=vocab.rank(r.grade),
            department=r.department,
            profession=r.profession,
            characteristics=_characteristics(r),
            capacity=r.speed_capacity,
        )
        for r in regs
        if r.has_role(Role.MENTOR) and vocab.can_mentor(r.grade)
    )
    return mentees, mentors


def _override_pairs(
    items: tuple[tuple[str, str], ...], by_email: dict[str, int], what: str, round_name: str
) -> frozenset[tuple[int, int]]:
    """Coordinators' (mentor, mentee) addresses as person ids; an unknown one is refused."""
    found = set()
    for mentor_email, mentee_email in items:
        if mentor_email not in by_email or mentee_email not in by_email:
            missing = mentor_email if mentor_email not in by_email else mentee_email
            raise MentoringError(
                f"{what}: {missing} has no confirmed registration in round {round_name!r}"
            )
        found.add((by_email[mentor_email], by_email[mentee_email]))
    return frozenset(found)


def _staying(
    uow: ReadsRounds, round_id: int, mentees: tuple[Mentee, ...], mentors: tuple[Mentor, ...]
) -> frozenset[tuple[int, int]]:
    """Late matching keeps only committed introductions between people still in the round:
    someone who withdrew or was erased has left the problem, and their partner's place
    counts as free again."""
    mentor_ids, mentee_ids = {m.id for m in mentors}, {e.id for e in mentees}
    return frozenset(
        (i.mentor_id, i.mentee_id)
        for i in uow.repo.introductions(round_id)
        if i.status is not IntroductionStatus.PROPOSED
        and i.mentor_id in mentor_ids
        and i.mentee_id in mentee_ids
    )


def propose(
    uow: ReadsRounds,
    round_name: str,
    config: ProgrammeConfig,
    now: datetime,
    *,
    overrides: Overrides = Overrides(),
    late: bool = False,
) -> Proposal:
    """Run the matcher on the round's confirmed registrations. Writes nothing: `uow` may be
    a unit of work (to `commit` the proposal after) or a read-only one (`App.reads`)."""
    round_ = get_round(uow, round_name)
    assert round_.id is not None
    _check_can_match(round_, now, late)
    regs = list(uow.repo.registrations(round_.id, RegistrationStatus.CONFIRMED))
    people = uow.repo.people([r.person_id for r in regs])
    # Someone who said PAUSE is not available for matching until they are back.
    regs = [
        r
        for r in regs
        if not people[r.person_id].erased and not is_paused(people[r.person_id], now)
    ]
    mentees, mentors = _participants(regs, config)
    existing = _staying(uow, round_.id, mentees, mentors) if late else frozenset()
    second_chance: dict[int, str] = {}
    if late:
        from service.late_matching import widen_left_behind

        held = Counter(mentee_id for _, mentee_id in existing)
        # Late matching is given a full unit of work (see the CLI): it reads partnerships.
        full = cast("UnitOfWork", uow)
        mentees, second_chance = widen_left_behind(full, round_.id, mentees, held)
    by_email = {p.email: pid for pid, p in people.items()}
    same_person = {(r.person_id, r.person_id) for r in regs}
    problem = MatchProblem(
        mentees=mentees,
        mentors=mentors,
        rules=MatchRules.from_config(config),
        forbidden=frozenset(uow.repo.earlier_pairs(round_.id))
        | same_person
        | _override_pairs(overrides.forbid, by_email, "forbid", round_.name),
        pinned=_override_pairs(overrides.pin, by_email, "pin", round_.name),
        existing=existing,
    )
    result = match(problem)
    report = build_report(problem, result, grade_names=list(config.vocabulary.grade_codes))
    return Proposal(
        round=round_,
        problem=problem,
        result=result,
        report=report,
        people=people,
        registrations={r.person_id: r for r in regs},
        second_chance=second_chance,
    )


def commit(uow: UnitOfWork, proposal: Proposal, config: ProgrammeConfig, now: datetime) -> int:
    """Store the proposal as introductions (numbered per mentee, best first). Returns how many."""
    round_ = proposal.round
    assert round_.id is not None
    mentees = proposal.problem.mentee_by_id()
    mentors = proposal.problem.mentor_by_id()
    taken: dict[int, int] = defaultdict(int)
    for stored_intro in uow.repo.introductions(round_.id):
        taken[stored_intro.mentee_id] = max(taken[stored_intro.mentee_id], stored_intro.number)
    rules = proposal.problem.rules
    new = [i for i in proposal.result.introductions if i.origin is not Origin.EXISTING]
    from service.matching import pair_points

    scored = sorted(
        new,
        key=lambda i: (
            i.mentee_id,
            -pair_points(mentees[i.mentee_id], mentors[i.mentor_id], rules),
            i.mentor_id,
        ),
    )
    stored = 0
    for intro in scored:
        if uow.repo.introduction_between(round_.id, intro.mentor_id, intro.mentee_id) is not None:
            continue
        mentee, mentor = mentees[intro.mentee_id], mentors[intro.mentor_id]
        taken[intro.mentee_id] += 1
        uow.add(
            Introduction(
                round_id=round_.id,
                mentor_id=intro.mentor_id,
                mentee_id=intro.mentee_id,
                number=taken[intro.mentee_id],
                created_at=now,
                score=pair_points(mentee, mentor, rules),
                why=explain_introduction(
                    mentee, mentor, name=proposal.people[intro.mentor_id].first_name
                ),
            )
        )
        stored += 1
    round_.status = RoundStatus.MATCHED
    round_.matched_at = round_.matched_at or now
    uow.audit(
        "round.matched",
        f"round:{round_.id}",
        {"introductions": stored, "exact": proposal.result.exact},
        actor="coordinator",
    )
    return stored


def send_matches(
    uow: UnitOfWork,
    round_name: str,
    config: ProgrammeConfig,
    now: datetime,
    commands: CommandTable,
) -> int:
    """Queue the match emails for every committed, unsent introduction; returns emails queued.

    Mentees get their numbered mentors; mentors get their mentees; confirmed people with
    no introduction get the kind "no match this round" email. Running it again queues
    nothing new (each email's key names the round and the person).
    """
    round_ = get_round(uow, round_name)
    assert round_.id is not None
    if round_.status not in (RoundStatus.MATCHED, RoundStatus.SENT):
        raise DomainError(f"Round {round_.name!r} has no committed matches yet: commit them first.")
    intros = list(uow.repo.introductions(round_.id))
    unsent = [i for i in intros if i.status is IntroductionStatus.PROPOSED]
    regs = {r.person_id: r for r in uow.repo.registrations(round_.id, RegistrationStatus.CONFIRMED)}
    people = uow.repo.people(
        list(regs) + [i.mentor_id for i in intros] + [i.mentee_id for i in intros]
    )
    # After a late match: mentees left behind hear of their new mentor as a new choice
    # (read before the new introductions count as sent, so the old ones alone decide).
    behind = _left_behind(uow, round_, {i.mentee_id for i in unsent})
    for intro in unsent:
        intro.status = IntroductionStatus.SENT
        intro.sent_at = now
    uow.flush()
    mail = _MatchMail(uow, config, round_, people, regs, intros, now, commands)
    emails = []
    for m in sorted({i.mentee_id for i in unsent}):
        chance = behind.get(m) and _second_chance(
            uow, people[m], round_, behind[m], config, commands
        )
        emails.append(chance or mail.to_mentee(m))
    emails += [mail.to_mentor(i) for i in sorted({i.mentor_id for i in unsent})]
    if round_.status is RoundStatus.MATCHED:
        emails += mail.no_match()
    round_.status = RoundStatus.SENT
    round_.matches_sent_at = round_.matches_sent_at or now
    # Imported here: the outbox brings Jinja2 and Redis, which a dry run never needs.
    from service.mail import outbox

    queued = outbox.queue_all(uow, emails, config)
    uow.audit(
        "round.matches_sent", f"round:{round_.id}", {"emails": len(queued)}, actor="coordinator"
    )
    return len(queued)


def _left_behind(uow: UnitOfWork, round_: Round, mentee_ids: set[int]) -> dict[int, str]:
    if round_.matches_sent_at is None or round_.id is None:
        return {}  # the first match emails: nobody can have been left behind yet
    from service.late_matching import left_behind_among

    return left_behind_among(uow, round_.id, mentee_ids)


def _second_chance(
    uow: UnitOfWork,
    mentee: Person,
    round_: Round,
    why: str,
    config: ProgrammeConfig,
    commands: CommandTable,
) -> Email | None:
    from service.late_matching import second_chance_email

    assert round_.id is not None
    return second_chance_email(uow, mentee, round_.id, why, config, commands)


class _MatchMail:
    """A round's match emails: each person's introductions, shown as participant cards."""

    def __init__(
        self,
        uow: UnitOfWork,
        config: ProgrammeConfig,
        round_: Round,
        people: dict[int, Person],
        regs: dict[int, Registration],
        intros: list[Introduction],
        now: datetime,
        commands: CommandTable,
    ) -> None:
        self.commands = commands  # the footers: what each person may send now
        self.uow, self.config, self.round, self.people, self.regs = (
            uow,
            config,
            round_,
            people,
            regs,
        )
        self.by_mentee: dict[int, list[Introduction]] = defaultdict(list)
        self.by_mentor: dict[int, list[Introduction]] = defaultdict(list)
        for i in intros:
            self.by_mentee[i.mentee_id].append(i)
            self.by_mentor[i.mentor_id].append(i)
        # Mentees contact their speed mentors within the speed window (4 weeks).
        self.contact_by = now + timedelta(days=config.timings.speed_window)

    def card(self, pid: int) -> dict[str, str]:
        return participant_card(self.people[pid], self.regs.get(pid), self.config)

    def email(self, person: Person, template: str, key: str, context: dict[str, object]) -> Email:
        # Imported here: the email builders (standing, purposes, footers) are for sending;
        # a dry run or a commit never loads them.
        from service.emails import email_to

        round_ = {"name": self.round.name, "closes_on": self.round.closes_at}
        return email_to(
            person, template, key, self.uow, self.commands, context={"round": round_, **context}
        )

    def to_mentee(self, mentee_id: int) -> Email:
        mine = sorted(self.by_mentee[mentee_id], key=lambda i: i.number)
        mentors = [{**self.card(i.mentor_id), "number": i.number, "why": i.why} for i in mine]
        return self.email(
            self.people[mentee_id],
            "matches_mentee",
            f"matches-mentee:{self.round.id}:{mentee_id}:{len(mine)}",
            {"contact_by": self.contact_by, "mentors": mentors},
        )

    def to_mentor(self, mentor_id: int) -> Email:
        mine = sorted(self.by_mentor[mentor_id], key=lambda i: i.id or 0)
        mentees = [{**self.card(i.mentee_id), "number": n} for n, i in enumerate(mine, 1)]
        return self.email(
            self.people[mentor_id],
            "matches_mentor",
            f"matches-mentor:{self.round.id}:{mentor_id}:{len(mine)}",
            {"contact_by": self.contact_by, "mentees": mentees},
        )

    def no_match(self) -> list[Email]:
        """The kind "no match this round" email, for confirmed people with no introduction."""
        emails = []
        for pid, reg in self.regs.items():
            role = "mentee" if reg.has_role(Role.MENTEE) and pid not in self.by_mentee else None
            if (
                role is None
                and reg.has_role(Role.MENTOR)
                and pid not in self.by_mentor
                and pid not in self.by_mentee
            ):
                role = "mentor"
            if role is not None and not self.people[pid].erased:
                key = f"no-match:{self.round.id}:{pid}"
                emails.append(self.email(self.people[pid], "no_match", key, {"role": role}))
        return emails
