"""The EDI action plan progress report: figures for a period, counted in SQL.

No Flask here: the views in ``eqia.plan.report_pages`` ask for a :class:`Report`
and render it as HTML, CSV or PDF. The three formats are drawn from one ``Report``
and its :meth:`Report.tables`, so they always show the same figures.

What counts (and ``eqia.plan.counting`` for the EqIAs' impacts and actions):

- *Linked to an objective*: a link the super user confirmed, the same rule as the
  objective page (``data.supports``).
- *Plan actions*: the active actions of the plan, by their status now; overdue
  at the end of the period (or today, for a period not over yet): the end date
  had passed and the action was not complete by then; completed in the period:
  ``completed_on`` falls in it.

:func:`build` runs eight queries, whatever the number of EqIAs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import Select, and_, distinct, func, or_, select

from eqia.extensions import db
from eqia.models import Assessment, Objective, ObjectiveLink, PlanAction, PlanStatus, Theme
from eqia.plan import data
from eqia.plan.counting import (
    KIND_LABELS,
    KINDS,
    CharacteristicLine,
    characteristic_lines,
    flag,
    impact_rows,
    mitigating_actions,
    signed_off_in,
)
from eqia.plan.periods import Period
from eqia.timefmt import long_date

STATUSES = tuple(PlanStatus)


@dataclass
class Figures:
    """Plan actions by status, overdue, completed in the period; EqIAs linked."""

    by_status: dict[PlanStatus, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    overdue: int = 0
    completed: int = 0
    eqias: int = 0

    @property
    def actions(self) -> int:
        return sum(self.by_status.values())

    def add(self, other: Figures) -> None:
        """Add another's action counts (EqIAs are counted distinct in SQL, never added up)."""
        for status in STATUSES:
            self.by_status[status] += other.by_status[status]
        self.overdue += other.overdue
        self.completed += other.completed

    def cells(self) -> list[int]:
        return [
            *(self.by_status[s] for s in STATUSES),
            self.actions,
            self.overdue,
            self.completed,
            self.eqias,
        ]


@dataclass
class ObjectiveLine:
    number: int
    title: str
    active: bool
    sample: bool
    figures: Figures

    @property
    def label(self) -> str:
        return f"{self.number}. {self.title}" + ("" if self.active else " (retired)")


@dataclass
class ThemeLine:
    id: int
    name: str
    objectives: list[ObjectiveLine]
    figures: Figures


@dataclass(frozen=True)
class ReportTable:
    """A table as every format shows it: the HTML page, the CSV and the PDF."""

    key: str
    caption: str
    head: tuple[str, ...]
    rows: tuple[tuple[str | int, ...], ...]
    # The last row sums up the others (shown in bold).
    total: bool = False


@dataclass
class Report:
    period: Period
    as_at: date
    made_at: datetime
    organisation: str
    themes: list[ThemeLine]
    totals: Figures
    approved: int
    linked: int
    actions: int
    characteristics: list[CharacteristicLine]
    sample: bool

    @property
    def title(self) -> str:
        return "EDI action plan progress report"

    @property
    def status_head(self) -> tuple[str, ...]:
        return (
            *(s.label for s in STATUSES),
            "All actions",
            f"Overdue at {long_date(self.as_at)}",
            "Completed in the period",
            "EqIAs signed off and linked",
        )

    def tables(self) -> list[ReportTable]:
        """Every figure of the report, table by table, in the order the formats show them."""
        summary = ReportTable(
            "summary",
            "Summary",
            ("Measure", "Number"),
            (
                ("EqIAs signed off in the period", self.approved),
                ("EqIAs signed off in the period and linked to an objective", self.linked),
                ("Mitigating actions in the EqIAs signed off in the period", self.actions),
                ("Actions in the action plan", self.totals.actions),
                (f"Plan actions overdue at {long_date(self.as_at)}", self.totals.overdue),
                ("Plan actions completed in the period", self.totals.completed),
            ),
        )
        themes = ReportTable(
            "themes",
            "Action plan by theme",
            ("Theme", *self.status_head),
            (
                *((t.name, *t.figures.cells()) for t in self.themes),
                ("All themes", *self.totals.cells()),
            ),
            total=True,
        )
        objectives = [
            ReportTable(
                f"theme-{t.id}",
                f"{t.name}: objectives",
                ("Objective", *self.status_head),
                tuple((o.label, *o.figures.cells()) for o in t.objectives),
            )
            for t in self.themes
            if t.objectives
        ]
        impacts = ReportTable(
            "characteristics",
            "Impacts on each characteristic in the EqIAs signed off in the period",
            ("Characteristic", *(KIND_LABELS[k] for k in KINDS)),
            tuple((c.label, *(c.counts[k] for k in KINDS)) for c in self.characteristics),
        )
        return [summary, themes, *objectives, impacts]


