"""The super users' review queue: every EqIA waiting for sign-off, oldest first.

Separation of duties: a super user never sees (or picks up) an EqIA they own or
co-author. The queue is paged, and any page runs the same few queries however long
the queue is: it orders by ``assessments.submitted_at``, which the workflow sets at each
submission.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError
from wtforms import SubmitField
from wtforms.fields.choices import SelectChoice

from eqia import workflow
from eqia.database import id_from
from eqia.errors import WorkflowError
from eqia.extensions import db
from eqia.forms import Form, GovSelectField, Required, optional_int
from eqia.models import Assessment, CoAuthor, Directorate, Status, User
from eqia.pagination import paginate
from eqia.permissions import ADMIN, SIGN_OFF, allow, load_assessment, may
from eqia.reviews import bp
from eqia.timefmt import uk_day, uk_today

PER_PAGE = 25


class PickUpForm(Form):
    """A button-only POST: the CSRF token and "Pick up"."""

    submit = SubmitField("Pick up")


def _waiting_for(user: User) -> list[ColumnElement[bool]]:
    """Submitted EqIAs this person may sign off: never one they own or co-author."""
    ever_co_author = select(CoAuthor.assessment_id).where(CoAuthor.user_id == user.id)
    return [
        Assessment.status == Status.SUBMITTED,
        Assessment.owner_id != user.id,
        Assessment.id.not_in(ever_co_author),
    ]


@dataclass
class QueueEntry:
    assessment: Assessment

    @property
    def submitted_at(self) -> datetime:
        """When the revision under review was submitted (kept on the EqIA by the workflow)."""
        return self.assessment.submitted_at or self.assessment.updated_at

    @property
    def days_waiting(self) -> int:
        return max((uk_today() - uk_day(self.submitted_at)).days, 0)


def waiting(user: User, directorate_id: int | None = None) -> Select:
    """The queue for one super user, oldest submission first (a select to page)."""
    query = (
        select(Assessment)
        .where(*_waiting_for(user))
        .options(joinedload(Assessment.directorate), joinedload(Assessment.assigned_to))
        .order_by(Assessment.submitted_at, Assessment.id)
    )
    if directorate_id is not None:
        query = query.where(Assessment.directorate_id == directorate_id)
    return query


def counts(user: User) -> tuple[int, int]:
    """How many EqIAs wait for this super user's queue, and how many of those they hold."""
    query = select(
        func.count(Assessment.id),
        func.coalesce(func.sum(case((Assessment.assigned_to_id == user.id, 1), else_=0)), 0),
    ).where(*_waiting_for(user))
    total, assigned = db.session.execute(query).one()
    return total, assigned


def _chosen_directorate(directorates: list[Directorate]) -> Directorate | None:
    """The directorate to filter by; anything not on the list means all of them."""
    wanted = id_from(request.args.get("directorate"))
    return next((d for d in directorates if d.id == wanted), None)


@bp.route("/")
@allow(SIGN_OFF)
def queue():
    directorates = list(db.session.scalars(select(Directorate).order_by(Directorate.name)))
    chosen = _chosen_directorate(directorates)
    page = paginate(waiting(current_user, chosen.id if chosen else None), PER_PAGE)
    return render_template(
        "reviews/queue.html",
        page=page,
        entries=[QueueEntry(a) for a in page.items],
        directorates=directorates,
        chosen=chosen,
        pick_up=PickUpForm(),
    )


@bp.route("/<ref>/assign", methods=["POST"])
@allow(SIGN_OFF)
def assign(ref: str):
    assessment = load_assessment(ref, "review")
    reference = assessment.reference
    if not PickUpForm().validate_on_submit():
        return redirect(url_for("reviews.queue"))
    try:
        workflow.assign(assessment, current_user)
        db.session.commit()
    except WorkflowError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("reviews.queue"))
    except StaleDataError:
        db.session.rollback()
        flash(
            f"Someone else picked up or changed {reference} at the same moment, "
            "so you have not picked it up. Check the queue to see who has it.",
            "error",
        )
        return redirect(url_for("reviews.queue"))
    flash(f"You have picked up {reference}.", "success")
    return redirect(url_for("reviews.review", ref=reference))


class ReassignForm(Form):
    """An admin gives an EqIA awaiting sign-off to another super user."""

    super_user_id = GovSelectField(
        "Give it to",
        widget=GovSelect(),
        coerce=optional_int,
        validators=[Required("Select the super user to give it to")],
    )
    submit = SubmitField("Give it to them", widget=GovSubmitInput())


def reassign_form(assessment: Assessment) -> ReassignForm:
    form = ReassignForm()
    holder = assessment.assigned_to_id
    form.super_user_id.choices = [SelectChoice("", "Select a super user")] + [
        SelectChoice(u.id, f"{u.name}, {u.job_title}" if u.job_title else u.name)
        for u in workflow.reviewers(assessment)
        if u.id != holder
    ]
    return form


@bp.route("/<ref>/release", methods=["POST"])
@allow(SIGN_OFF, ADMIN)
def release(ref: str):
    """The holder, or an admin, lets any other super user pick the EqIA up."""
    assessment = load_assessment(ref, "view")
    if PickUpForm().validate_on_submit():
        holder = assessment.assigned_to.name if assessment.assigned_to else ""
        workflow.release(assessment, current_user)
        db.session.commit()
        flash(
            f"{assessment.reference} has been released: any super user can pick it up.", "success"
        )
        if holder and holder != current_user.name:
            return redirect(url_for("assessments.view", ref=assessment.reference))
    return redirect(url_for("reviews.queue" if may(current_user, SIGN_OFF) else "main.dashboard"))


@bp.route("/<ref>/reassign", methods=["POST"])
@allow(ADMIN)
def reassign(ref: str):
    """An admin gives an EqIA awaiting sign-off to another super user."""
    assessment = load_assessment(ref, "view")
    form = reassign_form(assessment)
    if form.validate_on_submit():
        chosen = db.session.get(User, form.super_user_id.data)
        workflow.reassign(assessment, current_user, chosen)
        db.session.commit()
        flash(f"{assessment.reference} is now {chosen.name}'s to sign off.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("assessments.view", ref=assessment.reference))
