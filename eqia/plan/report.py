"""The progress report and the equality insight: figures for a period, counted in SQL.

No Flask here: the views in ``eqia.plan.reports`` ask for a :class:`Report` or an
:class:`Insight` and render it as HTML, CSV or PDF. The three formats of the
report are drawn from one ``Report`` and its :meth:`Report.tables`, so they
always show the same figures.

What counts:

- *Signed off in the period*: an EqIA whose record in force (its approved
  revision) was signed off in the period, in UK time (``assessments.approved_at``,
  kept by the workflow). A draft, submitted or returned EqIA that was never signed
  off never counts. An EqIA re-approved after the period counts in the later
  period: a report made again later shows what is in force then.
- *Linked to an objective*: a link the super user confirmed, the same rule as the
  objective page (``data.supports``).
- *Impacts and mitigating actions*: the approved revision's. For an EqIA whose
  status is approved these are its live ``impacts`` and ``assessment_actions`` rows
  (they cannot change until a review starts). For one under review (a draft,
  submitted or returned next revision, with the approved one still in force) the
  live rows hold the new answers, so its figures are read from the approved
  revision's frozen snapshot with the database's JSON functions (SQLite's
  ``json_each``, PostgreSQL's ``json_array_elements``). Both parts are counted in
  one SQL statement (``UNION ALL``, then ``GROUP BY``).
- *Plan actions*: the active actions of the plan, by their status now; overdue
  at the end of the period (or today, for a period not over yet): the end date
  had passed and the action was not complete by then; completed in the period:
  ``completed_on`` falls in it.

Every function runs a fixed number of queries, whatever the number of EqIAs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    JSON,
    Select,
    and_,
    case,
    cast,
    column,
    distinct,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from eqia.extensions import db
from eqia.models import (
    Assessment,
    AssessmentAction,
    Characteristic,
    Directorate,
    Impact,
    Objective,
    ObjectiveLink,
    PlanAction,
    PlanStatus,
    Revision,
    Status,
    Theme,
)
from eqia.plan import data
from eqia.questions import IMPACT_KINDS
from eqia.sections import ACTIONS, IMPACTS

LONDON = ZoneInfo("Europe/London")
# The council's financial year starts on 1 April; its halves on 1 April and 1 October.
YEAR_STARTS = 4

# --- Periods -------------------------------------------------------------------------------------


def _add_months(day: date, months: int) -> date:
    """The first of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _half_start(day: date) -> date:
    """The start of the half of the financial year ``day`` is in (1 April or 1 October)."""
    months_in = (day.month - YEAR_STARTS) % 12
    return _add_months(date(day.year, day.month, 1), -(months_in % 6))


def _year_start(day: date) -> date:
    months_in = (day.month - YEAR_STARTS) % 12
    return _add_months(date(day.year, day.month, 1), -months_in)


def _this_quarter(today: date) -> tuple[date, date]:
    start = _quarter_start(today)
    return start, _add_months(start, 3) - timedelta(days=1)


def _last_quarter(today: date) -> tuple[date, date]:
    end = _quarter_start(today) - timedelta(days=1)
    return _quarter_start(end), end


def _last_half_year(today: date) -> tuple[date, date]:
    end = _half_start(today) - timedelta(days=1)
    return _half_start(end), end


def _last_financial_year(today: date) -> tuple[date, date]:
    end = _year_start(today) - timedelta(days=1)
    return _year_start(end), end


def _last_12_months(today: date) -> tuple[date, date]:
    try:
        start = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - 1, day=28)
    return start + timedelta(days=1), today


@dataclass(frozen=True)
class Preset:
    key: str
    label: str
    hint: str
    dates: object  # (today) -> (start, end)


PRESETS = {
    p.key: p
    for p in (
        Preset("this-quarter", "This quarter", "For the EDI Leadership Forum", _this_quarter),
        Preset("last-quarter", "Last quarter", "For the EDI Leadership Forum", _last_quarter),
        Preset(
            "last-half-year",
            "Last half-year",
            "April to September or October to March, for committee",
            _last_half_year,
        ),
        Preset(
            "last-financial-year",
            "Last financial year",
            "1 April to 31 March",
            _last_financial_year,
        ),
        Preset(
            "last-12-months", "The last 12 months", "Up to and including today", _last_12_months
        ),
    )
}
CUSTOM = "custom"


def uk_day(value: date) -> str:
    return f"{value:%-d %B %Y}"


