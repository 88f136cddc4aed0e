"""The life of an EqIA: the only code that changes its status.

Each transition checks who may make it, refuses an illegal move, and writes an
audit event in the same transaction. Views call these functions; they never set
a status themselves. A refusal is an ``eqia.errors.WorkflowError``, which the
app's error handler shows on a page of its own.
"""

from sqlalchemy import select, update

from eqia import due_regard, notifications, permissions, publishing
from eqia.database import insert_unless_present
from eqia.errors import IllegalMove, Incomplete, NotAllowed, WorkflowError
from eqia.extensions import db
from eqia.models import (
    Assessment,
    CoAuthor,
    Decision,
    DecisionKind,
    EventKind,
    NotificationKind,
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
from eqia.records import sealing
from eqia.sections import Progress
from eqia.sections import snapshot as builder
from eqia.sections.saving import copied_columns
from eqia.snapshot import content_hash, read
from eqia.timefmt import uk_today, utcnow


def require(condition: bool, message: str, error: type[WorkflowError] = NotAllowed) -> None:
    if not condition:
        raise error(message)


def _move(
    assessment: Assessment,
    allowed_from: set[Status],
    to: Status,
    by: User,
    kind: EventKind,
    note: str = "",
) -> None:
    current = assessment.status
    require(
        current in allowed_from,
        f"This EqIA is {current.label.lower()}, so it cannot be {kind.label.lower()}",
        IllegalMove,
    )
    assessment.status = to
    assessment.updated_at = utcnow()
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
    db.session.execute(insert_unless_present(ReferenceCounter, {"year": year, "last": 0}))
    number = db.session.execute(
        update(ReferenceCounter)
        .where(ReferenceCounter.year == year)
        .values(last=ReferenceCounter.last + 1)
        .returning(ReferenceCounter.last)
    ).scalar_one()
    return f"EQIA-{year}-{number:04d}"


def start(title: str, owner: User) -> Assessment:
    now = utcnow()
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
    record(EventKind.CREATED, owner, assessment.id, to_status=Status.DRAFT, revision=1, note=title)
    return assessment


def submit(
    assessment: Assessment,
    by: User,
    progress: Progress,
    to: User | None = None,
    message: str = "",
    reasons: dict[str, str] | None = None,
) -> Revision:
    """Freeze the answers as a revision and send it for sign-off. ``progress`` is the
    request's own reading of the sections (``sections.progress``); ``reasons`` are the
    lead's for going past the due-regard checks' warnings, by check code: the checks run
    again on what is frozen, and are frozen with it."""
    require(permissions.can_edit(by, assessment), "You cannot submit this EqIA")
    if progress.incomplete:
        raise Incomplete(progress.incomplete)
    if to is not None:
        require(permissions.can_review(to, assessment), f"{to.name} cannot sign off this EqIA")
    snapshot = builder.build(assessment, progress.ctx, submitted_by=by)
    today = uk_today()
    checks = due_regard.run(read(snapshot), due_regard.DueRegardPolicy.load(), today)
    snapshot["due_regard"] = due_regard.frozen(checks, reasons or {}, today)
    revision = Revision(
        assessment_id=assessment.id,
        number=assessment.revision,
        snapshot=snapshot,
        content_hash=content_hash(snapshot),
        created_by_id=by.id,
        created_at=utcnow(),
    )
    db.session.add(revision)
    first = assessment.status is not Status.RETURNED
    for column, value in copied_columns(snapshot).items():
        setattr(assessment, column, value)
    assessment.submitted_to_id = to.id if to else None
    assessment.submitted_at = revision.created_at
    # Sent to a named super user, it is theirs to decide until they release it (or an admin
    # gives it to someone else).
    assessment.assigned_to_id = to.id if to else None
    assessment.assigned_at = revision.created_at if to else None
    kind = EventKind.SUBMITTED if first else EventKind.RESUBMITTED
    _move(assessment, {Status.DRAFT, Status.RETURNED}, Status.SUBMITTED, by, kind, message)
    notifications.queue(
        NotificationKind.SUBMITTED,
        assessment,
        [to] if to else reviewers(assessment),
        actor=by,
        message=message,
    )
    return revision


def reviewers(assessment: Assessment) -> list[User]:
    """The super users who may sign off this EqIA: never its own authors (as
    ``permissions.can_review`` says), found in one query."""
    query = (
        select(User)
        .where(
            User.active,
            User.role_rows.any(UserRole.role == Role.SUPER_USER),
            User.id != assessment.owner_id,
            User.id.not_in(permissions.helped_write(assessment)),
        )
        .order_by(User.name)
    )
    return list(db.session.scalars(query))


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
        not permissions.has_ever_authored(by, assessment),
        "You cannot sign off an EqIA you own, co-author or have helped to write",
    )
    require(by.is_active, "Your account is not active")
    require(
        assessment.status is Status.SUBMITTED,
        f"This EqIA is {assessment.status.label.lower()}, so it cannot be signed off now",
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
        assessment.assigned_at = utcnow()
        record(EventKind.ASSIGNED, by, assessment.id, revision=assessment.revision)


def release(assessment: Assessment, by: User) -> None:
    """The super user who holds the EqIA, or an admin, lets any other super user take it."""
    holder = assessment.assigned_to
    require(holder is not None, "Nobody has picked up this EqIA", IllegalMove)
    require(
        holder.id == by.id or by.has_role(Role.ADMIN),
        f"Only {holder.name} or an admin can release this EqIA",
    )
    assessment.assigned_to_id = assessment.assigned_at = None
    record(EventKind.RELEASED, by, assessment.id, revision=assessment.revision, note=holder.name)


def reassign(assessment: Assessment, by: User, to: User) -> None:
    """An admin gives the EqIA awaiting sign-off to another super user."""
    require(by.has_role(Role.ADMIN), "Only an admin can give an EqIA to another super user")
    require(
        assessment.status is Status.SUBMITTED,
        f"This EqIA is {assessment.status.label.lower()}, so it is not waiting for sign-off",
        IllegalMove,
    )
    require(permissions.can_review(to, assessment), f"{to.name} cannot sign off this EqIA")
    assessment.assigned_to_id, assessment.assigned_at = to.id, utcnow()
    record(EventKind.ASSIGNED, by, assessment.id, revision=assessment.revision, note=to.name)


def release_everything_held_by(user: User, by: User) -> None:
    """When a super user is deactivated, what they held waits for any other super user."""
    held = db.session.scalars(
        select(Assessment).where(
            Assessment.assigned_to_id == user.id, Assessment.status == Status.SUBMITTED
        )
    )
    for assessment in held:
        release(assessment, by)


# What a person who leaves still leads: drafts, those returned or awaiting sign-off, and
# signed-off ones, whose reviews fall due to their project lead.
LED = (Status.DRAFT, Status.RETURNED, Status.SUBMITTED, Status.APPROVED)


def led_by(user: User):
    """The query for the EqIAs ``user`` leads that move with them."""
    return select(Assessment).where(Assessment.owner_id == user.id, Assessment.status.in_(LED))


def move_eqias(leaver: User, to: User, by: User) -> list[Assessment]:
    """An admin makes ``to`` the project lead of everything ``leaver`` leads, in one action:
    an event on each EqIA, and an email to both. Someone who becomes an EqIA's lead can no
    longer co-author it, nor sign it off: if they had picked it up, it is released."""
    require(by.has_role(Role.ADMIN), "Only an admin can move a person's EqIAs")
    require(to.id != leaver.id, "Choose someone other than the person whose EqIAs these are")
    require(to.active, f"{to.name}'s account is deactivated, so they cannot lead EqIAs")
    moved = list(db.session.scalars(led_by(leaver).order_by(Assessment.reference)))
    if not moved:
        return moved
    db.session.execute(
        update(CoAuthor)
        .where(
            CoAuthor.assessment_id.in_([a.id for a in moved]),
            CoAuthor.user_id == to.id,
            CoAuthor.removed_at.is_(None),
        )
        .values(removed_at=utcnow())
    )
    for assessment in moved:
        if assessment.assigned_to_id == to.id:
            release(assessment, by)
        assessment.owner = to
        record(
            EventKind.OWNER_CHANGED,
            by,
            assessment.id,
            revision=assessment.revision,
            note=f"{leaver.name} → {to.name}",
        )
    notifications.queue(
        NotificationKind.OWNER_CHANGED,
        None,
        [leaver, to],
        actor=by,
        assessments=moved,
        previous_owner=leaver,
        new_owner=to,
    )
    return moved


def decide(
    assessment: Assessment,
    by: User,
    kind: DecisionKind,
    *,
    revision_number: int,
    comment: str = "",
    evaluations: dict[str, tuple[Rating, str]] | None = None,
    objectives: dict[int, bool] | None = None,
    publish: bool = False,
) -> Decision:
    """Approve or return the revision under review; exactly one decision per revision. An
    approval seals the record in the same transaction, or is refused; with ``publish``, it
    puts the record on the public register too (without, a record there comes off it)."""
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
    for link in assessment.objective_links:
        if link.objective_id in (objectives or {}):
            link.confirmed = objectives[link.objective_id]
    links = sorted(assessment.objective_links, key=lambda link: link.objective.number)
    decision = Decision(
        assessment_id=assessment.id,
        revision_id=revision.id,
        kind=kind,
        comment=comment,
        reviewer_id=by.id,
        reviewer_name=by.name,
        reviewer_job_title=by.job_title or "",
        content_hash=revision.content_hash,
        decided_at=utcnow(),
        evaluations=[
            SectionEvaluation(slug=slug, rating=rating, comment=text)
            for slug, (rating, text) in evaluations.items()
        ],
        # Frozen with the decision: what a record of it prints, whatever happens to the links.
        links=[
            {
                "code": str(link.objective.number),
                "label": link.objective.title,
                "confirmed": link.confirmed,
            }
            for link in links
        ],
    )
    db.session.add(decision)
    if kind is DecisionKind.APPROVED:
        assessment.approved_revision_id = revision.id
        assessment.approved_at, assessment.approved_by_id = decision.decided_at, by.id
        _move(assessment, {Status.SUBMITTED}, Status.APPROVED, by, EventKind.APPROVED, comment)
        sealing.seal(assessment, revision, decision.decided_at)
        publishing.freeze_facts(revision, revision.read(), decision.decided_at)
        _publish_at_sign_off(assessment, by, revision.number, publish)
    else:
        _move(assessment, {Status.SUBMITTED}, Status.RETURNED, by, EventKind.RETURNED, comment)
        assessment.revision = revision.number + 1
    assessment.assigned_to_id = assessment.assigned_at = None
    authors = [assessment.owner, *(c.user for c in assessment.co_authors)]
    notifications.queue(
        NotificationKind(kind.value), assessment, authors, actor=by, comment=comment
    )
    return decision


def _publish_at_sign_off(assessment: Assessment, by: User, number: int, publish: bool) -> None:
    was_published = assessment.published_at is not None
    if publish:
        assessment.published_at = utcnow()
        record(EventKind.PUBLISHED, by, assessment.id, revision=number)
    elif was_published:
        assessment.published_at = None
        note = f"Revision {number} was signed off without publishing it"
        record(EventKind.UNPUBLISHED, by, assessment.id, revision=number, note=note)


def _require_publisher(by: User) -> None:
    require(
        by.is_active and by.has_role(Role.SUPER_USER, Role.ADMIN),
        "Only an EqIA super user or an admin can change what is on the public register",
    )


def publish(assessment: Assessment, by: User) -> None:
    """Put the signed-off record in force (back) on the public register."""
    _require_publisher(by)
    require(
        publishing.can_be_published(assessment),
        f"{assessment.reference} has no signed-off record in force to publish",
        IllegalMove,
    )
    require(
        assessment.published_at is None,
        f"{assessment.reference} is already on the public register",
        IllegalMove,
    )
    assessment.published_at = utcnow()
    number = assessment.approved_revision.number
    record(EventKind.PUBLISHED, by, assessment.id, revision=number)


def unpublish(assessment: Assessment, by: User, reason: str) -> None:
    """Take the EqIA off the public register, saying why."""
    _require_publisher(by)
    require(bool(reason.strip()), "Enter why you are taking this EqIA off the public register")
    require(
        assessment.published_at is not None,
        f"{assessment.reference} is not on the public register",
        IllegalMove,
    )
    assessment.published_at = None
    number = assessment.approved_revision.number if assessment.approved_revision else None
    record(EventKind.UNPUBLISHED, by, assessment.id, revision=number, note=reason)


def start_review(assessment: Assessment, by: User) -> None:
    """Begin the next revision as a draft; the approved one stays the record until replaced."""
    require(permissions.can_start_review(by, assessment), "You cannot start a review of this EqIA")
    _move(assessment, {Status.APPROVED}, Status.DRAFT, by, EventKind.REVIEW_STARTED)
    for action in assessment.actions:
        action.carried_from, action.progress, action.progress_note = assessment.revision, "", ""
    assessment.revision += 1


def withdraw(assessment: Assessment, by: User, reason: str = "") -> None:
    require(by.id == assessment.owner_id, "Only the owner can withdraw this EqIA")
    _move(
        assessment,
        {Status.DRAFT, Status.RETURNED},
        Status.WITHDRAWN,
        by,
        EventKind.WITHDRAWN,
        reason,
    )
