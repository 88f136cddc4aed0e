from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import or_, select

from eqia import workflow
from eqia.admin import bp
from eqia.admin.forms import DirectorateForm, UserForm, UserSearchForm
from eqia.auth import second_factor, sso_accounts
from eqia.extensions import db
from eqia.models import Directorate, Role, User
from eqia.pagination import paginate
from eqia.permissions import ADMIN, allow

PER_PAGE = 25


def _directorate_choices(include_id: int | None = None) -> list[Directorate]:
    query = select(Directorate).where(or_(Directorate.active, Directorate.id == include_id))
    return list(db.session.scalars(query.order_by(Directorate.name)))


@bp.route("/users")
@allow(ADMIN)
def users():
    form = UserSearchForm(request.args)
    query = select(User).order_by(User.name, User.id)
    if form.validate() and form.q.data:
        term = f"%{form.q.data.strip().lower()}%"
        query = query.where(or_(User.email.like(term), User.name.ilike(term)))
    page = paginate(query, PER_PAGE)
    return render_template("admin/users.html", form=form, page=page)


def _save_user(user: User, form: UserForm) -> bool:
    """Copy the form into the user; False (with the error on the form) if it cannot be saved."""
    email = User.normalise_email(form.email.data)
    existing = User.by_email(email)
    if existing is not None and existing.id != user.id:
        form.email.errors.append("A user with this email address already exists")
        return False
    roles = {Role(value) for value in form.roles.data}
    if sso_accounts.roles_locked(user):  # their provider's claim gives them
        roles = set(user.roles)
    if form.break_glass.data and Role.ADMIN not in roles:
        form.break_glass.errors.append("Select the admin role for a break-glass account")
        return False
    if user.id == current_user.id and roles != set(user.roles):
        form.roles.errors.append("You cannot change your own roles: ask another admin")
        return False
    if user.id == current_user.id and not form.active.data:
        form.active.errors.append("You cannot deactivate yourself: ask another admin")
        return False
    if user.active and not form.active.data:
        workflow.release_everything_held_by(user, current_user)
    user.email = email
    user.name = form.name.data.strip()
    user.job_title = form.job_title.data.strip()
    user.directorate_id = form.directorate_id.data or None
    user.roles = roles
    user.active = form.active.data
    user.break_glass = form.break_glass.data
    if form.remove_authenticator.data and user.has_totp:
        second_factor.remove(user)
    if form.password.data:
        user.set_password(form.password.data)
    return True


@bp.route("/users/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_user():
    form = UserForm(_directorate_choices(), creating=True)
    if form.validate_on_submit():
        user = User()
        if _save_user(user, form):
            db.session.add(user)
            db.session.commit()
            flash(f"{user.name} has been added.", "success")
            return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(_directorate_choices(user.directorate_id), creating=False, obj=user)
    if request.method == "GET":
        form.directorate_id.data = user.directorate_id or 0
        form.roles.data = [str(role) for role in user.roles]
    if form.validate_on_submit() and _save_user(user, form):
        db.session.commit()
        flash(f"{user.name} has been updated.", "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_form.html", form=form, user=user)


@bp.route("/directorates")
@allow(ADMIN)
def directorates():
    page = paginate(select(Directorate).order_by(Directorate.name, Directorate.id), PER_PAGE)
    return render_template("admin/directorates.html", page=page)


def _save_directorate(directorate: Directorate, form: DirectorateForm) -> bool:
    name = form.name.data.strip()
    clash = db.session.scalar(select(Directorate).where(Directorate.name == name))
    if clash is not None and clash.id != directorate.id:
        form.name.errors.append("A directorate with this name already exists")
        return False
    directorate.name = name
    directorate.active = form.active.data
    return True


@bp.route("/directorates/new", methods=["GET", "POST"])
@allow(ADMIN)
def new_directorate():
    form = DirectorateForm()
    if form.validate_on_submit():
        directorate = Directorate()
        if _save_directorate(directorate, form):
            db.session.add(directorate)
            db.session.commit()
            flash(f"{directorate.name} has been added.", "success")
            return redirect(url_for("admin.directorates"))
    return render_template("admin/directorate_form.html", form=form, directorate=None)


@bp.route("/directorates/<int:directorate_id>", methods=["GET", "POST"])
@allow(ADMIN)
def edit_directorate(directorate_id: int):
    directorate = db.get_or_404(Directorate, directorate_id)
    form = DirectorateForm(obj=directorate)
    if form.validate_on_submit() and _save_directorate(directorate, form):
        db.session.commit()
        flash(f"{directorate.name} has been updated.", "success")
        return redirect(url_for("admin.directorates"))
    return render_template("admin/directorate_form.html", form=form, directorate=directorate)
