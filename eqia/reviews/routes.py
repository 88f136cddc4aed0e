"""Reviewing an EqIA section by section, and the decision: approve or return."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from eqia import publishing, workflow
from eqia.database import id_from
from eqia.errors import WorkflowError
from eqia.extensions import db
from eqia.models import Assessment, Decision, DecisionKind, Event, EventKind, Status
from eqia.permissions import SIGN_OFF, allow, assessment_access
from eqia.programmes.impacts import review_panel
from eqia.reviews import bp
from eqia.reviews.changes import changes
from eqia.reviews.forms import review_form
from eqia.shell import error_page


def _not_awaiting(assessment: Assessment):
    """409: someone has decided already, or the EqIA is not waiting for sign-off."""
    decision = Decision.latest(assessment.id)
    if assessment.status is not Status.DRAFT and decision is not None:
        verb = "signed off" if decision.approved else "returned"
        body = (
            f"{decision.reviewer_name} {verb} revision {decision.revision.number} "
            f"of {assessment.reference}. Your decision has not been recorded."
        )
        return error_page(409, "This EqIA has already been decided", body)
    state = assessment.status.label.lower()
    body = f"{assessment.reference} is {state}, so it cannot be signed off."
    return error_page(409, "This EqIA is not waiting for sign-off", body)


def _submission_message(assessment: Assessment) -> str:
    """What the lead wrote when they (re)submitted the revision under review."""
    return (
        db.session.scalar(
            select(Event.note)
            .where(
                Event.assessment_id == assessment.id,
                Event.kind.in_((EventKind.SUBMITTED, EventKind.RESUBMITTED)),
            )
            .order_by(Event.seq.desc())
            .limit(1)
        )
        or ""
    )


def _revision_number(value: str | None) -> int:
    return id_from(value) or 0


@bp.route("/<ref>", methods=["GET", "POST"])
@allow(SIGN_OFF)
@assessment_access("review")
def review(assessment: Assessment):
    if assessment.status is not Status.SUBMITTED:
        return _not_awaiting(assessment)
    revision = workflow.latest_revision(assessment)
    snapshot = revision.read()
    returned = Decision.latest(assessment.id, DecisionKind.RETURNED)
    form = review_form(
        snapshot.sections, assessment.objective_links, publishing.starts_published(assessment)
    )
    if not form.is_submitted():
        form.revision.data = revision.number
    if form.validate_on_submit():
        try:
            workflow.decide(
                assessment,
                current_user,
                form.kind,
                revision_number=_revision_number(form.revision.data),
                comment=form.comment.data or "",
                evaluations=form.evaluations(),
                objectives=form.objectives(),
                publish=form.publish_chosen,
            )
            db.session.commit()
        except WorkflowError as error:
            db.session.rollback()
            return error_page(error.status, "Your decision has not been recorded", str(error))
        except (IntegrityError, StaleDataError):
            db.session.rollback()
            return _not_awaiting(Assessment.by_reference(assessment.reference))
        if form.kind is DecisionKind.APPROVED:
            published = " and published it on the public register" if form.publish_chosen else ""
            flash(f"You have signed off {assessment.reference}{published}.", "success")
        else:
            owner = assessment.owner.name
            flash(f"You have returned {assessment.reference} to {owner}.", "success")
        return redirect(url_for("assessments.view", ref=assessment.reference))
    return render_template(
        "reviews/review.html",
        assessment=assessment,
        revision=revision,
        snapshot=snapshot,
        form=form,
        message=_submission_message(assessment),
        returned=returned,
        changed=changes(returned.revision.read(), snapshot) if returned else {},
        programme=review_panel(snapshot, assessment.id),
    )
