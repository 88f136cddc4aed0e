"""Co-authors: colleagues the owner adds to help write an EqIA.

A co-author can do what the owner can with the answers (edit and submit), and
sees the EqIA in "Your EqIAs". Only the owner adds and removes co-authors, never
while the EqIA awaits sign-off. Each change writes an audit event in the same
transaction; a co-author removed stays on record, because nobody who helped write
an EqIA may sign it off.
"""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from eqia.assessments import bp
from eqia.assessments.forms import CoAuthorForm
from eqia.extensions import db
from eqia.forms import ConfirmForm
from eqia.models import Assessment, CoAuthor, EventKind, User
from eqia.models.audit import record
from eqia.permissions import SIGNED_IN, allow, assessment_access
from eqia.timefmt import utcnow


def _describe(user: User) -> str:
    return f"{user.name} ({user.email})"


def _colleague_problem(assessment: Assessment, colleague: User | None) -> str | None:
    """Why this person cannot be added as a co-author, or None if they can."""
    if colleague is None or not colleague.active:
        return "There is no active user with that email address"
    if colleague.id == assessment.owner_id:
        return "You are already the owner of this EqIA"
    if any(c.user_id == colleague.id for c in assessment.co_authors):
        return f"{colleague.name} is already a co-author"
    return None


@bp.route("/<ref>/co-authors", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("authors")
def co_authors(assessment: Assessment):
    form = CoAuthorForm()
    if form.validate_on_submit():
        colleague = User.by_email(form.email.data)
        problem = _colleague_problem(assessment, colleague)
        if problem is None:
            earlier = db.session.get(CoAuthor, (assessment.id, colleague.id))
            if earlier is not None:  # a co-author once before: on record again
                earlier.removed_at, earlier.added_by_id = None, current_user.id
                earlier.added_at = utcnow()
                db.session.expire(assessment, ["co_authors"])
            else:
                assessment.co_authors.append(
                    CoAuthor(user_id=colleague.id, added_by_id=current_user.id)
                )
            record(
                EventKind.CO_AUTHOR_ADDED, current_user, assessment.id, note=_describe(colleague)
            )
            try:
                db.session.commit()
            except IntegrityError:  # someone added the same person at the same moment
                db.session.rollback()
                problem = f"{colleague.name} is already a co-author"
            else:
                flash(
                    f"{colleague.name} has been added as a co-author. "
                    "They can now edit and submit this EqIA.",
                    "success",
                )
                return redirect(url_for("assessments.co_authors", ref=assessment.reference))
        form.email.errors.append(problem)
    return render_template("assessments/co_authors.html", assessment=assessment, form=form)


@bp.route("/<ref>/co-authors/<int:user_id>/remove", methods=["GET", "POST"])
@allow(SIGNED_IN)
@assessment_access("authors")
def remove_co_author(assessment: Assessment, user_id: int):
    co_author = next((c for c in assessment.co_authors if c.user_id == user_id), None)
    if co_author is None:
        abort(404)
    colleague = co_author.user
    form = ConfirmForm()
    if form.validate_on_submit():
        co_author.removed_at = utcnow()  # kept on record: they may never sign it off
        db.session.expire(assessment, ["co_authors"])
        record(EventKind.CO_AUTHOR_REMOVED, current_user, assessment.id, note=_describe(colleague))
        db.session.commit()
        flash(f"{colleague.name} has been removed as a co-author.", "success")
        return redirect(url_for("assessments.co_authors", ref=assessment.reference))
    return render_template(
        "assessments/co_author_remove.html",
        assessment=assessment,
        colleague=colleague,
        form=form,
    )
