"""Dates as people write them in mail, read UK-style (day before month).

"3 March", "3rd of March 2026", "March 3", "12/03", "16.03.", "2026-03-16", "Montag,
16. März", "lundi 16 mars", "yesterday", "last Tuesday". A date without a year is the
nearest one in the right direction from a reference day (the past for "we met", the
future for "back on").
"""

from __future__ import annotations

import re
from datetime import date, timedelta

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar jänner janvier enero gennaio januari",
        "february feb februar février fevrier febrero febbraio februari",
        "march mar märz maerz marz mars marzo maart",
        "april apr avril abril aprile",
        "may mai mayo maggio mei maj",
        "june jun juni juin junio giugno",
        "july jul juli juillet julio luglio",
        "august aug août aout agosto augustus augusti",
        "september sep sept septembre septiembre settembre",
        "october oct oktober octobre octubre ottobre",
        "november nov novembre noviembre",
        "december dec dezember décembre decembre diciembre dicembre",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_WEEKDAYS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "monday mon montag lundi lunes lunedì lunedi maandag måndag mandag",
        "tuesday tue tues dienstag mardi martes martedì martedi dinsdag tisdag tirsdag",
        "wednesday wed mittwoch mercredi miércoles miercoles mercoledì mercoledi woensdag onsdag",
        "thursday thu thur thurs donnerstag jeudi jueves giovedì giovedi donderdag torsdag",
        "friday fri freitag vendredi viernes venerdì venerdi vrijdag fredag",
        "saturday sat samstag samedi sábado sabado sabato zaterdag lördag lordag lørdag",
        "sunday sun sonntag dimanche domingo domenica zondag söndag sondag søndag",
    ]
):
    for _name in _names.split():
        _WEEKDAYS[_name] = _number

_MONTH_RE = "|".join(sorted(map(re.escape, _MONTHS), key=len, reverse=True))
_WEEKDAY_RE = "|".join(sorted(map(re.escape, _WEEKDAYS), key=len, reverse=True))
_ORD = r"(?:st|nd|rd|th|er|e)?"

# Each pattern names its groups d, m (number or month name) and y.
_PATTERNS = [
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<d>\d{1,2})/(?P<m>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?\b"),
    re.compile(r"\b(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})?(?!\d)"),
    re.compile(r"\b(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4}|\d{2})\b"),
    re.compile(
        rf"\b(?P<d>\d{{1,2}}){_ORD}\.?\s*(?:of\s+|de\s+)?(?P<m>{_MONTH_RE})\b\.?"
        rf"(?:,?\s+(?:de\s+)?(?P<y>\d{{4}}))?",
        re.IGNORECASE,
    ),
    re.compile(
        rf"\b(?P<m>{_MONTH_RE})\b\.?\s+(?:the\s+)?(?P<d>\d{{1,2}}){_ORD}\b(?:,?\s+(?P<y>\d{{4}}))?",
        re.IGNORECASE,
    ),
]
_RELATIVE = {
    "today": 0,
    "heute": 0,
    "aujourd'hui": 0,
    "hoy": 0,
    "oggi": 0,
    "vandaag": 0,
    "idag": 0,
    "yesterday": -1,
    "gestern": -1,
    "hier": -1,
    "ayer": -1,
    "ieri": -1,
    "gisteren": -1,
    "igår": -1,
    "the day before yesterday": -2,
    "tomorrow": 1,
    "morgen": 1,
    "demain": 1,
}
_WEEKDAY_PHRASE = re.compile(
    rf"^(?:(?P<which>last|this|next|on)\s+)?(?P<w>{_WEEKDAY_RE})$", re.IGNORECASE
)


def _build(day: int, month: int, year: int | None, reference: date, future: bool) -> date | None:
    if year is not None and year < 100:
        year += 2000
    try:
        if year is not None:
            return date(year, month, day)
        candidate = date(reference.year, month, day)
    except ValueError:
        # 29 February in a year without one, or a day/month that does not exist.
        if year is None and month == 2 and day == 29:
            return None
        return None
    if future and candidate < reference:
        return _safe(candidate.year + 1, month, day)
    if not future and candidate > reference:
        return _safe(candidate.year - 1, month, day)
    return candidate


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _from_match(match: re.Match[str], reference: date, future: bool) -> date | None:
    d, m, y = match.group("d"), match.group("m"), match.group("y")
    month = int(m) if m.isdigit() else _MONTHS.get(m.lower().rstrip("."), 0)
    if not 1 <= month <= 12:
        return None
    return _build(int(d), month, int(y) if y else None, reference, future)


def find_dates(text: str, reference: date, *, future: bool) -> list[date]:
    """Every explicit calendar date in `text`, in order of appearance."""
    found: list[tuple[int, date]] = []
    taken: list[tuple[int, int]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            span = match.span()
            if any(s < span[1] and span[0] < e for s, e in taken):
                continue
            when = _from_match(match, reference, future)
            if when is not None:
                found.append((span[0], when))
                taken.append(span)
    return [when for _pos, when in sorted(found)]


def parse_date(phrase: str, reference: date, *, future: bool = False) -> date | None:
    """A whole phrase read as one date ("yesterday", "on 3 March", "last tue"), else None."""
    text = " ".join(phrase.lower().replace(",", " ").split())
    text = re.sub(r"^(?:(?:on|the|am|le|el|il|op)\s+)+", "", text)
    if text in _RELATIVE:
        return reference + timedelta(days=_RELATIVE[text])
    weekday = _WEEKDAY_PHRASE.match(text)
    if weekday:
        target = _WEEKDAYS[weekday.group("w").lower()]
        which = (weekday.group("which") or "").lower()
        if (future and which != "last") or which == "next":
            ahead = (target - reference.weekday()) % 7
            return reference + timedelta(days=ahead or (7 if which == "next" else 0))
        back = (reference.weekday() - target) % 7
        if which == "last" and back == 0:
            back = 7
        return reference - timedelta(days=back)
    # A weekday before an explicit date ("Monday 16th March") adds nothing.
    text = re.sub(rf"^(?:{_WEEKDAY_RE})\.?\s+(?:the\s+)?", "", text)
    for pattern in _PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            return _from_match(match, reference, future)
    return None
