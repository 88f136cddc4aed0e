"""The service's shell: security headers, sessions, navigation and error pages."""

import secrets
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, flash, g, render_template, request, session, url_for
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from eqia import pending
from eqia.extensions import db, login_manager
from eqia.models import Role, User
from eqia.permissions import enforce_access

ERROR_PAGES = {
    400: ("Sorry, there is a problem with your request", "Check what you entered and try again."),
    403: (
        "You do not have permission to see this page",
        "If you think you should have access, contact your EqIA administrator.",
    ),
    404: ("Page not found", "If you typed the web address, check it is correct."),
    405: ("Sorry, there is a problem with your request", "Go back and try again."),
    409: (
        "Someone else has changed this EqIA",
        "Go back, reload the page and check it before you try again.",
    ),
    413: (
        "The file or form you sent is too large",
        "Go back, make it smaller and try again.",
    ),
    429: ("You have tried too many times", "Wait a few minutes, then try again."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
}


def navigation(user: User) -> list[dict]:
    """The header links each person sees, by role."""
    if not user.is_authenticated:
        return []
    items = [
        {"text": "Home", "endpoint": "main.dashboard"},
        {"text": "Your EqIAs", "endpoint": "assessments.your_eqias"},
        {"text": "Action plan", "endpoint": "plan.index"},
    ]
    if user.has_role(Role.SUPER_USER):
        items.append({"text": "Sign-off queue", "endpoint": "reviews.queue"})
    if user.has_role(Role.AUDITOR, Role.ADMIN, Role.SUPER_USER):
        items.append({"text": "Register", "endpoint": "records.register"})
    if user.has_role(Role.ADMIN):
        items.append({"text": "Admin", "endpoint": "admin.users"})
    items.append({"text": "Your account", "endpoint": "auth.account"})
    current = request.endpoint or ""
    for item in items:
        item["href"] = url_for(item["endpoint"])
        item["active"] = current == item["endpoint"] or (
            item["endpoint"] != "main.dashboard"
            and current.split(".")[0] == item["endpoint"].split(".")[0]
        )
    return items


def _start_request():
    g.csp_nonce = secrets.token_urlsafe(16)
    _expire_idle_session()
    return enforce_access()


def record_activity() -> None:
    session["last_seen"] = datetime.now(UTC).timestamp()


def _expire_idle_session() -> None:
    if not current_user.is_authenticated:
        return
    idle = datetime.now(UTC).timestamp() - session.get("last_seen", 0)
    if idle > current_app.config["IDLE_TIMEOUT"].total_seconds():
        pending.session_ended(current_user)
        logout_user()
        session.pop("last_seen", None)
        flash("You were signed out because you had not used the service for a while.")
        return
    record_activity()


def _security_headers(response):
    nonce = g.get("csp_nonce", "")
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' 'nonce-{nonce}'; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")
    if request.endpoint == "static":
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


LONDON = ZoneInfo("Europe/London")


def format_datetime(value: datetime | None) -> str:
    """GOV.UK style, in UK time: 22 November 2026 at 8:05am."""
    if value is None:
        return ""
    local = value.astimezone(LONDON)
    return f"{local:%-d %B %Y} at {local:%-I:%M}{local:%p}".replace("AM", "am").replace("PM", "pm")


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(LONDON).date()
    return f"{value:%-d %B %Y}"


def _template_globals() -> dict:
    return {
        "organisation_name": current_app.config["ORGANISATION_NAME"],
        "service_name": current_app.config["SERVICE_NAME"],
        "csp_nonce": g.get("csp_nonce", ""),
        "navigation": navigation(current_user),
        "Role": Role,
    }


def error_page(code: int, title: str | None = None, body: str | None = None):
    default_title, default_body = ERROR_PAGES.get(code, ERROR_PAGES[500])
    return (
        render_template(
            "errors/error.html", title=title or default_title, body=body or default_body
        ),
        code,
    )


def _http_error(error: HTTPException):
    # A 409 says what the conflict is; other codes keep their standard wording.
    return error_page(error.code or 500, body=error.description if error.code == 409 else None)


def _csrf_error(_error: CSRFError):
    return error_page(
        400,
        "This page has expired",
        "To keep your information safe, pages expire. Go back, reload the page and try again.",
    )


def _server_error(_error: Exception):
    db.session.rollback()
    return error_page(500)


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id)) if user_id.isdigit() else None


def init_app(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_security_headers)
    app.context_processor(_template_globals)
    app.add_template_filter(format_datetime, "datetime")
    app.add_template_filter(format_date, "date")
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
