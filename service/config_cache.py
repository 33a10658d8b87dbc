"""The validated configuration, kept under the data directory between commands.

Validating the TOML files takes pydantic, whose import and schema building cost a fresh
`mentoring` process about 0.2 s: a third of a 1,000-person `round match`. The result
depends only on the files' bytes and on the schema (service/config.py), so it is kept
with exactly those as its key and used while all of them are byte for byte the same.
Editing either file (even within the same second, to the same size), pointing
--config or MENTORING_CONFIG elsewhere, or changing the schema's source reads the
files again. A configuration that fails validation is never kept: its error is shown
on every run.

The cache is a pickle in $MENTORING_HOME/cache/, beside the database: whoever can write
there can already change everything the service does, so it is trusted like the
database. A cache that cannot be read (damaged, from another version) is ignored and
replaced; one that cannot be written (a read-only data directory) is skipped.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

from service import config
from service.config import ProgrammeConfig, Source

CACHE_FILE = Path("cache") / "config.pickle"

Key = tuple[bytes, tuple[tuple[str, bytes], ...]]


def load_config_cached(path: str | os.PathLike[str] | None, home: Path) -> ProgrammeConfig:
    """`service.config.load_config(path)`, through the cache under `home` (the data
    directory; nothing is written when it does not exist yet)."""
    sources = config.read_sources(path)
    key = _key(sources)
    if key is None:
        return config.parse(sources)
    cache_file = home / CACHE_FILE
    cached = _read(cache_file, key)
    if cached is not None:
        return cached
    loaded = config.parse(sources)
    if home.is_dir():
        _write(cache_file, key, loaded)
    return loaded


def _key(sources: tuple[Source, ...]) -> Key | None:
    """What the validated configuration depends on; None when the schema's source cannot
    be read (then nothing is cached)."""
    try:
        schema = Path(config.__file__).read_bytes()
    except OSError:
        return None
    return schema, tuple((str(p.resolve()), raw) for p, raw in sources)


def _read(cache_file: Path, key: Key) -> ProgrammeConfig | None:
    try:
        with cache_file.open("rb") as fh:
            stored_key, stored = pickle.load(fh)
    except Exception:  # none yet, damaged, or from another version: read the files instead
        return None
    if stored_key != key or not isinstance(stored, ProgrammeConfig):
        return None
    return stored


def _write(cache_file: Path, key: Key, loaded: ProgrammeConfig) -> None:
    """Atomically: a process reading the cache meanwhile sees the old one or the new."""
    import tempfile  # only when writing: ~5 ms a cached run does without

    try:
        cache_file.parent.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=".config-")
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, loaded), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only data directory: every run reads the files, as without a cache
