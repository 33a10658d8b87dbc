"""Configuration: the defaults load, and every kind of mistake is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.config import load_config
from service.errors import ConfigError
from service.settings import load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deployment.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_load_with_the_programme_ladder(config):
    assert [g.code for g in config.grades] == [
        "AA",
        "AO",
        "EO",
        "HEO",
        "SEO",
        "G7",
        "G6",
        "SCS1",
        "SCS2",
        "SCS3",
        "SCS4",
    ]
    assert config.eligibility.minimum_mentor_grade == "AO"
    assert config.capacity.mentor_introductions == 3
    assert config.timings.speed_window == 28
    assert config.timings.check_in_every == 42
    assert config.timings.programme_length == 365


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Grade 7", "G7"),
        ("grade-7", "G7"),
        ("G7", "G7"),
        ("Higher Executive Officer", "HEO"),
        ("Deputy Director", "SCS1"),
        ("SCS pay band 1", "SCS1"),
        ("S.C.S. 1", "SCS1"),
        ("EOII", "EO"),
        ("EO I", "HEO"),
        ("Staff Officer", "HEO"),
        ("Deputy Principal", "SEO"),
        ("Fast Stream", "HEO"),
        ("B2", "HEO"),
        ("c1", "G7"),
        ("Administrative Assistant", "AA"),
    ],
)
def test_grade_names_fold_to_rungs(config, written, code):
    assert config.vocabulary.grade(written) == code


def test_unknown_grade_is_none(config):
    assert config.vocabulary.grade("G8") is None


def test_department_aliases_and_unknown_kept(config):
    v = config.vocabulary
    assert v.department("hmrc") == "HM Revenue and Customs"
    assert v.department("  Ministry   of  Defence ") == "Ministry of Defence"
    assert v.department("MoD") == "Ministry of Defence"
    assert v.department("Forestry  Commission") == "Forestry Commission"


def test_override_merges_key_by_key(tmp_path):
    cfg = load_config(write(tmp_path, "[timings]\nspeed_window = 21\n"))
    assert cfg.timings.speed_window == 21
    assert cfg.timings.check_in_every == 42  # untouched keys keep their defaults


def test_environment_names_the_file(tmp_path, monkeypatch):
    path = write(tmp_path, "[capacity]\nmentee_introductions = 2\n")
    monkeypatch.setenv("MENTORING_CONFIG", str(path))
    assert load_config().capacity.mentee_introductions == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[timings]\nspeed_windw = 3\n", "timings.speed_windw: unknown key"),
        (
            '[timings]\nspeed_window = "four weeks"\n',
            "timings.speed_window: Input should be a valid integer",
        ),
        ("[timings]\nspeed_window = 2.5\n", "timings.speed_window"),
        (
            "[timings]\napproach_reminder_after = 12\n",
            "approach_reminder_after must be fewer days than approach_expiry_after",
        ),
        (
            "[timings]\ncheck_in_every = 0\n",
            "timings.check_in_every: Input should be greater than or equal to 1",
        ),
        (
            "[timings]\ncontact_nudges_after = [7, 40]\n",
            "contact_nudges_after must all fall inside speed_window",
        ),
        ("[timings]\nguidance_after = [30, 10]\n", "guidance_after must be increasing"),
        ("[matching]\ngrade_gap_min = 3\n", "grade_gap_min cannot be more than grade_gap_max"),
        ('[eligibility]\nminimum_mentor_grade = "Z9"\n', "'Z9' is not one of the grades"),
        (
            "[capacity]\nmentor_long_term_default = 5\n",
            "mentor_long_term_default cannot be more than",
        ),
        (
            '[[form.questions]]\nfield = "shoe_size"\ntext = "Shoe size"\n',
            "unknown field 'shoe_size'",
        ),
        ('[security]\nauthserv_id = "mx.dept.example; dmarc=pass"\n', "security.authserv_id"),
        ("[security]\ndestructive_token_max_age_days = 0\n", "destructive_token_max_age_days"),
        (
            '[security]\nexchange_organization_domains = ["alex@dept.gov.uk"]\n',
            "'alex@dept.gov.uk' is not a lower-case domain",
        ),
        ("[security]\nverify = true\n", "security.verify: unknown key"),
        ("wat = 1\n", "wat: unknown key"),
        # Strict: TOML's own types only, never a string or number standing in for another.
        ("[programme]\nplus_addressing = 1\n", "programme.plus_addressing: Input should be"),
        ('[capacity]\nmentee_introductions = "2"\n', "capacity.mentee_introductions"),
        ('[coordinators]\naddresses = "a@dept.gov.uk"\n', "coordinators.addresses"),
        ('[working_hours]\ndays = ["someday"]\n', "working_hours.days.0"),
        ('[schedule]\ndigest_at = "8am"\n', "schedule.digest_at"),
        ("[capacity]\nextra = 1\n", "capacity.extra: unknown key"),
        ("[timings\n", "not valid TOML"),
    ],
)
def test_each_mistake_is_refused_naming_file_and_key(tmp_path, text, expected):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as excinfo:
        load_config(path)
    message = str(excinfo.value)
    assert str(path) in message
    assert expected in message


def test_ladder_with_a_gap_is_refused(tmp_path, config):
    # Replacing the ladder with one that names a rung twice leaves a hole in it.
    rungs = "".join(
        f'[[grades]]\ncode = "{code}"\nname = "{code}"\n'
        for code in ["AA", "AO", "EO", "EO", "SEO"]
    )
    with pytest.raises(ConfigError, match="rung 'EO' is listed twice"):
        load_config(write(tmp_path, rungs))


def test_alias_naming_two_rungs_is_refused(tmp_path):
    rungs = (
        '[[grades]]\ncode = "AA"\nname = "Assistant"\naliases = ["Band 1"]\n'
        '[[grades]]\ncode = "AO"\nname = "Officer"\naliases = ["band-1"]\n'
        '[[grades]]\ncode = "EO"\nname = "Exec"\n'
    )
    with pytest.raises(ConfigError, match="'band-1' names both 'AA' and 'AO'"):
        load_config(write(tmp_path, rungs + "[matching]\ngrade_gap_max = 2\n"))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "nope.toml")


def test_settings_defaults_and_refusals(tmp_path):
    settings = load_settings({"MENTORING_HOME": str(tmp_path)})
    assert settings.database_url == f"sqlite:///{tmp_path / 'mentoring.db'}"
    assert settings.mail_backend == "maildir"
    assert settings.redis_url == ""
    with pytest.raises(ConfigError, match="MAIL_BACKEND='pigeon'"):
        load_settings({"MAIL_BACKEND": "pigeon"})
    with pytest.raises(ConfigError, match="IMAP_PORT='x'"):
        load_settings({"IMAP_PORT": "x"})


def test_secrets_are_not_in_the_repr(tmp_path):
    settings = load_settings({"GRAPH_CLIENT_SECRET": "s3cret-value", "IMAP_PASSWORD": "pw-value"})
    assert "s3cret-value" not in repr(settings)
    assert "pw-value" not in repr(settings)
