"""What the action plan pages show, counted in SQL: a fixed number of queries per page.

Which EqIAs count as supporting an objective is decided here once
(``supports``): a link the EqIA super user confirmed at sign-off, on an EqIA
that has a signed-off revision. An EqIA under review keeps counting (it still
has its signed-off revision); a draft, submitted or returned EqIA that was never
signed off never counts, nor does a link the super user removed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.sql.elements import ColumnElement

from eqia.extensions import db
from eqia.models import (
    Assessment,
    AssessmentAction,
    Directorate,
    Objective,
    ObjectiveLink,
    PlanAction,
    PlanStatus,
    Theme,
)


def supports() -> ColumnElement[bool]:
    """The condition on ObjectiveLink joined to Assessment for a link that counts."""
    return and_(ObjectiveLink.confirmed.is_(True), Assessment.approved_revision_id.is_not(None))


@dataclass
class Counts:
    """An objective's actions by status, how many are overdue, and its supporting EqIAs."""

    by_status: Counter = field(default_factory=Counter)
    overdue: int = 0
    eqias: int = 0

    @property
    def actions(self) -> int:
        return sum(self.by_status.values())

    def status(self, status: PlanStatus) -> int:
        return self.by_status[status.value]

    @property
    def complete(self) -> int:
        return self.status(PlanStatus.COMPLETE)

    @property
    def at_risk(self) -> int:
        return self.status(PlanStatus.AT_RISK)


def counts(objective_ids: list[int] | None = None, today: date | None = None) -> dict[int, Counts]:
    """Counts for each objective (all of them, or those given): two grouped queries."""
    overdue = func.sum(case((PlanAction.overdue_clause(today), 1), else_=0))
    actions = (
        select(PlanAction.objective_id, PlanAction.status, func.count(), overdue)
        .where(PlanAction.active)
        .group_by(PlanAction.objective_id, PlanAction.status)
    )
    eqias = (
        select(ObjectiveLink.objective_id, func.count())
        .join(Assessment, Assessment.id == ObjectiveLink.assessment_id)
        .where(supports())
        .group_by(ObjectiveLink.objective_id)
    )
    if objective_ids is not None:
        actions = actions.where(PlanAction.objective_id.in_(objective_ids))
        eqias = eqias.where(ObjectiveLink.objective_id.in_(objective_ids))
    result: dict[int, Counts] = {}
    for objective_id, status, number, late in db.session.execute(actions):
        entry = result.setdefault(objective_id, Counts())
        entry.by_status[status] += number
        entry.overdue += int(late or 0)
    for objective_id, number in db.session.execute(eqias):
        result.setdefault(objective_id, Counts()).eqias = number
    return result


def objectives(include_retired: bool = False, theme_id: int | None = None) -> list[Objective]:
    query = select(Objective).join(Theme).order_by(Theme.position, Objective.number)
    if not include_retired:
        query = query.where(Objective.active)
    if theme_id is not None:
        query = query.where(Objective.theme_id == theme_id)
    return list(db.session.scalars(query))


def themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.position, Theme.id)))


def by_theme(objective_list: list[Objective]) -> list[tuple[Theme, list[Objective]]]:
    """Every theme in order, each with its objectives from the list (possibly none)."""
    grouped: dict[int, list[Objective]] = {}
    for objective in objective_list:
        grouped.setdefault(objective.theme_id, []).append(objective)
    return [(theme, grouped.get(theme.id, [])) for theme in themes()]


def objective_actions(objective: Objective, include_retired: bool = False) -> list[tuple]:
    """The objective's actions in plan order, each with how many EqIA actions contribute to it
    (actions of EqIAs that have a signed-off revision): one query."""
    contributing = (
        select(func.count(AssessmentAction.id))
        .join(Assessment, Assessment.id == AssessmentAction.assessment_id)
        .where(
            AssessmentAction.plan_action_id == PlanAction.id,
            Assessment.approved_revision_id.is_not(None),
        )
        .correlate(PlanAction)
        .scalar_subquery()
    )
    query = (
        select(PlanAction, contributing)
        .where(PlanAction.objective_id == objective.id)
        .options(joinedload(PlanAction.updated_by))
        .order_by(PlanAction.active.desc(), PlanAction.start_date, PlanAction.reference)
    )
    if not include_retired:
        query = query.where(PlanAction.active)
    return list(db.session.execute(query).all())


def supporting_eqias(objective: Objective) -> Select:
    """The signed-off EqIAs that support the objective, newest sign-off first (rows to page)."""
    return (
        select(
            Assessment.reference,
            Assessment.title,
            Directorate.name.label("directorate"),
            Assessment.approved_at,
            ObjectiveLink.how,
        )
        .select_from(ObjectiveLink)
        .join(Assessment, Assessment.id == ObjectiveLink.assessment_id)
        .outerjoin(Directorate, Directorate.id == Assessment.directorate_id)
        .where(ObjectiveLink.objective_id == objective.id, supports())
        .order_by(Assessment.approved_at.desc(), Assessment.id.desc())
    )


def has_sample_data() -> bool:
    """Whether the plan still holds sample objectives or actions (one query)."""
    objective = select(Objective.id).where(Objective.sample, Objective.active)
    action = select(PlanAction.id).where(PlanAction.sample, PlanAction.active)
    return bool(db.session.scalar(select(objective.exists() | action.exists())))
