"""An EqIA's history: everything that happened to it, and every revision with its decision.

Read from the audit trail. Saves are many and small, so each person's saves on
one day (between two other events) are shown as one row naming the sections.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import render_template
from sqlalchemy import Row, select
from sqlalchemy.orm import defer

from eqia.assessments import bp
from eqia.extensions import db
from eqia.models import Assessment, Decision, DecisionKind, Event, Revision, Status
from eqia.permissions import SIGNED_IN, allow, assessment_access
from eqia.shell import LONDON

WHAT_HAPPENED = {
    "created": "Created",
    "submitted": "Submitted for sign-off",
    "assigned": "Picked up for review",
    "returned": "Returned with comments",
    "resubmitted": "Resubmitted",
    "approved": "Signed off",
    "review-started": "Review started",
    "withdrawn": "Withdrawn",
    "co_author_added": "Co-author added",
    "co_author_removed": "Co-author removed",
}


def what_happened(kind: str) -> str:
    """An event's kind in plain words; a kind not listed reads as itself."""
    return WHAT_HAPPENED.get(kind) or kind.replace("_", " ").replace("-", " ").capitalize()


STATUS_LABELS = {status.value: status.label for status in Status}


def _status_label(value: str | None) -> str | None:
    return STATUS_LABELS.get(value, value) if value else None


@dataclass
class HistoryEntry:
    """One row of the history: an event, or one person's saves on one day."""

    at: datetime
    who: str
    what: str
    note: str = ""
    from_status: str | None = None
    to_status: str | None = None
    revision: int | None = None
    until: datetime | None = None
    sections: list[str] = field(default_factory=list)

    @property
    def status_change(self) -> str:
        before, after = _status_label(self.from_status), _status_label(self.to_status)
        if before and after:
            return f"{before} to {after}"
        return after or ""

    @property
    def until_time(self) -> str:
        """The time of the last save in a group, when later than the first."""
        if self.until is None:
            return ""
        first, last = self.at.astimezone(LONDON), self.until.astimezone(LONDON)
        if (first.hour, first.minute) == (last.hour, last.minute):
            return ""
        return f"{last:%-I:%M}{last:%p}".replace("AM", "am").replace("PM", "pm")


def _who(event: Event) -> str:
    return event.actor.name if event.actor else "The system"


def timeline(events: list[Event]) -> list[HistoryEntry]:
    """Events in order, with each person's saves on one day collapsed into one entry.

    A group of saves never spans another event, so the story stays in order.
    """
    entries: list[HistoryEntry] = []
    saves: dict[tuple[int | None, date], HistoryEntry] = {}
    for event in events:
        if event.kind != "saved":
            saves.clear()
            entries.append(
                HistoryEntry(
                    at=event.created_at,
                    who=_who(event),
                    what=what_happened(event.kind),
                    note=event.note,
                    from_status=event.from_status,
                    to_status=event.to_status,
                    revision=event.revision,
                )
            )
            continue
        key = (event.actor_id, event.created_at.astimezone(LONDON).date())
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
        return "Signed off" if self.decision.kind == DecisionKind.APPROVED else "Returned"


@bp.route("/<ref>/history")
@allow(SIGNED_IN)
@assessment_access("view")
def history(assessment: Assessment):
    events = list(
        db.session.scalars(
            select(Event).where(Event.assessment_id == assessment.id).order_by(Event.seq)
        )
    )
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
    return render_template(
        "assessments/history.html",
        assessment=assessment,
        entries=timeline(events),
        revisions=[RevisionEntry(r, decisions.get(r.id)) for r in revisions],
    )
