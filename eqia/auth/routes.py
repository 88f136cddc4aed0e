from functools import cache

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from eqia import sessions
from eqia.auth import bp, sso, throttle
from eqia.auth.forms import ChangePasswordForm, SignInForm
from eqia.extensions import db
from eqia.forms import ConfirmForm
from eqia.models import User
from eqia.permissions import ANYONE, SIGNED_IN, allow, is_safe_next
from eqia.security_log import attempted, security_event

INCORRECT = "Email address or password is incorrect"
THROTTLED = "You have tried to sign in too many times. Wait 15 minutes, then try again."
CHECKS_THROTTLED = (
    "You have entered your current password too many times. Wait 15 minutes, then try again."
)


@cache
def _decoy_hash() -> str:
    """Checked when no account matches, so a wrong email costs as long as a wrong password."""
    return generate_password_hash("decoy password for timing", method="scrypt")


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
        if not throttle.sign_in_attempt(email):
            security_event("sign_in.throttled", **attempted(email))
            form.email.errors.append(THROTTLED)
            status = 429
        elif user := _authenticate(email, form.password.data):
            throttle.signed_in(email)
            sessions.begin(user)
            security_event("sign_in.succeeded")
            target = request.args.get("next")
            return redirect(target if is_safe_next(target) else url_for("main.dashboard"))
        else:
            security_event("sign_in.failed", **attempted(email))
            form.email.errors.append(INCORRECT)
    form.password.data = ""
    return render_template("auth/sign_in.html", form=form), status


@bp.route("/sign-out", methods=["POST"])
@allow(ANYONE)
def sign_out():
    if ConfirmForm().validate_on_submit():
        at_provider = sso.logout_url()  # read before the session (and its ID token) ends
        sessions.end()
        if at_provider:
            return redirect(at_provider)
        flash("You have signed out.")
    return redirect(url_for("auth.sign_in"))


@bp.route("/stay-signed-in", methods=["POST"])
@allow(SIGNED_IN)
def stay_signed_in():
    """The timeout warning's "Stay signed in" (a script's request, CSRF token and all). It
    counts as using the service, as every request does: the session's idle time starts again
    from now. After the idle timeout it is too late: the session has ended before this runs,
    and the request is sent to sign in like any other."""
    sessions.record_activity()
    return {"idle_timeout_seconds": int(current_app.config["IDLE_TIMEOUT"].total_seconds())}


@bp.route("/timed-out", methods=["POST"])
@allow(ANYONE)
def timed_out():
    """The timeout warning ran out without an answer: the session ends as an idle one does
    (answers sent late are kept). The browser's tabs share when any of them last used the
    service, so this comes only when none has within the idle timeout. Open to anyone, as
    signing out is: by now the session has usually ended already."""
    if ConfirmForm().validate_on_submit():
        sessions.time_out()
    return "", 204


@bp.route("/account", methods=["GET", "POST"])
@allow(SIGNED_IN)
def account():
    form = ChangePasswordForm(current_user.email)
    status = 200
    if form.validate_on_submit():
        if not throttle.password_check(current_user.id):
            form.current_password.errors.append(CHECKS_THROTTLED)
            status = 429
        elif not current_user.check_password(form.current_password.data):
            form.current_password.errors.append("Your current password is incorrect")
        else:
            current_user.set_password(form.new_password.data)
            db.session.commit()
            flash(
                "Your password has been changed, and you have been signed out on every "
                "other device.",
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html",
        form=form,
        others=sessions.others(current_user),
    ), status


@bp.route("/account/sign-out-others", methods=["POST"])
@allow(SIGNED_IN)
def sign_out_others():
    if ConfirmForm().validate_on_submit():
        ended = sessions.end_others(current_user)
        devices = "1 other device" if ended == 1 else f"{ended} other devices"
        flash(f"You have been signed out of {devices}.", "success")
    return redirect(url_for("auth.account"))
