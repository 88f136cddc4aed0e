"""The equality insight: impacts per characteristic and directorate, for the EqIAs signed off
in a period, each count traceable to the EqIAs behind it.

No Flask here; ``eqia.plan.counting`` says what counts. One grouped query, plus
the two lists of characteristics and directorates.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Select, func, select

from eqia.extensions import db
from eqia.models import Assessment, Directorate
from eqia.plan.counting import KINDS, CharacteristicLine, characteristic_lines, impact_rows
from eqia.plan.periods import Period

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
    return Insight(period, characteristic_lines(dict(totals)), columns, cells)


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
