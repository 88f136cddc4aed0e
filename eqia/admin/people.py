"""Who may sign in and how (the sign-in settings), and moving the EqIAs of someone who
leaves to another project lead."""

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import func, select

from eqia import settings, workflow
from eqia.admin import bp
from eqia.admin.people_forms import MoveEqiasForm, SignInSettingsForm, domains
from eqia.auth import sso_accounts
from eqia.extensions import db
from eqia.models import Assessment, Role, User, UserRole
from eqia.pagination import paginate
from eqia.permissions import ADMIN, allow
from eqia.settings import SignInPolicy

PER_PAGE = 25


def _break_glass_admins() -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.active,
            User.break_glass,
            User.password_hash != "",
            User.role_rows.any(UserRole.role == Role.ADMIN),
        )
    )


def _policy_from(form: SignInSettingsForm) -> SignInPolicy:
    return SignInPolicy(
        new_accounts=form.new_accounts.data,
        allowed_domains=domains(form.allowed_domains.data),
        local_passwords=form.local_passwords.data == "yes",
        mfa_for_everyone=form.mfa_for_everyone.data,
    )


def _describe(policy: SignInPolicy) -> dict[str, str]:
    return {
        "First sign-in": {
            "invited": "only people an admin has added",
            "anyone": "anyone at an allowed domain",
        }[policy.new_accounts],
        "Allowed email domains": ", ".join(policy.allowed_domains) or "any",
        "Passwords": "on" if policy.local_passwords else "break-glass admins only",
        "Authenticator app for everyone with a password": (
            "yes" if policy.mfa_for_everyone else "no"
        ),
    }


def _cannot_turn_off_passwords() -> str | None:
    if not sso_accounts.enabled():
        return (
            "Single sign-on is not set up, so nobody could sign in without a password: "
            "set it up first (README, “Single sign-on”)"
        )
    if not _break_glass_admins():
        return (
            "Make at least one admin with a password a break-glass account first (on their "
            "page under Users), so someone can sign in if the council's sign-in service is down"
        )
    return None


@bp.route("/sign-in", methods=["GET", "POST"])
@allow(ADMIN)
def sign_in_settings():
    policy = SignInPolicy.load()
    form = SignInSettingsForm(
        data={
            "new_accounts": policy.new_accounts,
            "allowed_domains": "\n".join(policy.allowed_domains),
            "local_passwords": "yes" if policy.local_passwords else "no",
            "mfa_for_everyone": policy.mfa_for_everyone,
        }
    )
    if form.validate_on_submit():
        chosen = _policy_from(form)
        problem = None if chosen.local_passwords else _cannot_turn_off_passwords()
        if problem:
            form.local_passwords.errors.append(problem)
        else:
            settings.keep(chosen, _describe(policy), _describe(chosen), current_user)
            flash("The sign-in settings have been saved.", "success")
            return redirect(url_for("admin.sign_in_settings"))
    return render_template(
        "admin/sign_in_settings.html",
        form=form,
        break_glass_admins=_break_glass_admins(),
    )


def _new_lead(form: MoveEqiasForm, leaver: User) -> User | None:
    """The person the form names, or None with the error on the form."""
    to = User.by_email(form.to_email.data)
    if to is None:
        form.to_email.errors.append("There is no user with this email address")
    elif to.id == leaver.id:
        form.to_email.errors.append(f"Enter someone other than {leaver.name}")
    elif not to.active:
        form.to_email.errors.append(f"{to.name}'s account is deactivated: choose someone else")
    else:
        return to
    return None


@bp.route("/users/<int:user_id>/eqias", methods=["GET", "POST"])
@allow(ADMIN)
def move_eqias(user_id: int):
    """Everything a person leads, moved to another project lead in one action."""
    leaver = db.get_or_404(User, user_id)
    form = MoveEqiasForm()
    if form.validate_on_submit() and (to := _new_lead(form, leaver)):
        moved = workflow.move_eqias(leaver, to, current_user)
        db.session.commit()
        count = f"{len(moved)} EqIA" if len(moved) == 1 else f"{len(moved)} EqIAs"
        flash(f"{count} moved from {leaver.name} to {to.name}.", "success")
        return redirect(url_for("admin.move_eqias", user_id=leaver.id))
    page = paginate(workflow.led_by(leaver).order_by(Assessment.reference), PER_PAGE)
    return render_template("admin/move_eqias.html", form=form, leaver=leaver, page=page)
