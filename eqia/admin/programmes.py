"""Admins keep the list of programmes (EqIAs decided together, such as a year's budget):
add one, rename it, describe it, close it to new EqIAs. Audited by ``eqia.admin.audit``."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from eqia.admin import bp
from eqia.admin.forms import ProgrammeForm
from eqia.extensions import db
from eqia.models import Programme
from eqia.pagination import paginate
from eqia.permissions import ADMIN, allow

PER_PAGE = 25


@bp.route("/programmes")
@allow(ADMIN)
def programmes() -> ResponseReturnValue:
    page = paginate(select(Programme).order_by(Programme.name, Programme.id), PER_PAGE)
    return render_template("admin/programmes.html", page=page)


def _save(programme: Programme, form: ProgrammeForm) -> bool:
    """Copy the form into the programme; False (with the error on the form) if its name
    is taken."""
    name = form.name.data
    clash = db.session.scalar(select(Programme).where(Programme.name == name))
    if clash is not None and clash.id != programme.id:
        form.name.errors.append("A programme with this name already exists")
        return False
    programme.name = name
    programme.description = form.description.data or ""
    programme.active = form.active.data
    return True


@bp.route("/programmes/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_programme() -> ResponseReturnValue:
    form = ProgrammeForm()
    if form.validate_on_submit():
        programme = Programme()
        if _save(programme, form):
            db.session.add(programme)
            db.session.commit()
            flash(f"{programme.name} has been added.", "success")
            return redirect(url_for("admin.programmes"))
    return render_template("admin/programme_form.html", form=form, programme=None)


@bp.route("/programmes/<int:programme_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_programme(programme_id: int) -> ResponseReturnValue:
    programme = db.get_or_404(Programme, programme_id)
    form = ProgrammeForm(obj=programme)
    if form.validate_on_submit() and _save(programme, form):
        db.session.commit()
        flash(f"{programme.name} has been updated.", "success")
        return redirect(url_for("admin.programmes"))
    return render_template("admin/programme_form.html", form=form, programme=programme)
