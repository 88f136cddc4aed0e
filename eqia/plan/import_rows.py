"""Reading an action-plan file's rows against the plan: every problem, by row and column.

``eqia.plan.importer`` checks a whole file with these and works out what importing
it would change; nothing here writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Objective, PlanAction, PlanStatus, Theme
from eqia.models.plan import normalise_reference
from eqia.plan.spreadsheet import COLUMNS, Cell, Sheet

LIMITS = {
    "Objective": 500,
    "Action reference": 20,
    "Action": 2_000,
    "Person or team responsible": 300,
    "Success measure": 2_000,
    "Progress note": 2_000,
}
REFERENCE = re.compile(r"^[A-Z0-9][A-Z0-9./_-]*$")
ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?$")
UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


@dataclass(frozen=True)
class Problem:
    row: int | None  # as the spreadsheet numbers it (the headings are row 1)
    column: str | None
    message: str


@dataclass
class Row:
    number: int
    theme: Theme
    objective: Objective
    objective_title: str
    reference: str
    values: dict


def _words(text: str) -> str:
    return " ".join(text.split()).lower()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def check_headings(sheet: Sheet) -> tuple[dict[str, int], list[Problem]]:
    """Where each column of the layout is; a problem for each missing, extra or repeated one."""
    wanted = {_words(name): name for name in COLUMNS}
    positions: dict[str, int] = {}
    problems: list[Problem] = []
    width = max([len(sheet.headings), *(len(cells) for _, cells in sheet.rows)])
    headings = sheet.headings + [""] * (width - len(sheet.headings))
    for index, heading in enumerate(headings):
        if not heading:
            if any(index < len(cells) and cells[index].text for _, cells in sheet.rows):
                letter = _column_letter(index)
                problems.append(
                    Problem(1, f"Column {letter}", f"Column {letter} has no heading: add one")
                )
            continue
        name = wanted.get(_words(heading))
        if name is None:
            problems.append(
                Problem(
                    1,
                    heading,
                    f"‘{heading}’ is not a column of the action plan layout: remove the column",
                )
            )
        elif name in positions:
            problems.append(Problem(1, name, f"The column ‘{name}’ appears more than once"))
        else:
            positions[name] = index
    for name in COLUMNS:
        if name not in positions:
            problems.append(Problem(1, name, f"The column ‘{name}’ is missing"))
    if len(sheet.headings) == 1 and any(sep in sheet.headings[0] for sep in ";\t"):
        problems.append(
            Problem(1, None, "The columns must be separated by commas, not semicolons or tabs")
        )
    return positions, problems


def parse_date(cell: Cell) -> date | None:
    """A date cell, 2024-04-01 or 01/04/2024 (day first, as in the UK); None if not a date."""
    if cell.value is not None:
        return cell.value
    iso, uk = ISO_DATE.match(cell.text), UK_DATE.match(cell.text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif uk:
        day, month, year = (int(part) for part in uk.groups())
    else:
        return None
    if not 1900 <= year <= 2200:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


class RowReader:
    """Reads one row's cells by column name, collecting its problems."""

    def __init__(self, number: int, cells: list[Cell], positions: dict[str, int]):
        self.number, self.cells, self.positions = number, cells, positions
        self.problems: list[Problem] = []

    def cell(self, column: str) -> Cell:
        index = self.positions[column]
        return self.cells[index] if index < len(self.cells) else Cell("")

    def problem(self, column: str, message: str) -> None:
        self.problems.append(Problem(self.number, column, message))

    def text(self, column: str, required: str | None = None) -> str:
        cell = self.cell(column)
        if cell.formula:
            self.problem(column, f"{column} contains a formula: type the text itself instead")
            return ""
        if required and not cell.text:
            self.problem(column, required)
        limit = LIMITS.get(column)
        if limit and len(cell.text) > limit:
            self.problem(column, f"{column} must be {limit:,} characters or fewer")
        return cell.text

    def date(self, column: str, required: str | None = None) -> date | None:
        cell = self.cell(column)
        if cell.formula:
            self.problem(column, f"{column} contains a formula: type the date itself instead")
            return None
        if not cell.text and cell.value is None:
            if required:
                self.problem(column, required)
            return None
        value = parse_date(cell)
        if value is None:
            self.problem(column, f"{column} must be a real date, like 2024-04-01 or 01/04/2024")
        return value


