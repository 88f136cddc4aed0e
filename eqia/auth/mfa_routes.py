"""The authenticator app's pages: the code after a password, setting one up (at sign-in or
from the account page), recovery codes. README "Authenticator apps"."""

from collections.abc import Callable

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from eqia import sessions
from eqia.auth import bp, mfa, second_factor, throttle
from eqia.auth.forms import (
    AccountAuthenticatorForm,
    AuthenticatorCodeForm,
    ConfirmPasswordForm,
    RecoveryCodeForm,
)
from eqia.auth.throttle import CHECKS_THROTTLED
from eqia.extensions import db
from eqia.models import User
from eqia.permissions import ANYONE, SIGNED_IN, allow, is_safe_next
from eqia.security_log import security_event
from eqia.settings import SignInPolicy

WRONG_CODE = (
    "The code is not correct or has already been used. Enter the code your authenticator "
    "app shows now"
)
WRONG_RECOVERY_CODE = "The recovery code is not correct or has already been used"
TOO_LATE = "Your sign-in has expired: you have 10 minutes to enter the code. Sign in again."


def _next() -> str | None:
    target = request.args.get("next")
    return target if is_safe_next(target) else None


def _destination() -> str:
    return _next() or url_for("main.dashboard")


def _finish(user: User) -> None:
    """The code was right: the signed-in session begins (the pending sign-in goes with the
    rest of the old session)."""
    throttle.signed_in(user.email)
    sessions.begin(user)
    security_event("sign_in.succeeded")


def after_password(user: User):
    """The response to a correct password: signed in, or on to the code or to setting up
    an authenticator app first."""
    if user.has_totp:
        second_factor.start_pending(user)
        return redirect(url_for("auth.sign_in_code", next=_next()))
    if second_factor.must_use_authenticator(user, SignInPolicy.load()):
        second_factor.start_pending(user)
        return redirect(url_for("auth.sign_in_set_up", next=_next()))
    _finish(user)
    return redirect(_destination())


def _pending_or_restart():
    """The person signing in, or a redirect back to the sign-in page when there is none."""
    had_one = second_factor.PENDING_KEY in session
    user = second_factor.pending_user()
    if user is None:
        if had_one:
            flash(TOO_LATE)
        return None, redirect(url_for("auth.sign_in", next=_next()))
    return user, None


def _attempt(user: User, form) -> tuple[bool, int]:
    """Count this try like a password's; whether it may go on to be checked, and the status."""
    if throttle.sign_in_attempt(user.email):
        return True, 200
    security_event("sign_in.throttled", account_id=user.id, email=user.email)
    form.code.errors.append(throttle.THROTTLED)
    return False, 429


def _code_step(method: str):
    user, restart = _pending_or_restart()
    if restart:
        return restart
    if not user.has_totp:
        return redirect(url_for("auth.sign_in_set_up", next=_next()))
    form = AuthenticatorCodeForm() if method == "authenticator" else RecoveryCodeForm()
    status = 200
    if form.validate_on_submit():
        allowed, status = _attempt(user, form)
        if allowed:
            code = form.code.data
            if method == "authenticator":
                right = second_factor.check_code(user, code)
            else:
                right = second_factor.use_recovery_code(user, code)
            fields = {"account_id": user.id, "email": user.email, "factor": method}
            if right:
                security_event("mfa.succeeded", **fields)
                _finish(user)  # a fresh session: messages for the next page come after
                if method == "recovery-code":
                    left = second_factor.recovery_codes_left(user)
                    security_event("mfa.recovery_code_used", **fields, remaining=left)
                    flash(_recovery_codes_warning(left))
                return redirect(_destination())
            security_event("mfa.failed", **fields)
            form.code.errors.append(
                WRONG_CODE if method == "authenticator" else WRONG_RECOVERY_CODE
            )
    template = "auth/code.html" if method == "authenticator" else "auth/recovery_code.html"
    return render_template(template, form=form, next=_next()), status


def _recovery_codes_warning(left: int) -> str:
    codes = "1 recovery code" if left == 1 else f"{left} recovery codes"
    return f"You have {codes} left. You can get new ones from your account page."


