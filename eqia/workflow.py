"""The life of an EqIA: the only code that changes its status.

Each transition checks who may make it, refuses an illegal move, and writes an
audit event in the same transaction. Views call these functions; they never set
a status themselves.
"""

import hashlib
import json
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from eqia import notifications, permissions, sections
from eqia.extensions import db
from eqia.models import (
    Assessment,
    Decision,
    DecisionKind,
    Rating,
    ReferenceCounter,
    Revision,
    Role,
    SectionEvaluation,
    Status,
    User,
    UserRole,
)
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
    assessment.submitted_at = revision.created_at
    assessment.assigned_to_id = assessment.assigned_at = None
    _move(assessment, {Status.DRAFT, Status.RETURNED}, Status.SUBMITTED, by, kind, message)
    notifications.queue(
        "submitted", assessment, [to] if to else reviewers(assessment), actor=by, message=message
    )
    return revision


def reviewers(assessment: Assessment) -> list[User]:
    """The super users who may sign off this EqIA: never its own authors."""
    query = (
        select(User)
        .where(User.active, User.role_rows.any(UserRole.role == Role.SUPER_USER))
        .order_by(User.name)
    )
    return [u for u in db.session.scalars(query) if permissions.can_review(u, assessment)]


def latest_revision(assessment: Assessment) -> Revision | None:
    return db.session.scalar(
        select(Revision)
        .where(Revision.assessment_id == assessment.id)
        .order_by(Revision.number.desc())
        .limit(1)
    )


def _require_reviewer(assessment: Assessment, by: User) -> None:
    require(by.has_role(Role.SUPER_USER), "Only an EqIA super user can sign off an EqIA")
    require(
        not assessment.is_author(by), "You cannot sign off an EqIA you own or are a co-author of"
    )
    require(by.is_active, "Your account is not active")
    require(
        assessment.state is Status.SUBMITTED,
        f"This EqIA is {assessment.state.label.lower()}, so it cannot be signed off now",
        IllegalMove,
    )


def assign(assessment: Assessment, by: User) -> None:
    """A super user picks the EqIA up, so nobody else works on it unknowingly."""
    _require_reviewer(assessment, by)
    holder = assessment.assigned_to
    require(
        holder is None or holder.id == by.id,
        f"{holder.name if holder else ''} has already picked up this EqIA",
        IllegalMove,
    )
    if holder is None:
        assessment.assigned_to_id = by.id
        assessment.assigned_at = datetime.now(UTC)
        record("assigned", by, assessment.id, revision=assessment.revision)


def decide(
    assessment: Assessment,
    by: User,
    kind: DecisionKind,
    *,
    revision_number: int,
    comment: str = "",
    evaluations: dict[str, tuple[Rating, str]] | None = None,
    objectives: dict[int, bool] | None = None,
) -> Decision:
    """Approve or return the revision under review; exactly one decision per revision."""
    _require_reviewer(assessment, by)
    holder = assessment.assigned_to
    require(
        holder is None or holder.id == by.id,
        f"{holder.name if holder else ''} has picked up this EqIA, so only they can decide on it",
        IllegalMove,
    )
    revision = latest_revision(assessment)
    require(
        revision is not None and revision.number == revision_number,
        "This EqIA has changed since you opened it. Review the latest version.",
        IllegalMove,
    )
    evaluations = evaluations or {}
    if kind is DecisionKind.RETURNED:
        require(
            bool(comment.strip())
            or any(rating is Rating.TO_BE_FIXED for rating, _ in evaluations.values()),
            "To return an EqIA, mark a section as to be fixed or write a comment",
        )
    decision = Decision(
        assessment_id=assessment.id,
        revision_id=revision.id,
        kind=kind,
        comment=comment,
        reviewer_id=by.id,
        reviewer_name=by.name,
        reviewer_job_title=by.job_title or "",
        content_hash=revision.content_hash,
        decided_at=datetime.now(UTC),
        evaluations=[
            SectionEvaluation(slug=slug, rating=rating, comment=text)
            for slug, (rating, text) in evaluations.items()
        ],
    )
    db.session.add(decision)
    for link in assessment.objective_links:
        if link.objective_id in (objectives or {}):
            link.confirmed = objectives[link.objective_id]
    if kind is DecisionKind.APPROVED:
        assessment.approved_revision_id = revision.id
        assessment.approved_at, assessment.approved_by_id = decision.decided_at, by.id
        _move(assessment, {Status.SUBMITTED}, Status.APPROVED, by, "approved", comment)
    else:
        _move(assessment, {Status.SUBMITTED}, Status.RETURNED, by, "returned", comment)
        assessment.revision = revision.number + 1
    assessment.assigned_to_id = assessment.assigned_at = None
    authors = [assessment.owner, *(c.user for c in assessment.co_authors)]
    notifications.queue(kind.value, assessment, authors, actor=by, comment=comment)
    return decision


def start_review(assessment: Assessment, by: User) -> None:
    """Begin the next revision as a draft; the approved one stays the record until replaced."""
    require(permissions.can_start_review(by, assessment), "You cannot start a review of this EqIA")
    _move(assessment, {Status.APPROVED}, Status.DRAFT, by, "review-started")
    for action in assessment.actions:
        action.carried_from, action.progress, action.progress_note = assessment.revision, "", ""
    assessment.revision += 1


def withdraw(assessment: Assessment, by: User, reason: str = "") -> None:
    require(by.id == assessment.owner_id, "Only the owner can withdraw this EqIA")
    _move(assessment, {Status.DRAFT, Status.RETURNED}, Status.WITHDRAWN, by, "withdrawn", reason)
