"""Names people write on the form, mapped to the configured canonical ones.

Grades map to a rung of the ladder (an index: 0 is the most junior); departments map to
their canonical name. Both ignore case and punctuation (see `service.text.fold`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from service.text import fold

if TYPE_CHECKING:
    from service.config import ProgrammeConfig


@dataclass(frozen=True)
class Vocabulary:
    grade_codes: tuple[str, ...]
    grade_names: dict[str, str]
    minimum_mentor_grade: str
    professions: tuple[str, ...]
    characteristics: tuple[str, ...]
    _grades: dict[str, str] = field(repr=False)
    _departments: dict[str, str] = field(repr=False)
    _professions: dict[str, str] = field(repr=False)
    _characteristics: dict[str, tuple[str, ...]] = field(repr=False)
    _no_preference: frozenset[str] = field(repr=False, default=frozenset())

    @classmethod
    def from_config(cls, config: ProgrammeConfig) -> Vocabulary:
        grades = {fold(n): g.code for g in config.grades for n in (g.code, g.name, *g.aliases)}
        departments = {fold(n): d.name for d in config.departments for n in (d.name, *d.aliases)}
        form = config.form
        professions = {fold(a): p for a, p in form.profession_aliases.items()}
        professions.update({fold(p): p for p in form.professions})  # a name beats an alias
        characteristics = {fold(a): tuple(c) for a, c in form.characteristic_aliases.items()}
        characteristics.update({fold(c): (c,) for c in form.characteristics})
        return cls(
            grade_codes=tuple(g.code for g in config.grades),
            grade_names={g.code: g.name for g in config.grades},
            minimum_mentor_grade=config.eligibility.minimum_mentor_grade,
            professions=config.form.professions,
            characteristics=config.form.characteristics,
            _grades=grades,
            _departments=departments,
            _professions=professions,
            _characteristics=characteristics,
            _no_preference=frozenset(fold(n) for n in form.no_preference),
        )

    def grade(self, text: str) -> str | None:
        """The rung code for what someone wrote, or None when it is not a known grade."""
        return self._grades.get(fold(text))

    def rank(self, code: str) -> int:
        """Position on the ladder: 0 is the most junior rung."""
        return self.grade_codes.index(code)

    def can_mentor(self, code: str) -> bool:
        return self.rank(code) >= self.rank(self.minimum_mentor_grade)

    def department(self, text: str) -> str:
        """The canonical department name; an unknown one is kept as typed (tidied)."""
        cleaned = " ".join(text.split())
        return self._departments.get(fold(cleaned), cleaned)

    def profession(self, text: str) -> str | None:
        return self._professions.get(fold(text))

    def characteristic(self, text: str) -> tuple[str, ...] | None:
        """The configured characteristic(s) an answer names ("Bisexual or pansexual" is
        two), or None when it names none we know."""
        return self._characteristics.get(fold(text))

    def no_preference(self, text: str) -> bool:
        """ "Any", "No preference", "Not sure": an answer that asks for nothing."""
        return fold(text) in self._no_preference