def _plan_figures(period: Period, as_at: date) -> dict[int, Figures]:
    complete = PlanAction.status == PlanStatus.COMPLETE
    overdue = and_(
        PlanAction.end_date < as_at,
        or_(~complete, PlanAction.completed_on > as_at),
    )
    completed = and_(
        complete, PlanAction.completed_on >= period.start, PlanAction.completed_on <= period.end
    )
    query = (
        select(
            PlanAction.objective_id,
            PlanAction.status,
            func.count(),
            func.sum(flag(overdue)),
            func.sum(flag(completed)),
        )
        .where(PlanAction.active)
        .group_by(PlanAction.objective_id, PlanAction.status)
    )
    result: dict[int, Figures] = defaultdict(Figures)
    for objective_id, status, number, late, done in db.session.execute(query):
        entry = result[objective_id]
        entry.by_status[PlanStatus(status)] += number
        entry.overdue += int(late or 0)
        entry.completed += int(done or 0)
    return result


def _links(period: Period, by) -> Select:
    """Distinct EqIAs signed off in the period with a confirmed link, grouped by ``by``."""
    return (
        select(by, func.count(distinct(ObjectiveLink.assessment_id)))
        .select_from(ObjectiveLink)
        .join(Assessment, Assessment.id == ObjectiveLink.assessment_id)
        .join(Objective, Objective.id == ObjectiveLink.objective_id)
        .where(data.supports(), *signed_off_in(period))
        .group_by(by)
    )


def characteristic_counts(period: Period) -> dict[int, dict[str, int]]:
    """Negative, positive and not-known impacts per characteristic: one grouped query."""
    rows = impact_rows(period)
    query = select(
        rows.c.characteristic_id, *(func.sum(rows.c[k]).label(k) for k in KINDS)
    ).group_by(rows.c.characteristic_id)
    return {
        row.characteristic_id: {k: int(getattr(row, k) or 0) for k in KINDS}
        for row in db.session.execute(query)
    }


def build(period: Period, organisation: str, today: date, now: datetime) -> Report:
    """The whole report for the period, in eight queries whatever the data."""
    as_at = period.as_at(today)
    plan = _plan_figures(period, as_at)
    by_objective = dict(db.session.execute(_links(period, ObjectiveLink.objective_id)).all())
    by_theme = dict(db.session.execute(_links(period, Objective.theme_id)).all())
    linked = (
        select(func.count(distinct(ObjectiveLink.assessment_id)))
        .join(Assessment, Assessment.id == ObjectiveLink.assessment_id)
        .where(data.supports(), *signed_off_in(period))
        .scalar_subquery()
    )
    approved, linked, actions = db.session.execute(
        select(
            select(func.count(Assessment.id)).where(*signed_off_in(period)).scalar_subquery(),
            linked,
            mitigating_actions(period),
        )
    ).one()

    objectives = db.session.scalars(
        select(Objective).join(Theme).order_by(Theme.position, Theme.id, Objective.number)
    ).all()
    grouped: dict[int, list[ObjectiveLine]] = defaultdict(list)
    for o in objectives:
        figures = plan.get(o.id, Figures())
        figures.eqias = int(by_objective.get(o.id, 0))
        # A retired objective stays in a report that has something to say about it.
        if o.active or figures.actions or figures.eqias:
            grouped[o.theme_id].append(
                ObjectiveLine(o.number, o.title, o.active, o.sample, figures)
            )
    themes, totals = [], Figures()
    for theme in data.themes():
        figures = Figures()
        for line in grouped.get(theme.id, []):
            figures.add(line.figures)
        figures.eqias = int(by_theme.get(theme.id, 0))
        totals.add(figures)
        themes.append(ThemeLine(theme.id, theme.name, grouped.get(theme.id, []), figures))
    totals.eqias = int(linked or 0)
    return Report(
        period=period,
        as_at=as_at,
        made_at=now,
        organisation=organisation,
        themes=themes,
        totals=totals,
        approved=int(approved or 0),
        linked=int(linked or 0),
        actions=int(actions or 0),
        characteristics=characteristic_lines(characteristic_counts(period)),
        sample=any(o.sample for o in objectives if o.active),
    )
