"""Which column of a spreadsheet is which question of the form.

Form tools add columns of their own (Microsoft Forms: `ID, Start time, Completion time,
Email, Name`; Google Forms: `Timestamp, Email address`): the configured layouts
(`form.exports`) recognise them, so they are never read as answers, and their address
column ("anonymous" when nobody signed in) only stands in for an unanswered address
question. Every other header is matched by question text, another wording, or the field's
name; whatever is left is reported as ignored, never silently dropped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from service.config import FormExport, ProgrammeConfig
from service.inbound.forms import question_index, straighten
from service.text import fold


@dataclass(frozen=True)
class ColumnPlan:
    tool: str | None  # "Microsoft Forms", or None for a file of questions only
    used: dict[str, str]  # header -> the question's field, in the file's order
    tool_columns: tuple[str, ...]  # the tool's own columns: not answers
    unknown: tuple[str, ...]  # headers that are no question we know
    respondent_email: str | None  # the tool's address column, when it has one
    missing: tuple[str, ...]  # required questions with no column (their texts)

    def column_of(self, field: str) -> str | None:
        """The header a field was read from (the first, when several are)."""
        found = next((h for h, f in self.used.items() if f == field), None)
        if found is None and field == "email":
            return self.respondent_email
        return found

    def answers(self, row: Mapping[str, str], email_question: str) -> dict[str, str]:
        """The row's answers by header, for `read_answers`; the tool's address fills in
        an unanswered address question ("anonymous" never does: see `forms._by_field`)."""
        found = {h: row.get(h, "") for h in self.used}
        if self.respondent_email and not any(
            found[h].strip() for h, f in self.used.items() if f == "email"
        ):
            found[email_question] = row.get(self.respondent_email, "")
        return found

    def summary(self) -> str:
        """One line for the coordinator: what was read and what was not."""
        used = ", ".join(f"'{h}' ({f})" for h, f in self.used.items())
        ignored = []
        if self.tool_columns:
            ignored.append(f"{_listed(self.tool_columns)} (added by {self.tool})")
        if self.unknown:
            ignored.append(f"{_listed(self.unknown)} (not a question we know)")
        return (
            (f"{self.tool} export. " if self.tool else "")
            + f"Columns used: {used or 'none'}."
            + (f" Ignored: {'; '.join(ignored)}." if ignored else " Nothing ignored.")
            + (
                f" The address in '{self.respondent_email}' is used where the form's own"
                " address question is missing or unanswered ('anonymous' never is)."
                if self.respondent_email
                else ""
            )
        )


def _listed(headers: Sequence[str]) -> str:
    return ", ".join(f"'{h}'" for h in headers)


def _tool(headers: Sequence[str], exports: Sequence[FormExport]) -> FormExport | None:
    present = {fold(h) for h in headers}
    for export in exports:
        if all(fold(s) in present for s in export.signature):
            return export
    return None


def plan_columns(headers: Sequence[str], config: ProgrammeConfig) -> ColumnPlan:
    index = question_index(config)
    tool = _tool(headers, config.form.exports)
    own = {fold(m) for m in tool.metadata} if tool else set()
    used: dict[str, str] = {}
    tool_columns: list[str] = []
    unknown: list[str] = []
    respondent: str | None = None
    for header in headers:
        if not header.strip():
            continue
        if fold(header) in own:
            tool_columns.append(header)
            if tool and fold(header) == fold(tool.respondent_email):
                respondent = header
            continue
        question = index.get(fold(straighten(header)))
        if question is None:
            unknown.append(header)
        else:
            used[header] = question.field
    fields = set(used.values()) | ({"email"} if respondent else set())
    missing = tuple(q.text for q in config.form.questions if q.required and q.field not in fields)
    return ColumnPlan(
        tool=tool.name if tool else None,
        used=used,
        tool_columns=tuple(tool_columns),
        unknown=tuple(unknown),
        respondent_email=respondent,
        missing=missing,
    )
