"""Checking an action-plan file against the plan, and applying it all at once.

``check`` reads nothing from the request and writes nothing: it names every
problem by row and column, or says exactly what an import would add, change,
leave alone and retire. ``apply`` makes those changes in the session's
transaction; the caller commits once, so a file is imported whole or not at all.

Matching: an action is identified by its reference (unique across the plan,
compared without regard to case or spaces); the objective number says which
objective it belongs to, and must be an objective the plan already has. A
second import of the same file finds every action unchanged and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from eqia.extensions import db
from eqia.models import Objective, PlanAction, PlanStatus, Theme, User
from eqia.models.plan import normalise_reference, plan_order
from eqia.plan.spreadsheet import COLUMNS, MAX_ACTIONS, Cell, Sheet
from eqia.timefmt import uk_today

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

# The fields an import sets on an action, and how the preview names a change to each.
FIELDS = {
    "objective_id": "objective",
    "action": "action",
    "responsible": "person or team responsible",
    "start_date": "start date",
    "end_date": "end date",
    "success_measure": "success measure",
    "status": "status",
    "progress_note": "progress note",
    "completed_on": "completed on",
    "active": "restored to the plan",
}


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


@dataclass
class ActionChange:
    row: int
    reference: str
    action: str
    kind: str  # added, changed or unchanged
    changes: list[str]
    values: dict


@dataclass
class ObjectiveChange:
    number: int
    title: str
    theme: Theme
    changes: list[str]


@dataclass
class Preview:
    problems: list[Problem] = field(default_factory=list)
    actions: list[ActionChange] = field(default_factory=list)
    objectives: list[ObjectiveChange] = field(default_factory=list)
    retire: list[PlanAction] = field(default_factory=list)
    untouched: int = 0

    def of_kind(self, kind: str) -> list[ActionChange]:
        return [a for a in self.actions if a.kind == kind]

    @property
    def added(self) -> list[ActionChange]:
        return self.of_kind("added")

    @property
    def changed(self) -> list[ActionChange]:
        return self.of_kind("changed")

    @property
    def unchanged(self) -> list[ActionChange]:
        return self.of_kind("unchanged")

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.objectives or self.retire)

    @property
    def fingerprint(self) -> str:
        """What the import would do: if the plan changes before it is confirmed, this does."""
        plan = {
            "actions": [(a.reference, a.kind, a.changes, a.values) for a in self.actions],
            "objectives": [(o.number, o.title, o.theme.id, o.changes) for o in self.objectives],
            "retire": sorted(a.reference for a in self.retire),
        }
        canonical = json.dumps(plan, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()


def _words(text: str) -> str:
    return " ".join(text.split()).lower()


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _check_headings(sheet: Sheet) -> tuple[dict[str, int], list[Problem]]:
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


class _RowReader:
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
class _Plan:
    themes: dict[str, Theme]
    objectives: dict[int, Objective]
    actions: dict[str, PlanAction]

    @classmethod
    def load(cls) -> _Plan:
        themes = {_words(t.name): t for t in db.session.scalars(select(Theme))}
        objectives = {o.number: o for o in db.session.scalars(select(Objective))}
        actions = {a.reference: a for a in db.session.scalars(select(PlanAction))}
        return cls(themes, objectives, actions)


def _read_row(reader: _RowReader, plan: _Plan, today: date, theme_names: str) -> Row | None:
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


def _check_consistency(rows: list[Row]) -> list[Problem]:
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


def check(sheet: Sheet, today: date | None = None) -> Preview:
    """Every problem in the file, or what importing it would do. Writes nothing."""
    today = today or uk_today()
    if sheet.too_many:
        return Preview(
            problems=[
                Problem(
                    None,
                    None,
                    f"The file has more than {MAX_ACTIONS:,} actions. An action plan can have "
                    f"up to {MAX_ACTIONS:,}: split the file, or remove rows that are not actions",
                )
            ]
        )
    positions, problems = _check_headings(sheet)
    if any(name not in positions for name in COLUMNS):
        return Preview(problems=problems)  # the rows cannot be read without every column
    if not sheet.rows:
        return Preview(
            problems=[Problem(None, None, "The file has the column headings but no actions")]
        )
    plan = _Plan.load()
    theme_names = ", ".join(
        t.name for t in sorted(plan.themes.values(), key=lambda t: (t.position, t.id))
    )
    rows: list[Row] = []
    for number, cells in sheet.rows:
        reader = _RowReader(number, cells, positions)
        row = _read_row(reader, plan, today, theme_names)
        problems.extend(reader.problems)
        if row is not None:
            rows.append(row)
    problems.extend(_check_consistency(rows))
    if problems:
        order = {name: index for index, name in enumerate(COLUMNS)}
        problems.sort(key=lambda p: (p.row or 0, order.get(p.column or "", len(order))))
        return Preview(problems=problems)
    return _changes(rows, plan, today)


def _target(row: Row, existing: PlanAction | None, today: date) -> dict:
    values = dict(row.values)
    if values["status"] is PlanStatus.COMPLETE and values["completed_on"] is None:
        complete = existing is not None and existing.status is PlanStatus.COMPLETE
        kept = existing.completed_on if complete else None
        values["completed_on"] = kept or today
    return values


def _changes(rows: list[Row], plan: _Plan, today: date) -> Preview:
    preview = Preview()
    in_file = set()
    for row in rows:
        existing = plan.actions.get(row.reference)
        values = _target(row, existing, today)
        in_file.add(row.reference)
        if existing is None:
            kind, changes = "added", []
        else:
            changes = [
                label for name, label in FIELDS.items() if getattr(existing, name) != values[name]
            ]
            kind = "changed" if changes else "unchanged"
        preview.actions.append(
            ActionChange(row.number, row.reference, values["action"], kind, changes, values)
        )
    # An objective becomes the council's own when its title or theme changes, or when
    # the file adds or changes an action under it; an unchanged sample plan stays sample.
    own = {
        row.objective.number
        for row, change in zip(rows, preview.actions, strict=True)
        if change.kind != "unchanged"
    }
    seen = set()
    for row in rows:
        objective = row.objective
        if objective.number in seen:
            continue
        seen.add(objective.number)
        changes = []
        if objective.title != row.objective_title:
            changes.append("title")
        if objective.theme_id != row.theme.id:
            changes.append("theme")
        if objective.sample and (changes or objective.number in own):
            changes.append("no longer sample data")
        if changes:
            preview.objectives.append(
                ObjectiveChange(objective.number, row.objective_title, row.theme, changes)
            )
    for reference, action in sorted(plan.actions.items()):
        if reference in in_file or not action.active:
            continue
        if action.sample:
            preview.retire.append(action)
        else:
            preview.untouched += 1
    return preview


def apply(preview: Preview, by: User) -> None:
    """Make the previewed changes in the current transaction (the caller commits)."""
    if preview.problems:
        raise ValueError("A file with problems cannot be imported")
    existing = {
        a.reference: a
        for a in db.session.scalars(
            select(PlanAction).where(
                PlanAction.reference.in_([c.reference for c in preview.actions])
            )
        )
    }
    for change in preview.actions:
        if change.kind == "unchanged":
            continue
        action = existing.get(change.reference)
        if action is None:
            action = PlanAction(reference=change.reference, sample=False)
            db.session.add(action)
        for name, value in change.values.items():
            if name not in ("status", "completed_on"):
                setattr(action, name, value)
        action.set_status(change.values["status"], change.values["completed_on"])
        action.sample = False
        action.touch(by)
    numbers = [o.number for o in preview.objectives]
    objectives = {
        o.number: o
        for o in db.session.scalars(select(Objective).where(Objective.number.in_(numbers)))
    }
    for change in preview.objectives:
        objective = objectives[change.number]
        objective.title = change.title
        objective.theme_id = change.theme.id
        objective.sample = False
    for action in preview.retire:
        action.active = False
        action.touch(by)


def export_rows() -> list[list]:
    """Every action in the plan (not retired ones), in plan order, in the column layout."""
    query = (
        select(PlanAction)
        .join(PlanAction.objective)
        .options(contains_eager(PlanAction.objective).joinedload(Objective.theme))
        .where(PlanAction.active)
        .order_by(*plan_order())
    )
    return [
        [
            action.objective.theme.name,
            action.objective.number,
            action.objective.title,
            action.reference,
            action.action,
            action.responsible,
            action.start_date,
            action.end_date,
            action.success_measure,
            action.status.label,
            action.progress_note,
            action.completed_on,
        ]
        for action in db.session.scalars(query)
    ]
