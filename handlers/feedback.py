"""A score from 1 to 5 (and a comment) in answer to "How is your mentoring going?".

Check-ins and the end-of-programme email ask it (their purpose carries the asking,
`Purpose.feedback`); the pipeline reads the reply's number only in answer to such an
email (`service.inbound.feedback`), so "4" means a score there and nothing elsewhere.
The answer is stored against the pairing and the person, once per asking (a second
answer replaces the first, and the acknowledgement says so). A low score, or words
without a number, also goes to the coordinators' needs-attention list (`attention`).
"""

from __future__ import annotations

from handlers.common import answer_key, email_to
from handlers.partners import partner_card, person_or_refuse
from service.bus import CommandRequest, Context
from service.domain import feedback as rules
from service.domain.model import HIGHEST_SCORE, LOWEST_SCORE
from service.email_command import EmailCommand
from service.errors import DomainError
from service.inbound.commands import Command, asks_question
from service.inbound.feedback import ScoreReading, read_score
from service.messages import Email
from service.purpose import Purpose, PurposeKind, asking_feedback, of
from service.store.unit_of_work import UnitOfWork

VERB = "feedback"


def asks_feedback(purpose: Purpose) -> bool:
    """Did the email replied to ask for a score, about one pairing?"""
    return bool(purpose.feedback) and purpose.id is not None


def as_command(reading: ScoreReading) -> Command:
    """The reply read as this command: the score in `choice`, the comment in `note`."""
    score = str(reading.score) if reading.score is not None else None
    return Command(VERB, choice=score, note=reading.comment)


NOTHING_FOUND = (
    f"We could not find a number from {LOWEST_SCORE} to {HIGHEST_SCORE} in your reply (a number"
    " in the email you replied to does not count)."
)


def read_answer(new_text: str) -> Command | str | None:
    """A reply's new text as its answer; the sentence we ask again with when it has none
    we can take; None for a question (the coordinators answer it, as any question)."""
    reading = read_score(new_text)
    if reading is None:
        return NOTHING_FOUND
    if reading.problem:
        return reading.problem
    if reading.score is None and asks_question(new_text):
        return None
    return as_command(reading)


def _score(command: Command) -> int | None:
    return int(command.choice) if command.choice else None


def give_feedback(request: CommandRequest, uow: UnitOfWork, ctx: Context) -> list[Email]:
    person, purpose = request.person, request.about.purpose
    assert person.id is not None
    pairing = uow.repo.pairing(purpose.id) if purpose.id is not None else None
    if pairing is None or person.id not in (pairing.mentor_id, pairing.mentee_id):
        raise DomainError(
            "We could not find the mentoring partnership this email asked about, so we have"
            " kept nothing. A coordinator will read your email."
        )
    assert pairing.id is not None
    existing = uow.repo.feedback_given(pairing.id, person.id, purpose.feedback)
    replaced = existing is not None
    score = _score(request.command)
    answer = rules.give(
        existing,
        pairing_id=pairing.id,
        person_id=person.id,
        asking=purpose.feedback,
        score=score,
        comment=request.command.note,
        now=ctx.now,
    )
    if not replaced:
        uow.add(answer)
    uow.flush()
    # Never the comment: the audit trail holds no one's own words.
    uow.audit(
        "feedback.given",
        f"pairing:{pairing.id}",
        {"asking": purpose.feedback, "score": score, "replaced": replaced},
        actor=f"person:{person.id}",
    )
    partner = person_or_refuse(uow, pairing.partner_of(person.id))
    return [
        email_to(
            person,
            "feedback_received",
            answer_key(request, VERB),
            uow,
            ctx,
            request=request,
            # A reply to the acknowledgement answers the same question again.
            purpose=asking_feedback(of(PurposeKind.PAIRING, pairing.id), purpose.feedback),
            context={
                "partner": partner_card(uow, partner, pairing.round_id, ctx),
                "score": score,
                "highest": HIGHEST_SCORE,
                "comment_kept": bool(answer.comment),
                "replaced": replaced,
                "asked_in": rules.asking_label(purpose.feedback),
                "low": rules.is_low(score, ctx.config.feedback.low_score),
                "working_days": ctx.config.coordinators.answer_within_working_days,
            },
        )
    ]


def attention(request: CommandRequest, ctx: Context) -> str:
    """Why a coordinator should see this answer ("" when they need not): a low score, or
    words without one (which may be a worry we cannot weigh)."""
    score = _score(request.command)
    pairing, asking = request.about.purpose.id, request.about.purpose.feedback
    if rules.is_low(score, ctx.config.feedback.low_score):
        return (
            f"feedback: low score {score} of {HIGHEST_SCORE} for pairing {pairing} ({asking});"
            " stored and acknowledged, the pairing may need a coordinator's help"
        )
    if score is None:
        return (
            f"feedback: comment without a score for pairing {pairing} ({asking});"
            " stored and acknowledged, a coordinator may want to read it"
        )
    return ""


FEEDBACK: EmailCommand = EmailCommand(
    verb=VERB,
    spellings=(),  # a bare number, read only in answer to the question (`asks_feedback`)
    handler=give_feedback,
    shown=f"a number from {LOWEST_SCORE} to {HIGHEST_SCORE}",
    help=(
        f"how useful your mentoring is, from {LOWEST_SCORE} (not useful) to {HIGHEST_SCORE}"
        " (very useful), and anything you would like to tell us"
    ),
    asked_by=asks_feedback,
    read_answer=read_answer,
    attention=attention,
)
