"""An EqIA's history: everything that happened to it, and every revision with its decision.

Read from the audit trail. Saves are many and small, so each person's saves on
one day (between two other events) are shown as one row naming the sections. An
EqIA can gather thousands of events: the timeline is paged.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from flask import render_template
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Row, select
from sqlalchemy.orm import defer

from eqia.assessments import bp
from eqia.extensions import db
from eqia.models import Assessment, Decision, DecisionKind, Event, EventKind, Revision, Status
from eqia.pagination import paginate_list
from eqia.permissions import SIGNED_IN, Part, allow, assessment_access, can_read
from eqia.timefmt import clock, uk_day

PER_PAGE = 50


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


def _groups(events: list) -> list[list]:
    """The events in order, as the entries they make: each non-save event alone, and each
    person's saves on one day together, at the place of the first (a group of saves never
    spans another event, so the story stays in order). Events need only seq, kind,
    actor_id and created_at here."""
    entries: list[list] = []
    saves: dict[tuple[int | None, date], list] = {}
    for event in events:
        if event.kind is not EventKind.SAVED:
            saves.clear()
            entries.append([event])
            continue
        key = (event.actor_id, uk_day(event.created_at))
        if key not in saves:
            saves[key] = []
            entries.append(saves[key])
        saves[key].append(event)
    return entries


def _entry(group: list[Event]) -> HistoryEntry:
    first = group[0]
    if first.kind is not EventKind.SAVED:
        return HistoryEntry(
            at=first.created_at,
            who=_who(first),
            what=first.kind.label,
            note=first.note,
            from_status=first.from_status,
            to_status=first.to_status,
            revision=first.revision,
        )
    sections = list(dict.fromkeys(e.note for e in group if e.note))
    return HistoryEntry(
        at=first.created_at,
        who=_who(first),
        what=f"Saved {len(sections)} section{'' if len(sections) == 1 else 's'}",
        revision=first.revision,
        until=group[-1].created_at,
        sections=sections,
    )


def timeline(events: list[Event]) -> list[HistoryEntry]:
    """Events in order, with each person's saves on one day collapsed into one entry."""
    return [_entry(group) for group in _groups(events)]


def timeline_page(assessment: Assessment, everything: bool) -> Pagination:
    """One page of the timeline, oldest first, in two queries however long the history.

    The grouping is worked out over every event's few small columns, so a group of saves
    that goes on past a page's last event is whole on the page where it starts (its
    "until" included) and never repeated on the next; then only the page's events are read
    in full.
    """
    query = select(Event.seq, Event.kind, Event.actor_id, Event.created_at).where(
        Event.assessment_id == assessment.id
    )
    if not everything:
        query = query.where(Event.kind == EventKind.APPROVED)
    page = paginate_list(_groups(db.session.execute(query.order_by(Event.seq)).all()), PER_PAGE)
    seqs = [event.seq for group in page.items for event in group]
    full = {
        event.seq: event
        for event in db.session.scalars(
            select(Event).where(Event.assessment_id == assessment.id, Event.seq.in_(seqs))
        )
    }
    page.items = [_entry([full[event.seq] for event in group]) for group in page.items]
    return page


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
        page=timeline_page(assessment, everything),
        revisions=entries,
        everything=everything,
    )