@dataclass(frozen=True)
class Period:
    """A span of whole days in the UK, both ends included."""

    start: date
    end: date
    preset: str = CUSTOM

    @classmethod
    def of(cls, preset: str, today: date) -> Period:
        start, end = PRESETS[preset].dates(today)
        return cls(start, end, preset)

    @property
    def starts_at(self) -> datetime:
        """UK midnight at the start of the first day (an aware datetime)."""
        return datetime.combine(self.start, time(), tzinfo=LONDON)

    @property
    def ends_before(self) -> datetime:
        """UK midnight after the last day."""
        return datetime.combine(self.end + timedelta(days=1), time(), tzinfo=LONDON)

    @property
    def label(self) -> str:
        return f"{uk_day(self.start)} to {uk_day(self.end)}"

    @property
    def name(self) -> str:
        """The preset's name and the dates, or the dates alone."""
        preset = PRESETS.get(self.preset)
        return f"{preset.label}: {self.label}" if preset else self.label

    @property
    def slug(self) -> str:
        return f"{self.start.isoformat()}-to-{self.end.isoformat()}"

    def query_args(self) -> dict[str, str]:
        """The period as URL arguments that name its dates (a download made tomorrow still
        covers the same days as the page it was linked from)."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    def as_at(self, today: date) -> date:
        """The day "overdue" is judged on: the period's last day, or today if it is not over."""
        return min(self.end, today)


def signed_off_in(period: Period) -> list[ColumnElement[bool]]:
    """The conditions on ``Assessment`` for an EqIA whose record in force was signed off in
    the period."""
    return [
        Assessment.approved_revision_id.is_not(None),
        Assessment.approved_at >= period.starts_at,
        Assessment.approved_at < period.ends_before,
    ]


# --- Impacts and actions of the approved revisions -----------------------------------------------

KINDS = ("negative", "positive", "not_known")
KIND_LABELS = {"negative": "Negative", "positive": "Positive", "not_known": "Not known"}
# As the snapshot records them (sections.ImpactsSection.table): the choices' labels.
_SNAPSHOT_LABELS = {choice.value: choice.label for choice in IMPACT_KINDS}


class _Json:
    """The few JSON operations the snapshot queries need, on SQLite and PostgreSQL."""

    def __init__(self, dialect: str):
        if dialect not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"Reports need SQLite or PostgreSQL, not {dialect}")
        self.postgresql = dialect == "postgresql"

    def elements(self, document, key: str, name: str):
        """A table of the elements of the array at ``document.key`` (column ``value``)."""
        if self.postgresql:
            return (
                func.json_array_elements(document[key])
                .table_valued(column("value", JSON))
                .alias(name)
            )
        return func.json_each(document, f"$.{key}").table_valued("value").alias(name)

    def text(self, value, key: str) -> ColumnElement[str]:
        if self.postgresql:
            return value[key].as_string()
        return func.json_extract(value, f"$.{key}")

    def has(self, value, key: str, item: str) -> ColumnElement[int]:
        """1 if the array at ``value.key`` holds the string ``item``, else 0."""
        if self.postgresql:
            found = cast(value[key], JSONB).has_key(item)
        else:
            inner = func.json_each(value, f"$.{key}").table_valued("value").alias("k")
            found = select(literal(1)).select_from(inner).where(inner.c.value == item).exists()
        return case((found, 1), else_=0)

    def length(self, value, key: str) -> ColumnElement[int]:
        if self.postgresql:
            return func.json_array_length(value[key])
        return func.json_array_length(value, f"$.{key}")


def _json() -> _Json:
    return _Json(db.session.get_bind().dialect.name)


def _flag(condition) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def impact_rows(period: Period):
    """One row per (EqIA signed off in the period, characteristic) with the approved revision's
    impact: assessment_id, directorate_id, characteristic_id and 0/1 for each kind."""
    live = (
        select(
            Impact.assessment_id.label("assessment_id"),
            Assessment.directorate_id.label("directorate_id"),
            Impact.characteristic_id.label("characteristic_id"),
            _flag(Impact.negative).label("negative"),
            _flag(Impact.positive).label("positive"),
            _flag(Impact.not_known).label("not_known"),
        )
        .join(Assessment, Assessment.id == Impact.assessment_id)
        .where(Assessment.status == Status.APPROVED, *signed_off_in(period))
    )
    json = _json()
    sections = json.elements(Revision.snapshot, "sections", "s")
    entries = json.elements(sections.c.value, "impacts", "i")
    frozen = (
        select(
            Assessment.id,
            Assessment.directorate_id,
            Characteristic.id,
            *(json.has(entries.c.value, "impacts", _SNAPSHOT_LABELS[kind]) for kind in KINDS),
        )
        .select_from(Assessment)
        .join(Revision, Revision.id == Assessment.approved_revision_id)
        .join(sections, true())
        .join(entries, true())
        .join(Characteristic, Characteristic.code == json.text(entries.c.value, "code"))
        .where(
            Assessment.status != Status.APPROVED,
            json.text(sections.c.value, "slug") == IMPACTS.slug,
            *signed_off_in(period),
        )
    )
    return union_all(live, frozen).subquery("impact_rows")


