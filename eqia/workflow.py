"""The life of an EqIA: the only code that changes its status.

Each transition checks who may make it, refuses an illegal move, and writes an
audit event in the same transaction. Views call these functions; they never set
a status themselves.
"""

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from eqia import permissions, sections
from eqia.extensions import db
from eqia.models import Assessment, ReferenceCounter, Revision, Status, User
from eqia.models.audit import record


class WorkflowError(Exception):
    """A move that cannot be made; the message is for the person who tried."""


class NotAllowed(WorkflowError):
    pass


class IllegalMove(WorkflowError):
    pass


class Incomplete(WorkflowError):
    def __init__(self, missing: list):
        super().__init__("There are sections to complete before you can submit")
        self.missing = missing


def require(condition: bool, message: str, error: type[WorkflowError] = NotAllowed) -> None:
    if not condition:
        raise error(message)


def _move(
    assessment: Assessment,
    allowed_from: set[Status],
    to: Status,
    by: User,
    kind: str,
    note: str = "",
) -> None:
    current = assessment.state
    require(
        current in allowed_from,
        f"This EqIA is {current.label.lower()}, so it cannot be {kind}",
        IllegalMove,
    )
    assessment.status = to
    assessment.updated_at = datetime.now(UTC)
    record(
        kind,
        by,
        assessment.id,
        from_status=current,
        to_status=to,
        revision=assessment.revision,
        note=note,
    )


def _next_reference(year: int) -> str:
    """EQIA-YYYY-NNNN, sequential within the year; one writer at a time takes a number."""
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(insert(ReferenceCounter).values(year=year, last=0).on_conflict_do_nothing())
    number = db.session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    ).scalar_one()
    return f"EQIA-{year}-{number:04d}"


def start(title: str, owner: User) -> Assessment:
    now = datetime.now(UTC)
    assessment = Assessment(
        reference=_next_reference(now.year),
        title=title,
        owner_id=owner.id,
        status=Status.DRAFT,
        created_at=now,
        updated_at=now,
    )
    db.session.add(assessment)
    db.session.flush()
    record("created", owner, assessment.id, to_status=Status.DRAFT, revision=1, note=title)
    return assessment


def saved(assessment: Assessment, by: User, section_title: str) -> None:
    """Record that a section was saved (answers are not workflow, but the history shows them)."""
    require(permissions.can_edit(by, assessment), "You cannot change this EqIA")
    assessment.updated_at = datetime.now(UTC)
    record("saved", by, assessment.id, revision=assessment.revision, note=section_title)


def content_hash(snapshot: dict) -> str:
    canonical = json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def submit(assessment: Assessment, by: User, to: User | None = None, message: str = "") -> Revision:
    """Freeze the answers as a revision and send it for sign-off."""
    require(permissions.can_edit(by, assessment), "You cannot submit this EqIA")
    ctx = sections.Context.load(assessment)
    missing = sections.progress(assessment, ctx).incomplete
    if missing:
        raise Incomplete(missing)
    if to is not None:
        require(permissions.can_review(to, assessment), f"{to.name} cannot sign off this EqIA")
    snapshot = sections.snapshot(assessment, ctx)
    revision = Revision(
        assessment_id=assessment.id,
        number=assessment.revision,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        created_by_id=by.id,
        created_at=datetime.now(UTC),
    )
    db.session.add(revision)
    kind = "resubmitted" if assessment.state is Status.RETURNED else "submitted"
    assessment.submitted_to_id = to.id if to else None
    _move(assessment, {Status.DRAFT, Status.RETURNED}, Status.SUBMITTED, by, kind, message)
    return revision


def withdraw(assessment: Assessment, by: User, reason: str = "") -> None:
    require(by.id == assessment.owner_id, "Only the owner can withdraw this EqIA")
    _move(assessment, {Status.DRAFT, Status.RETURNED}, Status.WITHDRAWN, by, "withdrawn", reason)
