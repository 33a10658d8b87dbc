"""The registration form: every problem collected, values normalised, nothing half-returned."""

from __future__ import annotations

import pytest

from service.config import ProgrammeConfig, load_config
from service.inbound.forms import Role, answers_from_text, read_answers


@pytest.fixture(scope="module")
def config() -> ProgrammeConfig:
    return load_config()


def good(**changes: str) -> dict[str, str]:
    answers = {
        "Your Civil Service email address": "Sam.Jones@HMRC.gov.uk",
        "Your first name": "Sam",
        "Your last name": "Jones",
        "Do you want to be a mentor, a mentee or both?": "Both",
        "Your department or agency": "HMRC",
        "Your grade": "HEO",
        "Your profession": "Tax",
        "I confirm I am eligible to take part": "Yes",
        "I agree to the code of conduct and privacy notice": "Yes",
    }
    answers.update(changes)
    return answers


def test_a_good_form_is_complete_and_normalised(config: ProgrammeConfig) -> None:
    result = read_answers(good(), config)
    assert result.problems == ()
    reg = result.registration
    assert reg is not None
    assert reg.email == "sam.jones@hmrc.gov.uk"
    assert reg.department == "HM Revenue and Customs"
    assert reg.grade == "HEO"
    assert reg.roles == {Role.MENTOR, Role.MENTEE}
    assert reg.long_term_capacity == config.capacity.mentor_long_term_default


def test_three_mistakes_give_three_plain_english_problems(config: ProgrammeConfig) -> None:
    result = read_answers(
        good(
            **{
                "Your Civil Service email address": "sam@@x",
                "Your grade": "G8",
                "Your last name": "  ",
            }
        ),
        config,
    )
    assert result.registration is None
    assert len(result.problems) == 3
    text = "\n".join(result.problems)
    assert "“sam@@x” is not a valid email address" in text
    assert "Your last name is missing." in text
    assert "We could not read your grade “G8”" in text
    for code in config.vocabulary.grade_codes:  # the accepted names are offered
        assert code in text


@pytest.mark.parametrize(
    ("question", "field_value"),
    [
        ("YOUR GRADE", "G7"),
        ("  your   grade *", "G7"),
        ("Your grade:", "G7"),
        ("Grade?", "G7"),
        ("Your substantive grade or band", "G7"),
    ],
)
def test_question_wording_is_matched_loosely(
    config: ProgrammeConfig, question: str, field_value: str
) -> None:
    answers = good()
    del answers["Your grade"]
    answers[question] = "Grade Seven"
    reg = read_answers(answers, config).registration
    assert reg is not None and reg.grade == field_value


def test_smart_quotes_in_questions_match(config: ProgrammeConfig) -> None:
    pairs = answers_from_text("Which characteristic(s)?\nGay\nYour first name: Sam", config)
    assert pairs == {"Which characteristic(s)?": "Gay", "Your first name": "Sam"}


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        ("Both", {Role.MENTOR, Role.MENTEE}),
        ("mentor and mentee", {Role.MENTOR, Role.MENTEE}),
        ("I’d like to be a mentee", {Role.MENTEE}),
        ("Mentor", {Role.MENTOR}),
    ],
)
def test_roles_from_free_text(config: ProgrammeConfig, text: str, roles: set[Role]) -> None:
    reg = read_answers(good(**{"Do you want to be a mentor, a mentee or both?": text}), config)
    assert reg.registration is not None and reg.registration.roles == roles


def test_unreadable_role_is_a_problem(config: ProgrammeConfig) -> None:
    result = read_answers(good(**{"Do you want to be a mentor, a mentee or both?": "?"}), config)
    assert any("mentor, a mentee or both" in p for p in result.problems)


@pytest.mark.parametrize(
    "tick", ["Yes", "I confirm", "True", "✓", "x", "I confirm I am eligible to take part"]
)
def test_ticks(config: ProgrammeConfig, tick: str) -> None:
    reg = read_answers(good(**{"I confirm I am eligible to take part": tick}), config)
    assert reg.ok


@pytest.mark.parametrize(
    "field",
    ["I confirm I am eligible to take part", "I agree to the code of conduct and privacy notice"],
)
def test_eligibility_and_consent_must_be_ticked(config: ProgrammeConfig, field: str) -> None:
    assert read_answers(good(**{field: "No"}), config).problems
    missing = good()
    del missing[field]
    assert read_answers(missing, config).problems


def test_an_aa_cannot_be_a_mentor(config: ProgrammeConfig) -> None:
    result = read_answers(good(**{"Your grade": "AA"}), config)
    assert result.problems == (
        "Mentors need to be AO (or equivalent) or above, so at AA you can take part as a"
        " mentee. Please choose “Mentee” instead of “Both”.",
    )
    assert read_answers(
        good(**{"Your grade": "AA", "Do you want to be a mentor, a mentee or both?": "Mentee"}),
        config,
    ).ok


