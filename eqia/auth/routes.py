from functools import cache

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from limits import parse
from werkzeug.security import check_password_hash, generate_password_hash

from eqia import pending
from eqia.auth import bp
from eqia.auth.forms import ChangePasswordForm, SignInForm
from eqia.extensions import db, limiter
from eqia.forms import ConfirmForm
from eqia.models import User
from eqia.permissions import ANYONE, SIGNED_IN, allow, is_safe_next
from eqia.security_log import attempted, security_event
from eqia.shell import record_activity

INCORRECT = "Email address or password is incorrect"
THROTTLED = "You have tried to sign in too many times. Wait 15 minutes, then try again."


@cache
def _decoy_hash() -> str:
    """Checked when no account matches, so a wrong email costs as long as a wrong password."""
    return generate_password_hash("decoy password for timing", method="scrypt")


def _throttles(email: str) -> list[tuple]:
    config = current_app.config
    return [
        (parse(config["SIGN_IN_LIMIT_PER_ACCOUNT"]), "sign-in-account", email),
        (parse(config["SIGN_IN_LIMIT_PER_ADDRESS"]), "sign-in-address", request.remote_addr or ""),
    ]


def _authenticate(email: str, password: str) -> User | None:
    user = User.by_email(email)
    if user is None:
        check_password_hash(_decoy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


@bp.route("/sign-in", methods=["GET", "POST"])
@allow(ANYONE)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        throttles = _throttles(email)
        if not all(limiter.limiter.test(limit, *key) for limit, *key in throttles):
            security_event("sign_in.throttled", **attempted(email))
            form.email.errors.append(THROTTLED)
            status = 429
        elif user := _authenticate(email, form.password.data):
            previous = dict(session)
            session.clear()
            pending.carry_over(previous, user)
            login_user(user)
            security_event("sign_in.succeeded")
            session.permanent = True
            record_activity()
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
        else:
            security_event("sign_in.failed", **attempted(email))
            for limit, *key in throttles:
                limiter.limiter.hit(limit, *key)
            form.email.errors.append(INCORRECT)
    form.password.data = ""
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
@allow(ANYONE)
def sign_out():
    if ConfirmForm().validate_on_submit():
        logout_user()
        session.clear()
        flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/account", methods=["GET", "POST"])
@allow(SIGNED_IN)
def account():
    form = ChangePasswordForm(current_user.email)
    if form.validate_on_submit():
        if not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Your current password is incorrect")
        else:
            current_user.set_password(form.new_password.data)
            db.session.commit()
            flash("Your password has been changed.", "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form)
