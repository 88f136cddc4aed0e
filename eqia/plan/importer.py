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
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from eqia.extensions import db
from eqia.models import Objective, PlanAction, PlanStatus, Theme, User
from eqia.models.plan import plan_order
from eqia.plan.import_rows import (
    PlanNow,
    Problem,
    Row,
    RowReader,
    check_consistency,
    check_headings,
    read_row,
)
from eqia.plan.spreadsheet import COLUMNS, MAX_ACTIONS, Sheet
from eqia.timefmt import uk_today

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
    positions, problems = check_headings(sheet)
    if any(name not in positions for name in COLUMNS):
        return Preview(problems=problems)  # the rows cannot be read without every column
    if not sheet.rows:
        return Preview(
            problems=[Problem(None, None, "The file has the column headings but no actions")]
        )
    plan = PlanNow.load()
    theme_names = ", ".join(
        t.name for t in sorted(plan.themes.values(), key=lambda t: (t.position, t.id))
    )
    rows: list[Row] = []
    for number, cells in sheet.rows:
        reader = RowReader(number, cells, positions)
        row = read_row(reader, plan, today, theme_names)
        problems.extend(reader.problems)
        if row is not None:
            rows.append(row)
    problems.extend(check_consistency(rows))
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


def _changes(rows: list[Row], plan: PlanNow, today: date) -> Preview:
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