def mitigating_actions(period: Period) -> ColumnElement[int]:
    """The number of actions in the approved revisions of the EqIAs signed off in the period
    (a scalar subquery)."""
    live = (
        select(func.count(AssessmentAction.id))
        .join(Assessment, Assessment.id == AssessmentAction.assessment_id)
        .where(Assessment.status == Status.APPROVED, *signed_off_in(period))
        .scalar_subquery()
    )
    json = _json()
    sections = json.elements(Revision.snapshot, "sections", "s")
    frozen = (
        select(func.coalesce(func.sum(json.length(sections.c.value, "actions")), 0))
        .select_from(Assessment)
        .join(Revision, Revision.id == Assessment.approved_revision_id)
        .join(sections, true())
        .where(
            Assessment.status != Status.APPROVED,
            json.text(sections.c.value, "slug") == ACTIONS.slug,
            *signed_off_in(period),
        )
        .scalar_subquery()
    )
    return live + frozen


# --- The progress report -------------------------------------------------------------------------

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


@dataclass
class CharacteristicLine:
    id: int
    code: str
    name: str
    active: bool
    counts: dict[str, int]

    @property
    def label(self) -> str:
        return self.name + ("" if self.active else " (retired)")


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
            f"Overdue at {uk_day(self.as_at)}",
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
                (f"Plan actions overdue at {uk_day(self.as_at)}", self.totals.overdue),
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
            func.sum(_flag(overdue)),
            func.sum(_flag(completed)),
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


def _characteristic_lines(counts: dict[int, dict[str, int]]) -> list[CharacteristicLine]:
    """Every active characteristic in catalogue order, and retired ones with any count."""
    query = select(Characteristic).order_by(Characteristic.position, Characteristic.id)
    lines = []
    for c in db.session.scalars(query):
        found = counts.get(c.id)
        if c.active or (found and any(found.values())):
            lines.append(
                CharacteristicLine(c.id, c.code, c.name, c.active, found or dict.fromkeys(KINDS, 0))
            )
    return lines


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
        characteristics=_characteristic_lines(characteristic_counts(period)),
        sample=any(o.sample for o in objectives if o.active),
    )


# --- The equality insight ------------------------------------------------------------------------

NO_DIRECTORATE = 0  # the column for EqIAs that name no directorate


@dataclass(frozen=True)
class DirectorateColumn:
    id: int  # NO_DIRECTORATE for none
    name: str


@dataclass
class Insight:
    """Impact counts per characteristic and directorate, for the EqIAs signed off in a period."""

    period: Period
    characteristics: list[CharacteristicLine]  # counts: the totals across directorates
    directorates: list[DirectorateColumn]
    # (characteristic id, directorate id or NO_DIRECTORATE) -> kind -> count
    cells: dict[tuple[int, int], dict[str, int]]

    def count(self, characteristic_id: int, directorate_id: int, kind: str) -> int:
        return self.cells.get((characteristic_id, directorate_id), {}).get(kind, 0)

    @property
    def empty(self) -> bool:
        return not any(any(c.counts.values()) for c in self.characteristics)


def insight(period: Period) -> Insight:
    """The characteristic by directorate table: one grouped query, plus the two lists."""
    rows = impact_rows(period)
    directorate = func.coalesce(rows.c.directorate_id, NO_DIRECTORATE)
    query = select(
        rows.c.characteristic_id,
        directorate.label("directorate_id"),
        *(func.sum(rows.c[k]).label(k) for k in KINDS),
    ).group_by(rows.c.characteristic_id, directorate)
    cells: dict[tuple[int, int], dict[str, int]] = {}
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(KINDS, 0))
    for row in db.session.execute(query):
        counts = {k: int(getattr(row, k) or 0) for k in KINDS}
        cells[(row.characteristic_id, row.directorate_id)] = counts
        for k in KINDS:
            totals[row.characteristic_id][k] += counts[k]
    seen = {d for _, d in cells}
    columns = [
        DirectorateColumn(d.id, d.name)
        for d in db.session.scalars(select(Directorate).order_by(Directorate.name))
        if d.active or d.id in seen
    ]
    if NO_DIRECTORATE in seen:
        columns.append(DirectorateColumn(NO_DIRECTORATE, "No directorate"))
    return Insight(period, _characteristic_lines(dict(totals)), columns, cells)


def eqias_behind(
    period: Period, characteristic_id: int, kind: str, directorate_id: int | None
) -> Select:
    """The EqIAs behind one count of the insight table (``directorate_id`` None: every
    directorate; NO_DIRECTORATE: those that name none), newest sign-off first."""
    rows = impact_rows(period)
    ids = select(rows.c.assessment_id).where(
        rows.c.characteristic_id == characteristic_id, rows.c[kind] == 1
    )
    if directorate_id == NO_DIRECTORATE:
        ids = ids.where(rows.c.directorate_id.is_(None))
    elif directorate_id is not None:
        ids = ids.where(rows.c.directorate_id == directorate_id)
    return (
        select(
            Assessment.reference,
            Assessment.title,
            Directorate.name.label("directorate"),
            Assessment.approved_at,
        )
        .outerjoin(Directorate, Directorate.id == Assessment.directorate_id)
        .where(Assessment.id.in_(ids))
        .order_by(Assessment.approved_at.desc(), Assessment.id.desc())
    )
