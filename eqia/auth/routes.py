from functools import cache

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.security import check_password_hash, generate_password_hash

from eqia import sessions
from eqia.auth import bp, mfa_routes, second_factor, sso, throttle
from eqia.auth.forms import ChangePasswordForm, SignInForm
from eqia.auth.throttle import CHECKS_THROTTLED, THROTTLED
from eqia.extensions import db
from eqia.forms import ConfirmForm
from eqia.models import User
from eqia.permissions import ANYONE, SIGNED_IN, allow
from eqia.security_log import attempted, security_event
from eqia.settings import SignInPolicy

INCORRECT = "Email address or password is incorrect"


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


def _password_step(template: str, policy: SignInPolicy):
    """The password form, on the sign-in page or the break-glass page. A right password
    goes on to the code (eqia.auth.mfa_routes.after_password); while local passwords are
    off, anyone but an active break-glass admin is told it is wrong, whatever it was."""
    form = SignInForm()
    status = 200
    if form.validate_on_submit():
        email = User.normalise_email(form.email.data)
        if not throttle.sign_in_attempt(email):
            security_event("sign_in.throttled", **attempted(email))
            form.email.errors.append(THROTTLED)
            status = 429
        elif (user := _authenticate(email, form.password.data)) is None:
            security_event("sign_in.failed", **attempted(email))
            form.email.errors.append(INCORRECT)
        elif not second_factor.may_use_password(user, policy):
            security_event("sign_in.refused", reason="local passwords off", **attempted(email))
            form.email.errors.append(INCORRECT)
        else:
            return mfa_routes.after_password(user)
    form.password.data = ""
    return render_template(template, form=form, policy=policy), status


@bp.route("/sign-in", methods=["GET", "POST"])
@allow(ANYONE)
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return _password_step("auth/sign_in.html", SignInPolicy.load())


@bp.route("/sign-in/break-glass", methods=["GET", "POST"])
@allow(ANYONE)
def break_glass_sign_in():
    """For break-glass admins while local passwords are off (the sign-in page has no
    password form then)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    policy = SignInPolicy.load()
    if policy.local_passwords:
        return redirect(url_for("auth.sign_in", next=request.args.get("next")))
    return _password_step("auth/break_glass.html", policy)


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


def _may_change_password() -> bool:
    return current_user.has_password and second_factor.may_use_password(
        current_user, SignInPolicy.load()
    )


@bp.route("/account", methods=["GET", "POST"])
@allow(SIGNED_IN)
def account():
    form = ChangePasswordForm(current_user.email)
    may_change_password = _may_change_password()
    if request.method == "POST" and not may_change_password:
        abort(403)
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
        may_change_password=may_change_password,
        recovery_codes_left=second_factor.recovery_codes_left(current_user),
    ), status


@bp.route("/account/sign-out-others", methods=["POST"])
@allow(SIGNED_IN)
def sign_out_others():
    if ConfirmForm().validate_on_submit():
        ended = sessions.end_others(current_user)
        devices = "1 other device" if ended == 1 else f"{ended} other devices"
        flash(f"You have been signed out of {devices}.", "success")
    return redirect(url_for("auth.account"))
