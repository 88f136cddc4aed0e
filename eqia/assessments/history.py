"""An EqIA's history: everything that happened to it, and every revision with its decision.

Read from the audit trail. Saves are many and small, so each person's saves on
one day (between two other events) are shown as one row naming the sections.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import render_template
from flask_login import current_user
from sqlalchemy import Row, select
from sqlalchemy.orm import defer

from eqia.assessments import bp
from eqia.extensions import db
from eqia.models import Assessment, Decision, DecisionKind, Event, EventKind, Revision, Status
from eqia.permissions import SIGNED_IN, Part, allow, assessment_access, can_read
from eqia.timefmt import clock, uk_day


@dataclass
class HistoryEntry:
    """One row of the history: an event, or one person's saves on one day."""

    at: datetime
    who: str
    what: str
    note: str = ""
    from_status: Status | None = None
    to_status: Status | None = None
    revision: int | None = None
    until: datetime | None = None
    sections: list[str] = field(default_factory=list)

    @property
    def status_change(self) -> str:
        before, after = self.from_status, self.to_status
        if before and after:
            return f"{before.label} to {after.label}"
        return after.label if after else ""

    @property
    def until_time(self) -> str:
        """The time of the last save in a group, when later than the first."""
        if self.until is None or clock(self.at) == clock(self.until):
            return ""
        return clock(self.until)


def _who(event: Event) -> str:
    return event.actor.name if event.actor else "The system"


def timeline(events: list[Event]) -> list[HistoryEntry]:
    """Events in order, with each person's saves on one day collapsed into one entry.

    A group of saves never spans another event, so the story stays in order.
    """
    entries: list[HistoryEntry] = []
    saves: dict[tuple[int | None, date], HistoryEntry] = {}
    for event in events:
        if event.kind is not EventKind.SAVED:
            saves.clear()
            entries.append(
                HistoryEntry(
                    at=event.created_at,
                    who=_who(event),
                    what=event.kind.label,
                    note=event.note,
                    from_status=event.from_status,
                    to_status=event.to_status,
                    revision=event.revision,
                )
            )
            continue
        key = (event.actor_id, uk_day(event.created_at))
        group = saves.get(key)
        if group is None:
            group = saves[key] = HistoryEntry(
                at=event.created_at, who=_who(event), what="", revision=event.revision
            )
            entries.append(group)
        group.until = event.created_at
        if event.note and event.note not in group.sections:
            group.sections.append(event.note)
    for entry in entries:
        if entry.until is not None:
            count = len(entry.sections)
            entry.what = f"Saved {count} section{'' if count == 1 else 's'}"
    return entries


@dataclass
class RevisionEntry:
    revision: Revision
    decision: Row | None  # the decision's kind, reviewer_name, reviewer_job_title, decided_at

    @property
    def outcome(self) -> str:
        if self.decision is None:
            return ""
        return "Signed off" if self.decision.kind is DecisionKind.APPROVED else "Returned"


@bp.route("/<ref>/history")
@allow(SIGNED_IN)
@assessment_access("view")
def history(assessment: Assessment):
    """The whole history, for those who may read it; for other colleagues, the sign-offs."""
    everything = can_read(current_user, assessment, Part.HISTORY)
    query = select(Event).where(Event.assessment_id == assessment.id)
    if not everything:
        query = query.where(Event.kind == EventKind.APPROVED)
    events = list(db.session.scalars(query.order_by(Event.seq)))
    revisions = db.session.scalars(
        select(Revision)
        .where(Revision.assessment_id == assessment.id)
        .options(defer(Revision.snapshot))
        .order_by(Revision.number)
    )
    # Only what the table shows: not the evaluations, nor the revision's snapshot again.
    decisions = {
        d.revision_id: d
        for d in db.session.execute(
            select(
                Decision.revision_id,
                Decision.kind,
                Decision.reviewer_name,
                Decision.reviewer_job_title,
                Decision.decided_at,
            ).where(Decision.assessment_id == assessment.id)
        )
    }
    entries = [RevisionEntry(r, decisions.get(r.id)) for r in revisions]
    if not everything:
        entries = [e for e in entries if e.outcome == "Signed off"]
    return render_template(
        "assessments/history.html",
        assessment=assessment,
        entries=timeline(events),
        revisions=entries,
        everything=everything,
    )