def test_characteristics_are_kept_only_with_opt_in(config: ProgrammeConfig) -> None:
    question = (
        "Would you like to be matched with someone who shares an LGBT+ characteristic with you?"
    )
    opted_out = read_answers(good(**{question: "No", "Which characteristic(s)?": "Gay"}), config)
    assert opted_out.registration is not None
    assert opted_out.registration.characteristics == ()
    opted_in = read_answers(
        good(**{question: "Yes", "Which characteristic(s)?": "Gay; trans and Non binary"}), config
    )
    assert opted_in.registration is not None
    assert opted_in.registration.characteristics == ("Gay", "Trans", "Non-binary")


@pytest.mark.parametrize(("text", "number"), [("2", 2), ("up to three", 3), ("1-2", 2), ("0", 0)])
def test_capacity(config: ProgrammeConfig, text: str, number: int) -> None:
    reg = read_answers(good(**{"How many long-term mentees could you support?": text}), config)
    assert reg.registration is not None and reg.registration.long_term_capacity == number


def test_capacity_over_the_maximum_is_a_problem(config: ProgrammeConfig) -> None:
    result = read_answers(good(**{"How many long-term mentees could you support?": "10"}), config)
    assert any("from 0 to 3" in p for p in result.problems)


def test_empty_answers_list_every_required_question(config: ProgrammeConfig) -> None:
    result = read_answers({}, config)
    required = [q for q in config.form.questions if q.required]
    assert result.registration is None and len(result.problems) == len(required)


def test_unknown_department_is_kept_as_typed(config: ProgrammeConfig) -> None:
    reg = read_answers(good(**{"Your department or agency": "  Office  of Rail and Road "}), config)
    assert reg.registration is not None
    assert reg.registration.department == "Office of Rail and Road"


# --- tolerance: what form tools and people write ------------------------------------


@pytest.mark.parametrize("text", ["Any", "No preference", "None", "Not sure", "no  preference."])
def test_no_preference_means_no_profession_of_interest(config: ProgrammeConfig, text: str) -> None:
    reg = read_answers(
        good(**{"Which profession would you like your mentor to be from?": text}), config
    )
    assert reg.registration is not None and reg.registration.profession_of_interest is None


@pytest.mark.parametrize(
    ("text", "profession"),
    [
        ("Analysis", "Analysis"),
        ("Analyst", "Analysis"),
        ("Government Analysis Function", "Analysis"),
        ("HR", "Human Resources"),
        ("DDaT", "Digital, Data and Technology"),
        ("Operations", "Operational Delivery"),
    ],
)
def test_profession_aliases_come_from_the_configuration(
    config: ProgrammeConfig, text: str, profession: str
) -> None:
    result = read_answers(good(**{"Your profession": text}), config)
    assert result.registration is not None and result.registration.profession == profession
    assert result.warnings == ()


def test_an_unknown_profession_is_kept_as_other_with_a_warning(config: ProgrammeConfig) -> None:
    result = read_answers(good(**{"Your profession": "Astrology"}), config)
    assert result.registration is not None
    assert result.registration.profession == "Other (Astrology)"
    [warning] = result.warnings
    assert warning.field == "profession"
    assert "“Astrology” is not a profession we know" in warning.coordinator


def test_the_question_beats_a_form_tools_email_column_and_anonymous_is_no_address(
    config: ProgrammeConfig,
) -> None:
    answers = {"Email": "anonymous", **good()}
    result = read_answers(answers, config)
    assert result.registration is not None
    assert result.registration.email == "sam.jones@hmrc.gov.uk"
    only_anonymous = {"Email": "anonymous", **good(**{"Your Civil Service email address": ""})}
    result = read_answers(only_anonymous, config)
    assert result.registration is None
    assert [p.coordinator for p in result.issues] == ["empty, but an answer is required"]


def test_headers_may_be_field_names(config: ProgrammeConfig) -> None:
    answers = {
        {q.text: q.field for q in config.form.questions}.get(k, k): v for k, v in good().items()
    }
    assert "first_name" in answers and "grade" in answers
    result = read_answers(answers, config)
    assert result.registration is not None and result.registration.first_name == "Sam"


def test_characteristic_aliases_and_the_coordinator_never_sees_one(
    config: ProgrammeConfig,
) -> None:
    question = (
        "Would you like to be matched with someone who shares an LGBT+ characteristic with you?"
    )
    result = read_answers(
        good(**{question: "Yes", "Which characteristic(s)?": "Bisexual or pansexual, Transgender"}),
        config,
    )
    assert result.registration is not None
    assert result.registration.characteristics == ("Bisexual", "Pansexual", "Trans")
    result = read_answers(
        good(**{question: "Yes", "Which characteristic(s)?": "Polyamorous"}), config
    )
    [issue] = result.issues
    assert "Polyamorous" not in issue.coordinator and "not shown" in issue.coordinator
    assert "Polyamorous" not in issue.person and "one of the characteristics" in issue.person


def test_an_alias_naming_an_unknown_profession_is_refused_when_loading(tmp_path) -> None:
    from service.errors import ConfigError

    path = tmp_path / "deployment.toml"
    path.write_text('[form.profession_aliases]\n"Ops" = "Operations Research Unit"\n')
    with pytest.raises(ConfigError, match="profession_aliases"):
        load_config(path)
