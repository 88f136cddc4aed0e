"""Admins keep the action plan: add, change and retire objectives and actions, update progress.

Retiring keeps the row: EqIAs linked to a retired objective, and EqIA actions
that contribute to a retired action, keep their links. Saving an objective or an
action through these pages makes it the council's own, no longer sample data.
"""

import re

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms.fields.choices import SelectChoice

from eqia.extensions import db
from eqia.models import Objective, PlanAction, PlanStatus, Theme
from eqia.models.plan import normalise_reference
from eqia.permissions import ADMIN, allow
from eqia.plan import bp, data
from eqia.plan.forms import ObjectiveForm, PlanActionForm, ProgressForm

# Objectives -------------------------------------------------------------------------------------


def _objective_form(objective: Objective | None = None) -> ObjectiveForm:
    form = ObjectiveForm(obj=objective)
    form.theme_id.choices = [SelectChoice(t.id, t.name) for t in data.themes()]
    if objective is not None and request.method == "GET":
        form.number.data = str(objective.number)
    return form


def _save_objective(objective: Objective, form: ObjectiveForm) -> bool:
    number = int(form.number.data)
    clash = db.session.scalar(select(Objective).where(Objective.number == number))
    if clash is not None and clash.id != objective.id:
        form.number.errors.append(f"Objective {number} already exists: choose another number")
        return False
    objective.number = number
    objective.theme_id = form.theme_id.data
    objective.title = form.title.data
    objective.description = form.description.data or ""
    objective.active = form.active.data
    objective.sample = False
    return True


def _commit_objective(objective: Objective, form: ObjectiveForm) -> bool:
    try:
        db.session.commit()
    except IntegrityError:  # another admin took the number at the same moment
        db.session.rollback()
        form.number.errors.append(
            "Someone else saved an objective with this number at the same moment. "
            "Choose another number"
        )
        return False
    return True


@bp.route("/objectives/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_objective():
    form = _objective_form()
    if request.method == "GET":
        last = db.session.scalar(select(func.max(Objective.number))) or 0
        form.number.data = str(last + 1)
    if form.validate_on_submit():
        objective = Objective()
        if _save_objective(objective, form):
            db.session.add(objective)
            if _commit_objective(objective, form):
                flash(f"Objective {objective.number} has been added.", "success")
                return redirect(url_for("plan.objective", number=objective.number))
    return render_template("plan/objective_form.html", form=form, objective=None)


@bp.route("/objectives/<int:number>/change", methods=["GET", "POST"])
@allow(ADMIN)
def edit_objective(number: int):
    objective = db.first_or_404(select(Objective).where(Objective.number == number))
    form = _objective_form(objective)
    saved = form.validate_on_submit() and _save_objective(objective, form)
    if saved and _commit_objective(objective, form):
        flash(f"Objective {objective.number} has been updated.", "success")
        return redirect(url_for("plan.objective", number=objective.number))
    return render_template("plan/objective_form.html", form=form, objective=objective)


# Actions ----------------------------------------------------------------------------------------


def _objective_choices(include_id: int | None = None) -> list[SelectChoice]:
    query = (
        select(Objective)
        .join(Theme)
        .where(Objective.active | (Objective.id == include_id))
        .order_by(Objective.number)
    )
    return [SelectChoice("", "Select an objective")] + [
        SelectChoice(o.id, o.label) for o in db.session.scalars(query)
    ]


def _save_action(action: PlanAction, form: PlanActionForm) -> bool:
    reference = normalise_reference(form.reference.data)
    clash = PlanAction.by_reference(reference)
    if clash is not None and clash.id != action.id:
        form.reference.errors.append(
            f"Action reference {reference} is already used by another action"
        )
        return False
    action.reference = reference
    action.objective_id = form.objective_id.data
    action.action = form.action.data
    action.responsible = form.responsible.data
    action.start_date = form.start_date.data
    action.end_date = form.end_date.data
    action.success_measure = form.success_measure.data
    action.active = form.active.data
    action.sample = False
    action.touch(current_user)
    return True


def _commit_action() -> bool:
    """Commit; False if another admin saved the same action (or reference) at the same moment."""
    try:
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        return False
    return True


def _objective_url(action: PlanAction) -> str:
    number = db.session.scalar(select(Objective.number).where(Objective.id == action.objective_id))
    return url_for("plan.objective", number=number, _anchor=f"action-{action.id}")


@bp.route("/actions/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_action():
    form = PlanActionForm()
    form.objective_id.choices = _objective_choices()
    wanted = request.args.get("objective", "")
    if request.method == "GET" and re.fullmatch(r"[0-9]{1,6}", wanted):
        number = int(wanted)
        form.objective_id.data = db.session.scalar(
            select(Objective.id).where(Objective.number == number)
        )
    if form.validate_on_submit():
        action = PlanAction(status=PlanStatus.NOT_STARTED, progress_note="")
        if _save_action(action, form):
            db.session.add(action)
            if _commit_action():
                flash(f"Action {action.reference} has been added.", "success")
                return redirect(_objective_url(action))
            form.reference.errors.append(
                "Someone else added an action with this reference at the same moment. "
                "Choose another reference"
            )
    return render_template("plan/action_form.html", form=form, action=None, conflict=False)


@bp.route("/actions/<int:action_id>/change", methods=["GET", "POST"])
@allow(ADMIN)
def edit_action(action_id: int):
    action = db.get_or_404(PlanAction, action_id)
    form = PlanActionForm(obj=action)
    form.objective_id.choices = _objective_choices(action.objective_id)
    conflict = False
    if request.method == "GET":
        form.version.data = action.version
    if form.validate_on_submit():
        if form.version_number() != action.version:
            conflict = True
            form.version.data = action.version
        elif _save_action(action, form):
            if _commit_action():
                flash(f"Action {action.reference} has been updated.", "success")
                return redirect(_objective_url(action))
            conflict = True
            form.version.data = db.session.get(PlanAction, action_id).version
    return render_template("plan/action_form.html", form=form, action=action, conflict=conflict)


@bp.route("/actions/<int:action_id>/progress", methods=["GET", "POST"])
@allow(ADMIN)
def progress(action_id: int):
    action = db.get_or_404(PlanAction, action_id)
    form = ProgressForm(obj=action)
    form.status.choices = [SelectChoice(s.value, s.label) for s in PlanStatus]
    conflict = False
    if request.method == "GET":
        form.version.data = action.version
    if form.validate_on_submit():
        if form.version_number() != action.version:
            conflict = True
            form.version.data = action.version
        else:
            action.set_status(PlanStatus(form.status.data), form.completed_on.data)
            action.progress_note = form.progress_note.data or ""
            action.touch(current_user)
            if _commit_action():
                flash(f"The progress of action {action.reference} has been saved.", "success")
                return redirect(_objective_url(action))
            conflict = True
            form.version.data = db.session.get(PlanAction, action_id).version
    return render_template(
        "plan/progress_form.html",
        form=form,
        action=action,
        conflict=conflict,
        asks_completed_on=PlanStatus.COMPLETE.value,
    )
