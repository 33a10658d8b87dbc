"""Form emails get the same tolerance as imported spreadsheets: the relay's own address
line that says "anonymous", "Any" for a preference, profession aliases and an unknown
profession kept as "Other (their words)"."""

from __future__ import annotations

from sqlalchemy import select

from service.domain.model import Registration
from tests.harness import Programme, person_answers


def test_a_form_email_is_read_as_tolerantly_as_a_spreadsheet(programme: Programme) -> None:
    answers = {
        "Email": "anonymous",  # Microsoft Forms' own responder line, before the questions
        **person_answers(
            "ana.silva@hmrc.gov.uk",
            "Ana",
            "Silva",
            profession="Analyst",
            profession_of_interest="No preference",
        ),
    }
    report = programme.send(programme.form(answers))
    assert report.outcomes == {"processed": 1}
    programme.send(
        programme.form(
            person_answers("bo.chen@dwp.gov.uk", "Bo", "Chen", profession="Astrology")
        )
    )
    with programme.app.uow() as uow:
        regs = list(uow.session.scalars(select(Registration)).all())
    assert [(r.profession, r.profession_of_interest) for r in regs] == [
        ("Analysis", None),
        ("Other (Astrology)", "Policy"),
    ]
    for address in ("ana.silva@hmrc.gov.uk", "bo.chen@dwp.gov.uk"):  # asked to confirm
        assert "couldn't" not in programme.last_to(address).subject