@dataclass
class PlanNow:
    themes: dict[str, Theme]
    objectives: dict[int, Objective]
    actions: dict[str, PlanAction]

    @classmethod
    def load(cls) -> PlanNow:
        themes = {_words(t.name): t for t in db.session.scalars(select(Theme))}
        objectives = {o.number: o for o in db.session.scalars(select(Objective))}
        actions = {a.reference: a for a in db.session.scalars(select(PlanAction))}
        return cls(themes, objectives, actions)


def read_row(reader: RowReader, plan: PlanNow, today: date, theme_names: str) -> Row | None:
    theme_text = reader.text("Theme", "Enter the theme")
    theme = plan.themes.get(_words(theme_text))
    if theme_text and theme is None:
        reader.problem("Theme", f"Theme must be one of: {theme_names}")
    number_text = reader.text("Objective number", "Enter the objective number")
    objective = None
    if number_text:
        if not re.fullmatch(r"\d{1,6}", number_text):
            reader.problem("Objective number", "Objective number must be a whole number, like 3")
        else:
            objective = plan.objectives.get(int(number_text))
            if objective is None:
                reader.problem(
                    "Objective number",
                    f"There is no objective {int(number_text)} in the plan: add it on the "
                    "action plan page first, or use the number of an existing objective",
                )
    title = reader.text("Objective", "Enter the objective")
    raw_reference = reader.text("Action reference", "Enter the action reference")
    reference = normalise_reference(raw_reference)
    if reference and not REFERENCE.match(reference):
        reader.problem(
            "Action reference",
            "Action reference must start with a letter or number and use only letters, "
            "numbers, full stops, hyphens, slashes and underscores",
        )
    action = reader.text("Action", "Enter the action")
    responsible = reader.text("Person or team responsible", "Enter the person or team responsible")
    start = reader.date("Start date", "Enter the start date")
    end = reader.date("End date", "Enter the end date")
    if start and end and end < start:
        reader.problem("End date", "End date must be the same as or after the start date")
    measure = reader.text("Success measure", "Enter the success measure")
    status_text = reader.text("Status")
    status = PlanStatus.from_label(status_text) if status_text else PlanStatus.NOT_STARTED
    if status is None:
        labels = ", ".join(s.label for s in PlanStatus)
        reader.problem("Status", f"Status must be one of: {labels}")
    note = reader.text("Progress note")
    completed_on = reader.date("Completed on")
    if completed_on is not None:
        if status is not None and status is not PlanStatus.COMPLETE:
            reader.problem(
                "Completed on", "Completed on must be blank unless the status is Complete"
            )
        elif completed_on > today:
            reader.problem("Completed on", "Completed on must be today or in the past")
    if reader.problems or theme is None or objective is None or status is None:
        return None
    return Row(
        number=reader.number,
        theme=theme,
        objective=objective,
        objective_title=title,
        reference=reference,
        values={
            "objective_id": objective.id,
            "action": action,
            "responsible": responsible,
            "start_date": start,
            "end_date": end,
            "success_measure": measure,
            "status": status,
            "progress_note": note,
            "completed_on": completed_on,
            "active": True,
        },
    )


def check_consistency(rows: list[Row]) -> list[Problem]:
    """Each reference once; each objective with one title and one theme on every row."""
    problems = []
    seen_reference: dict[str, int] = {}
    seen_objective: dict[int, Row] = {}
    for row in rows:
        if row.reference in seen_reference:
            problems.append(
                Problem(
                    row.number,
                    "Action reference",
                    f"Action reference {row.reference} is also on row "
                    f"{seen_reference[row.reference]}: give each action its own reference",
                )
            )
        else:
            seen_reference[row.reference] = row.number
        first = seen_objective.setdefault(row.objective.number, row)
        if first is row:
            continue
        if first.objective_title != row.objective_title:
            problems.append(
                Problem(
                    row.number,
                    "Objective",
                    f"Objective {row.objective.number} is called ‘{first.objective_title}’ on "
                    f"row {first.number}: give it the same title on every row",
                )
            )
        if first.theme.id != row.theme.id:
            problems.append(
                Problem(
                    row.number,
                    "Theme",
                    f"Objective {row.objective.number} is under {first.theme.name} on row "
                    f"{first.number}: give it the same theme on every row",
                )
            )
    return problems
