"""The registration form and CONFIRM on the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage

from handlers.register import confirm, register
from service.bus import FormRequest, Thread
from service.domain.model import Registration, RegistrationStatus
from service.inbound import forms
from service.inbound.forms import FormResult, Role
from service.inbound.forms import Registration as Form
from service.inbound.mime import parse_mail
from service.purpose import stored
from service.store.records import InboundMessage
from service.store.unit_of_work import UnitOfWork
from tests.handlers.build import ask, submit
from tests.handlers.world import OPENS, World, key, sent
from tests.harness import person_answers
from tests.inbound.helpers import Verb

FORM = Form(
    email="alex@dept.gov.uk",
    first_name="Alex",
    last_name="Lee",
    roles=frozenset({Role.MENTEE}),
    grade="HEO",
    department="Home Office",
    profession="Policy",
    job_title="Policy adviser",
)


def _registration(world: World, email: str = "alex@dept.gov.uk") -> Registration:
    def query(uow: UnitOfWork) -> Registration | None:
        person = uow.repo.person_by_email(email)
        return uow.repo.registration(world.round_id, person.id) if person and person.id else None

    found: Registration | None = world.read(query)
    assert found is not None
    return found


def test_a_form_in_the_window_registers_and_asks_to_confirm(world: World) -> None:
    world.now = OPENS + timedelta(days=2)
    emails = world.run(register, submit(FORM))
    assert sent(emails) == [("confirm_address", "alex@dept.gov.uk")]
    reg = _registration(world)
    assert reg.status is RegistrationStatus.PENDING_CONFIRMATION
    assert stored(emails[0].purpose) == f"registration:{reg.id}"
    assert world.events() == [f"registration.created registration:{reg.id}"]


def test_a_form_with_problems_is_answered_with_them_and_stores_nothing(world: World) -> None:
    world.now = OPENS + timedelta(days=2)
    request = submit(problems=("Your grade is missing.",), contact="alex@dept.gov.uk")
    emails = world.run(register, request)
    assert sent(emails) == [("registration_problems", "alex@dept.gov.uk")]
    assert emails[0].context["problems"] == ["Your grade is missing."]
    assert world.read(lambda uow: uow.repo.person_by_email("alex@dept.gov.uk")) is None


def test_a_form_outside_the_window_adds_them_to_the_interest_list(world: World) -> None:
    emails = world.run(register, submit(replace(FORM, interest_list=True)))
    assert sent(emails) == [("registrations_closed", "alex@dept.gov.uk")]
    assert emails[0].context["on_interest_list"] is True
    assert emails[0].context["person"]["first_name"] == "Alex"
    assert world.read(lambda uow: uow.repo.interest_entry("alex@dept.gov.uk")) is not None
    assert world.read(lambda uow: uow.repo.person_by_email("alex@dept.gov.uk")) is None


def test_an_aa_grade_cannot_register_as_a_mentor(world: World) -> None:
    world.now = OPENS + timedelta(days=2)
    form = replace(FORM, roles=frozenset({Role.MENTOR}), grade="AA", long_term_capacity=1)
    emails = world.run(register, submit(form))
    assert sent(emails) == [("registration_problems", "alex@dept.gov.uk")]
    assert emails[0].context["person"]["first_name"] == "Alex"  # "Hello Alex,", not "Hello ,"
    assert world.events() == []


def test_a_form_with_problems_greets_them_by_the_name_it_gave(world: World) -> None:
    world.now = OPENS + timedelta(days=2)
    result = FormResult(None, ("Your grade is missing.",), "alex@dept.gov.uk", first_name="Alex")
    emails = world.run(register, FormRequest(result, thread=Thread(message_id="<f@test>")))
    assert emails[0].context["person"]["first_name"] == "Alex"


def test_a_registered_person_sending_the_form_again_is_asked_first(world: World) -> None:
    world.now = OPENS + timedelta(days=2)
    world.run(register, submit(FORM))
    emails = world.run(register, submit(replace(FORM, job_title="Head of policy")))
    assert sent(emails) == [("form_update_confirm", "alex@dept.gov.uk")]
    reg = _registration(world)
    assert reg.job_title == "Policy adviser"


def test_confirm_confirms_once(world: World) -> None:
    person = world.person("Alex", status=RegistrationStatus.PENDING_CONFIRMATION)
    emails = world.run(confirm, ask(person, Verb.CONFIRM))
    assert sent(emails) == [("registration_received", "alex@dept.gov.uk")]
    reg = _registration(world)
    assert reg.status is RegistrationStatus.CONFIRMED
    assert sent(world.run(confirm, ask(person, Verb.CONFIRM))) == [
        ("already_done", "alex@dept.gov.uk")
    ]


def _form_email(world: World, answers: dict[str, str]) -> bytes:
    """The relayed form as it is stored raw (what a CONFIRM of a change reads again)."""
    questions = {q.field: q.text for q in world.config.form.questions}
    msg = EmailMessage()
    msg["From"] = "Microsoft Forms <forms@example.test>"
    msg["To"] = world.config.programme.mailbox
    msg["Subject"] = "New response: LGBT+ mentoring registration"
    msg["Message-ID"] = "<again@forms.example>"
    msg.set_content("\n".join(f"{questions.get(k, k)}: {v}" for k, v in answers.items()))
    return msg.as_bytes()


def test_confirming_a_changed_form_applies_it(world: World) -> None:
    world.now = OPENS + timedelta(days=2)
    answers = person_answers("alex@dept.gov.uk", "Alex", "Lee", grade="HEO")
    [first] = world.run(register, submit(FORM))
    answers["job_title"] = "Head of policy"
    raw = _form_email(world, answers)
    with world.uow() as uow:
        stored = InboundMessage(
            key="<again@forms.example>",
            transport_id="t1",
            raw=raw,
            received_at=world.now,
        )
        uow.add(stored)
        uow.commit()
    with world.store.uow(inbound_id=key(stored)) as uow:
        parsed = forms.parse_form_email(parse_mail(raw, 10**6), world.config)
        [question] = register(submit(parsed.registration), uow, world.ctx)
        uow.commit()
    assert question.template == "form_update_confirm"
    assert _registration(world).job_title == "Policy adviser"  # nothing changed yet
    person = world.read(lambda uow: uow.repo.person_by_email("alex@dept.gov.uk"))
    assert person is not None
    emails = world.run(confirm, ask(person, Verb.CONFIRM, purpose=question.purpose))
    assert sent(emails) == [("registration_updated", "alex@dept.gov.uk")]
    assert _registration(world).job_title == "Head of policy"
    assert first.template == "confirm_address"