@bp.route("/sign-in/code", methods=["GET", "POST"])
@allow(ANYONE)
def sign_in_code():
    return _code_step("authenticator")


@bp.route("/sign-in/recovery-code", methods=["GET", "POST"])
@allow(ANYONE)
def sign_in_recovery_code():
    return _code_step("recovery-code")


def _issuer() -> str:
    return f"EqIA {current_app.config['ORGANISATION_NAME']}"


def _set_up_page(user: User, form, status: int, back: str):
    secret = second_factor.offered_secret(user)
    issuer = _issuer()
    uri = mfa.provisioning_uri(secret, user.email, issuer)
    title = f"QR code for adding {issuer} to your authenticator app"
    return render_template(
        "auth/set_up_authenticator.html",
        form=form,
        qr_code=mfa.qr_svg(uri, title),
        key=mfa.grouped(secret),
        account=user.email,
        issuer=issuer,
        back=back,
        replacing=user.has_totp,
    ), status


def _recovery_codes_page(codes: list[str], continue_url: str, first: bool):
    return render_template(
        "auth/recovery_codes.html",
        codes=codes,
        continue_url=continue_url,
        issuer=_issuer(),
        first=first,
    )


def _password_confirmed(form) -> tuple[bool, int]:
    """The signed-in person's password, checked as changing it checks it (and throttled)."""
    if not throttle.password_check(current_user.id):
        form.current_password.errors.append(CHECKS_THROTTLED)
        return False, 429
    if not current_user.check_password(form.current_password.data):
        form.current_password.errors.append("Your password is incorrect")
        return False, 200
    return True, 200


def _set_up(user: User, form, check: Callable[[], tuple[bool, int]]):
    """Show the set-up page, or keep the app whose code was sent: (confirmed?, response).
    ``check`` says whether this try may be checked at all, and the status if not."""
    status = 200
    if form.validate_on_submit():
        allowed, status = check()
        if allowed:
            if offered := second_factor.offered(user, form.code.data):
                return offered, None
            security_event("mfa.failed", account_id=user.id, email=user.email, factor="set-up")
            form.code.errors.append(WRONG_CODE)
    back = url_for("auth.account") if current_user.is_authenticated else None
    return None, _set_up_page(user, form, status, back)


@bp.route("/sign-in/set-up-authenticator", methods=["GET", "POST"])
@allow(ANYONE)
def sign_in_set_up():
    user, restart = _pending_or_restart()
    if restart:
        return restart
    if user.has_totp:
        return redirect(url_for("auth.sign_in_code", next=_next()))
    form = AuthenticatorCodeForm()
    offered, page = _set_up(user, form, lambda: _attempt(user, form))
    if page:
        return page
    continue_url = _destination()
    _finish(user)
    codes = second_factor.keep(user, offered)
    db.session.commit()
    security_event("mfa.set_up", subject_id=user.id)
    return _recovery_codes_page(codes, continue_url, first=True)


@bp.route("/account/authenticator", methods=["GET", "POST"])
@allow(SIGNED_IN)
def set_up_authenticator():
    if not current_user.has_password or not second_factor.may_use_password(
        current_user, SignInPolicy.load()
    ):
        abort(404)
    form = AccountAuthenticatorForm()
    offered, page = _set_up(current_user, form, lambda: _password_confirmed(form))
    if page:
        return page
    codes = second_factor.keep(current_user, offered)
    db.session.commit()
    security_event("mfa.set_up", subject_id=current_user.id)
    return _recovery_codes_page(codes, url_for("auth.account"), first=True)


@bp.route("/account/recovery-codes", methods=["GET", "POST"])
@allow(SIGNED_IN)
def new_recovery_codes():
    if not current_user.has_totp:
        return redirect(url_for("auth.account"))
    form, status = ConfirmPasswordForm(), 200
    if form.validate_on_submit():
        confirmed, status = _password_confirmed(form)
        if confirmed:
            codes = second_factor.replace_recovery_codes(current_user)
            db.session.commit()
            security_event("mfa.recovery_codes_replaced", subject_id=current_user.id)
            return _recovery_codes_page(codes, url_for("auth.account"), first=False)
    return render_template("auth/new_recovery_codes.html", form=form), status
