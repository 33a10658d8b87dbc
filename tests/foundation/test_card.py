"""The participant card: what one person may see of another, and never a characteristic.

The card is the one place that decides it (service/domain/card.py); the match emails,
the handlers and the jobs all show the other person through it. The property test tries
every configured characteristic (and arbitrary ones) on both sides of the card; the round
test renders the real match emails of a round whose people all share characteristics.
"""

from __future__ import annotations

import email
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from handlers import TABLE
from service.config import ProgrammeConfig, load_config
from service.domain.card import CARD_FIELDS, participant_card
from service.domain.model import Person, Registration, RegistrationStatus
from service.inbound.forms import Registration as FormData
from service.inbound.forms import Role
from service.registration import upsert_registration
from service.round_matching import commit, propose, send_matches
from service.rounds import close_round, create_round
from service.store.database import Database
from service.store.records import OutboundMessage
from service.store.sql_unit_of_work import SqlUnitOfWork
from tests.conftest import TEST_CONFIG

CONFIG = load_config(TEST_CONFIG)
CHARACTERISTICS = CONFIG.form.characteristics
NOW = datetime(2027, 6, 1, 9, tzinfo=UTC)


def _mentions(text: str, value: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(value)}(?!\w)", text, re.IGNORECASE) is not None


def _free_of(values: list[str]) -> st.SearchStrategy[str]:
    """Ordinary text that happens not to name any of `values` (so a hit is a leak)."""
    return st.text(max_size=40).filter(lambda t: not any(_mentions(t, v) for v in values))


held = st.lists(
    st.one_of(st.sampled_from(CHARACTERISTICS), st.from_regex(r"[A-Z][a-z]{5,12}", fullmatch=True)),
    min_size=1,
    max_size=4,
    unique=True,
)


@settings(derandomize=True, deadline=None, max_examples=200)
@given(held=held, data=st.data())
def test_no_characteristic_ever_reaches_a_card(held: list[str], data: st.DataObject) -> None:
    text = _free_of(held)
    person = Person(
        email=data.draw(text) + "@example.gov.uk",
        first_name=data.draw(text),
        last_name=data.draw(text),
        created_at=NOW,
    )
    grade = data.draw(st.sampled_from([g.code for g in CONFIG.grades]))
    reg = Registration(
        round_id=1,
        person_id=1,
        roles="mentee,mentor",
        grade=grade,
        department=data.draw(text),
        profession=data.draw(text),
        created_at=NOW,
        bio=data.draw(text),
        wants_shared_characteristic=True,
        characteristics=",".join(held),
    )
    card = participant_card(person, reg, CONFIG)
    assert tuple(card) == CARD_FIELDS
    for value in held:
        assert not any(_mentions(shown, value) for shown in card.values()), value
    # The card is the same whatever is held, and whether or not the person opted in.
    without = replace(reg, characteristics="", wants_shared_characteristic=False)
    assert participant_card(person, without, CONFIG) == card
    assert participant_card(person, None, CONFIG)["grade_name"] == ""


def _in_templates(value: str) -> bool:
    folder = Path(__file__).parents[2] / "mail_templates"
    return any(_mentions(p.read_text(encoding="utf-8"), value) for p in folder.rglob("*.*"))


def _form(n: int, role: Role, grade: str, department: str, config: ProgrammeConfig) -> FormData:
    return FormData(
        email=f"person{n}@example.gov.uk",
        first_name=f"Person{n}",
        last_name="Card",
        roles=frozenset({role}),
        grade=grade,
        department=department,
        profession="Policy",
        profession_of_interest="Policy" if role is Role.MENTEE else None,
        wants_shared_characteristic=True,
        characteristics=tuple(CHARACTERISTICS),  # everyone holds every one: all could leak
        bio="I like long walks.",
        long_term_capacity=1 if role is Role.MENTOR else 0,
    )


def test_match_emails_show_no_characteristic(db: Database) -> None:
    config = CONFIG
    departments = [d.name for d in config.departments]
    with SqlUnitOfWork(db, actor="coordinator") as uow:
        round_ = create_round(uow, "2027", NOW, datetime(2027, 6, 17, tzinfo=UTC), NOW)
        assert round_.id is not None
        people = [(Role.MENTEE, "EO"), (Role.MENTEE, "HEO"), (Role.MENTOR, "SEO")]
        people += [(Role.MENTOR, "G7"), (Role.MENTEE, "AO")]
        for n, (role, grade) in enumerate(people):
            form = _form(n, role, grade, departments[n % len(departments)], config)
            _, reg, _ = upsert_registration(uow, round_.id, form, config, NOW)
            reg.status = RegistrationStatus.CONFIRMED
            reg.confirmed_at = NOW
        close_round(uow, "2027", datetime(2027, 6, 18, tzinfo=UTC))
        uow.commit()
    later = datetime(2027, 6, 20, 10, tzinfo=UTC)
    with SqlUnitOfWork(db, actor="coordinator") as uow:
        assert commit(uow, propose(uow, "2027", config, later), config, later) > 0
        uow.commit()
    with SqlUnitOfWork(db, actor="coordinator") as uow:
        assert send_matches(uow, "2027", config, later, TABLE) == len(people)
        uow.commit()
    with db.session() as s:
        raws = [m.raw for m in s.scalars(select(OutboundMessage))]
    texts = []
    for raw in raws:
        for part in email.message_from_bytes(raw).walk():
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):  # each text and HTML part, decoded
                texts.append(payload.decode())
    assert any("Person2 Card" in t for t in texts)  # a mentor's card was shown
    assert any("I like long walks." in t for t in texts)
    # "Other" is also an everyday word of our templates; the card test above covers it.
    for value in [c for c in CHARACTERISTICS if not _in_templates(c)]:
        assert not any(_mentions(t, value) for t in texts), value
