"""The configuration cache under the data directory: used while the files are byte for
byte the same, read again the moment either changes, never holding a refused file."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
import typing
from pathlib import Path

import pytest

from service import config as config_module
from service.config import ProgrammeConfig, load_config
from service.config_cache import CACHE_FILE, load_config_cached
from service.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    return home


def test_the_first_load_keeps_the_validated_configuration(tmp_path, home):
    deployment = write(tmp_path / "deployment.toml", "[capacity]\nmentee_introductions = 2\n")
    first = load_config_cached(deployment, home)
    assert (home / CACHE_FILE).is_file()
    again = load_config_cached(deployment, home)
    assert again == first == load_config(deployment)
    assert again.capacity.mentee_introductions == 2


def test_an_edit_is_seen_even_at_the_same_size_and_time(tmp_path, home):
    deployment = write(tmp_path / "deployment.toml", "[capacity]\nmentee_introductions = 2\n")
    assert load_config_cached(deployment, home).capacity.mentee_introductions == 2
    stat = deployment.stat()
    write(deployment, "[capacity]\nmentee_introductions = 4\n")
    os.utime(deployment, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert deployment.stat().st_size == stat.st_size
    assert load_config_cached(deployment, home).capacity.mentee_introductions == 4
    # ...and the cache now holds the new one.
    assert load_config_cached(deployment, home).capacity.mentee_introductions == 4


def test_another_file_or_none_is_another_configuration(tmp_path, home, monkeypatch):
    monkeypatch.delenv("MENTORING_CONFIG", raising=False)
    two = write(tmp_path / "two.toml", "[capacity]\nmentee_introductions = 2\n")
    four = write(tmp_path / "four.toml", "[capacity]\nmentee_introductions = 4\n")
    assert load_config_cached(two, home).capacity.mentee_introductions == 2
    assert load_config_cached(four, home).capacity.mentee_introductions == 4
    assert load_config_cached(None, home) == load_config()
    monkeypatch.setenv("MENTORING_CONFIG", str(two))
    assert load_config_cached(None, home).capacity.mentee_introductions == 2


def test_a_refused_file_is_refused_every_time_and_never_kept(tmp_path, home):
    deployment = write(tmp_path / "deployment.toml", "[capacity]\nmentee_introductions = 0\n")
    for _ in range(2):
        with pytest.raises(ConfigError, match=r"capacity\.mentee_introductions"):
            load_config_cached(deployment, home)
    assert not (home / CACHE_FILE).exists()
    # Fixed after a good version was cached, then broken again: refused again.
    write(deployment, "[capacity]\nmentee_introductions = 2\n")
    load_config_cached(deployment, home)
    write(deployment, "[capacity]\nmentee_introductions = 0\n")
    with pytest.raises(ConfigError, match=r"capacity\.mentee_introductions"):
        load_config_cached(deployment, home)


def test_a_damaged_cache_is_ignored_and_replaced(home):
    (home / CACHE_FILE).parent.mkdir()
    (home / CACHE_FILE).write_bytes(b"not a pickle")
    assert load_config_cached(None, home) == load_config()
    _key, kept = pickle.loads((home / CACHE_FILE).read_bytes())
    assert kept == load_config()


def test_a_cache_from_another_schema_is_not_used(home):
    """The key holds service/config.py's source: a cache written for another version of
    the schema (here, one with a different capacity) is read again from the files."""
    load_config_cached(None, home)
    (schema, sources), kept = pickle.loads((home / CACHE_FILE).read_bytes())
    assert schema == Path(config_module.__file__).read_bytes()
    other = dataclasses.replace(
        kept, capacity=dataclasses.replace(kept.capacity, mentee_introductions=9)
    )
    (home / CACHE_FILE).write_bytes(pickle.dumps(((b"an older schema", sources), other)))
    assert load_config_cached(None, home).capacity.mentee_introductions == 3
    # With the right key the kept configuration is what is used (the cache is real).
    (home / CACHE_FILE).write_bytes(pickle.dumps(((schema, sources), other)))
    assert load_config_cached(None, home).capacity.mentee_introductions == 9


def test_no_data_directory_yet_writes_nothing(tmp_path):
    missing = tmp_path / "not-yet"
    assert load_config_cached(None, missing) == load_config()
    assert not missing.exists()


PROBE = """
import json, sys
from pathlib import Path
from service.config_cache import load_config_cached
config = load_config_cached(None, Path(sys.argv[1]))
print(json.dumps([config.capacity.mentee_introductions, "pydantic" in sys.modules]))
"""


def test_a_cached_configuration_is_loaded_without_pydantic(home):
    def run() -> list[object]:
        done = subprocess.run(
            [sys.executable, "-c", PROBE, str(home)],
            capture_output=True,
            text=True,
            check=True,
            env={k: v for k, v in os.environ.items() if k != "MENTORING_CONFIG"},
        )
        result: list[object] = json.loads(done.stdout)
        return result

    assert run() == [3, True]  # the first run validates the files
    assert run() == [3, False]  # later ones read the cache


def _sections() -> list[type]:
    return [
        cls
        for cls in vars(config_module).values()
        if isinstance(cls, type) and issubclass(cls, config_module._Section)
        if cls is not config_module._Section
    ]


@pytest.mark.parametrize("section", _sections(), ids=lambda c: c.__name__)
def test_every_value_is_validated_strictly(section):
    """A scalar or array field without `strict` would quietly accept "3" for 3 or 1 for
    true: every field is strict, or a nested table, or a Literal (exact already)."""
    hints = typing.get_type_hints(section, vars(config_module))
    for f in dataclasses.fields(section):
        hint = hints[f.name]
        if isinstance(hint, type) and issubclass(hint, config_module._Section):
            continue
        if typing.get_origin(hint) is typing.Literal:
            continue
        assert f.metadata.get("strict") is True, f"{section.__name__}.{f.name}"


def test_the_whole_configuration_is_a_section():
    assert ProgrammeConfig in _sections()
