"""The cumulative impact of a programme: every negative impact of its EqIAs, by characteristic.

A decision maker taking many decisions at once (a year's budget) must have regard to
their combined effect on the same people. This module gathers, for each characteristic
in catalogue order, the negative impacts recorded across a programme's EqIAs, each with
its evidence, mitigation and the impact that remains, counting apart:

- **signed off**: each EqIA's record in force (``assessments.approved_revision_id``);
- **awaiting sign-off**: the latest revision of each EqIA whose status is submitted.

Drafts count for nothing: their answers may still change. Everything is read from
revision snapshots through :func:`eqia.snapshot.read`, in a fixed number of queries
however many EqIAs the programme holds. The programme page, its PDF and the panel on the
review page (:func:`review_panel`) all take their figures from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select, true
from sqlalchemy.orm import aliased

from eqia.extensions import db
from eqia.models import Assessment, Characteristic, Programme, Revision, Status
from eqia.plan import charts
from eqia.sections.registry import IMPACTS
from eqia.snapshot import Snapshot, read

NEGATIVE = "negative"


@dataclass(frozen=True)
class Entry:
    """One EqIA's negative impact on one characteristic."""

    reference: str
    title: str
    revision: int
    signed_off: bool
    evidence: str
    mitigation: str
    residual: str  # "impact after mitigation": its label, "" when not given


@dataclass
class Line:
    """A characteristic and the programme's negative impacts on it."""

    code: str
    name: str
    signed_off: list[Entry] = field(default_factory=list)
    awaiting: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class Cumulative:
    """A programme's negative impacts, characteristic by characteristic."""

    programme_id: int
    name: str
    lines: list[Line]  # only characteristics with a negative impact, in catalogue order
    signed_off_eqias: int
    awaiting_eqias: int

    @property
    def chart(self) -> charts.Chart:
        return charts.horizontal_bars(
            "chart-programme-impacts",
            "Negative impacts on each characteristic",
            "Bar chart: for each characteristic, how many EqIAs in the programme found a "
            "negative impact, signed off and awaiting sign-off. The table that follows gives "
            "the same figures.",
            [line.name for line in self.lines],
            [
                ("Signed off", [len(line.signed_off) for line in self.lines]),
                ("Awaiting sign-off", [len(line.awaiting) for line in self.lines]),
            ],
            (charts.BLUE, charts.ORANGE),
        )


def _frozen(programme_id: int, leave_out: int | None) -> list[tuple[bool, str, Snapshot]]:
    """(signed off?, reference, snapshot) of the programme's revisions that count: two
    queries, whatever the number of EqIAs."""
    others = Assessment.id != leave_out if leave_out is not None else true()
    signed = (
        select(Assessment.reference, Revision.snapshot)
        .join(Revision, Revision.id == Assessment.approved_revision_id)
        .where(Assessment.programme_id == programme_id, others)
        .order_by(Assessment.reference)
    )
    later = aliased(Revision)
    latest = (
        select(func.max(later.number))
        .where(later.assessment_id == Assessment.id)
        .correlate(Assessment)
        .scalar_subquery()
    )
    awaiting = (
        select(Assessment.reference, Revision.snapshot)
        .join(Revision, Revision.assessment_id == Assessment.id)
        .where(
            Assessment.programme_id == programme_id,
            Assessment.status == Status.SUBMITTED,
            Revision.number == latest,
            others,
        )
        .order_by(Assessment.reference)
    )
    return [
        (is_signed, reference, read(document))
        for is_signed, query in ((True, signed), (False, awaiting))
        for reference, document in db.session.execute(query)
    ]


def _negatives(snapshot: Snapshot):
    section = snapshot.section(IMPACTS.slug)
    return [i for i in (section.impacts or []) if NEGATIVE in i.kinds] if section else []


def _catalogue_order() -> dict[str, int]:
    query = select(Characteristic.code).order_by(Characteristic.position, Characteristic.id)
    return {code: place for place, code in enumerate(db.session.scalars(query))}


def _gather(
    programme_id: int, name: str, leave_out: int | None = None, only: set[str] | None = None
) -> Cumulative:
    lines: dict[str, Line] = {}
    counted = {True: set(), False: set()}
    for signed_off, reference, snapshot in _frozen(programme_id, leave_out):
        counted[signed_off].add(reference)
        for impact in _negatives(snapshot):
            if only is not None and impact.code not in only:
                continue
            line = lines.setdefault(impact.code, Line(impact.code, impact.characteristic))
            entry = Entry(
                reference=reference,
                title=snapshot.title,
                revision=snapshot.revision,
                signed_off=signed_off,
                evidence=impact.evidence,
                mitigation=impact.mitigation,
                residual=impact.residual,
            )
            (line.signed_off if signed_off else line.awaiting).append(entry)
    order = _catalogue_order()
    ordered = sorted(lines.values(), key=lambda line: (order.get(line.code, len(order)), line.name))
    return Cumulative(programme_id, name, ordered, len(counted[True]), len(counted[False]))


def cumulative(programme: Programme) -> Cumulative:
    """Every negative impact across the programme's EqIAs, by characteristic."""
    return _gather(programme.id, programme.name)


def review_panel(snapshot: Snapshot, assessment_id: int) -> Cumulative | None:
    """For the review page: the other EqIAs' negative impacts in the programme the revision
    under review names, on the characteristics this revision finds a negative impact on.
    None when it names no programme."""
    programme_id = snapshot.programme_id
    if programme_id is None:
        return None
    own = {impact.code for impact in _negatives(snapshot)}
    return _gather(programme_id, snapshot.programme, leave_out=assessment_id, only=own)
