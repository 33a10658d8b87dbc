"""Turn a template name and a context into an email's subject, plain text and HTML.

Each email is a folder under `mail_templates/` holding `subject.txt`, `body.txt` and
`body.html`. A deployment can override any file by putting its own copy under the same
name in the folder named by MENTORING_TEMPLATES, which is searched first.

The context is plain data (dicts, lists, strings, numbers, dates): see
`tests/templates/samples.py` for the shape each template expects. Every context has
`programme` (the fields of `ProgrammeConfig.programme`) and `commands` (the
(command, explanation) pairs the recipient can send right now, shown in the footer).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from service.text import one_line

DEFAULT_TEMPLATES_DIR = Path(__file__).resolve().parent.parent.parent / "mail_templates"
_DEFAULT_TZ = "Europe/London"
_PARTS = ("subject.txt", "body.txt", "body.html")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def _zone(context: Context) -> ZoneInfo:
    programme = context.get("programme")
    tz = _DEFAULT_TZ
    if isinstance(programme, Mapping):
        tz = str(programme.get("timezone") or _DEFAULT_TZ)
    elif programme is not None:
        tz = str(getattr(programme, "timezone", _DEFAULT_TZ) or _DEFAULT_TZ)
    return ZoneInfo(tz)


def _local(context: Context, value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # naive times are taken to be UTC, like the clock's
            value = value.replace(tzinfo=ZoneInfo("UTC"))
        return value.astimezone(_zone(context))
    return value


@pass_context
def longdate(context: Context, value: date | datetime) -> str:
    """'Tuesday 3 March 2026', in programme-local time."""
    local = _local(context, value)
    return f"{local:%A} {local.day} {local:%B %Y}"


@pass_context
def shortdate(context: Context, value: date | datetime) -> str:
    """'3 March 2026', in programme-local time."""
    local = _local(context, value)
    return f"{local.day} {local:%B %Y}"


@pass_context
def datetime_text(context: Context, value: datetime) -> str:
    """'Tuesday 3 March 2026 at 2:30pm', in programme-local time."""
    local = _local(context, value)
    assert isinstance(local, datetime)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{longdate(context, value)} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def hours_text(value: float) -> str:
    """2 -> '2 hours', 1 -> '1 hour', 1.5 -> '1.5 hours'."""
    number = f"{value:g}"
    return f"{number} hour" if number == "1" else f"{number} hours"


def number(value: float) -> str:
    """1.0 -> '1', 1.5 -> '1.5'."""
    return f"{value:g}"


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    word = singular if count == 1 else (plural_form or singular + "s")
    return f"{count} {word}"


def and_list(items: Sequence[str]) -> str:
    """['a', 'b', 'c'] -> 'a, b and c'."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def search_path() -> list[str]:
    """MENTORING_TEMPLATES first (a deployment's own wording), then the defaults."""
    override = os.environ.get("MENTORING_TEMPLATES")
    paths = [override] if override else []
    return [*paths, str(DEFAULT_TEMPLATES_DIR)]


def _autoescape(name: str | None) -> bool:
    return bool(name and name.endswith(".html"))


@lru_cache(maxsize=8)
def _environment(paths: tuple[str, ...]) -> Environment:
    # auto_reload off: each email renders three templates (and their layout), and Jinja
    # would stat every file each time to see whether it changed. Wording changes reach a
    # running worker when it restarts (README, Configuration).
    env = Environment(
        loader=FileSystemLoader(list(paths)),
        auto_reload=False,
        undefined=StrictUndefined,
        autoescape=_autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        longdate=longdate,
        shortdate=shortdate,
        datetime_text=datetime_text,
        hours=hours_text,
        number=number,
        plural=plural,
        and_list=and_list,
    )
    return env


def environment() -> Environment:
    return _environment(tuple(search_path()))


def template_names() -> list[str]:
    """Every email the programme can send (folders holding all three parts)."""
    names: set[str] = set()
    for base in map(Path, search_path()):
        if not base.is_dir():
            continue
        for folder in base.iterdir():
            if folder.name.startswith("_") or not folder.is_dir():
                continue
            if all((folder / part).is_file() for part in _PARTS):
                names.add(folder.name)
    return sorted(names)


def _tidy_text(text: str) -> str:
    # Templates stay readable with blank lines around blocks; mail keeps at most one.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"


def render(template_name: str, context: Mapping[str, Any]) -> RenderedEmail:
    """Render one email. Missing context keys raise (StrictUndefined), never print blank."""
    env = environment()
    data = dict(context)
    data.setdefault("template_name", template_name)
    subject = one_line(env.get_template(f"{template_name}/subject.txt").render(data))
    data["subject"] = subject  # the HTML <title>
    text = env.get_template(f"{template_name}/body.txt").render(data)
    html = env.get_template(f"{template_name}/body.html").render(data)
    return RenderedEmail(subject=subject, text=_tidy_text(text), html=html.strip() + "\n")
