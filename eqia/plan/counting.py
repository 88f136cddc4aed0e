"""What the progress report and the equality insight count: the impacts and mitigating
actions of the EqIAs whose record in force was signed off in a period.

No Flask here. What counts:

- *Signed off in the period*: an EqIA whose record in force (its approved revision)
  was signed off in the period, in UK time (``assessments.approved_at``, kept by the
  workflow). A draft, submitted or returned EqIA that was never signed off never
  counts. An EqIA re-approved after the period counts in the later period: a report
  made again later shows what is in force then.
- *Impacts and mitigating actions*: the approved revision's, by code. For an EqIA
  whose status is approved these are its live ``impacts`` and ``assessment_actions``
  rows (they cannot change until a review starts). For one under review the live
  rows hold the new answers, so its figures are read from the approved revision's
  snapshot (``eqia.snapshot``: characteristics by catalogue code, impacts as
  positive, negative, neutral or not_known) with the database's JSON functions
  (SQLite's ``json_each``, PostgreSQL's ``json_array_elements``). Both parts are
  counted in one SQL statement (``UNION ALL``, then ``GROUP BY``), so renaming a
  characteristic or a label changes no count.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    case,
    cast,
    column,
    func,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from eqia.extensions import db
from eqia.models import Assessment, AssessmentAction, Characteristic, Impact, Revision, Status
from eqia.plan.periods import Period
from eqia.sections import ACTIONS, IMPACTS

KINDS = ("negative", "positive", "not_known")
KIND_LABELS = {"negative": "Negative", "positive": "Positive", "not_known": "Not known"}


def signed_off_in(period: Period) -> list[ColumnElement[bool]]:
    """The conditions on ``Assessment`` for an EqIA whose record in force was signed off in
    the period."""
    return [
        Assessment.approved_revision_id.is_not(None),
        Assessment.approved_at >= period.starts_at,
        Assessment.approved_at < period.ends_before,
    ]


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

    def text(self, value, *path: str) -> ColumnElement[str]:
        """The string at ``value.path``."""
        if self.postgresql:
            return value[path].as_string() if len(path) > 1 else value[path[0]].as_string()
        return func.json_extract(value, "$." + ".".join(path))

    def has_code(self, value, key: str, code: str) -> ColumnElement[int]:
        """1 if the array of codes and labels at ``value.key`` holds ``code``, else 0."""
        if self.postgresql:
            found = cast(value[key], JSONB).contains([{"code": code}])
        else:
            # SQLite gives the array back as minified JSON; a code is one of our own words,
            # so its member is found as text, without a subquery per impact.
            found = func.instr(func.json_extract(value, f"$.{key}"), f'"code":"{code}"') > 0
        return case((found, 1), else_=0)

    def length(self, value, key: str) -> ColumnElement[int]:
        if self.postgresql:
            return func.json_array_length(value[key])
        return func.json_array_length(value, f"$.{key}")


def _json() -> _Json:
    return _Json(db.session.get_bind().dialect.name)


def flag(condition) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def impact_rows(period: Period):
    """One row per (EqIA signed off in the period, characteristic) with the approved revision's
    impact: assessment_id, directorate_id, characteristic_id and 0/1 for each kind."""
    live = (
        select(
            Impact.assessment_id.label("assessment_id"),
            Assessment.directorate_id.label("directorate_id"),
            Impact.characteristic_id.label("characteristic_id"),
            flag(Impact.negative).label("negative"),
            flag(Impact.positive).label("positive"),
            flag(Impact.not_known).label("not_known"),
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
            *(json.has_code(entries.c.value, "kinds", kind) for kind in KINDS),
        )
        .select_from(Assessment)
        .join(Revision, Revision.id == Assessment.approved_revision_id)
        .join(sections, true())
        .join(entries, true())
        .join(
            Characteristic,
            Characteristic.code == json.text(entries.c.value, "characteristic", "code"),
        )
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


def characteristic_lines(counts: dict[int, dict[str, int]]) -> list[CharacteristicLine]:
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
