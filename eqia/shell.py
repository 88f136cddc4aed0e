"""The service's shell: proxies, security headers, navigation and error pages."""

import base64
import hashlib
import secrets
from functools import partial

from flask import Flask, current_app, g, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from eqia import sessions
from eqia.errors import UnknownSnapshot, WorkflowError
from eqia.extensions import db
from eqia.forms import error_summary
from eqia.models import User, tag_class
from eqia.permissions import (
    ADMIN,
    OVERSIGHT,
    SIGN_OFF,
    TOKEN,
    declared_access,
    enforce_access,
    in_group,
    may,
)
from eqia.publishing import public_request
from eqia.security_log import security_event
from eqia.timefmt import date_and_time, long_date

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
    if may(user, SIGN_OFF):
        items.append({"text": "Sign-off queue", "endpoint": "reviews.queue"})
    if may(user, OVERSIGHT):
        items.append({"text": "Register", "endpoint": "records.register"})
        items.append({"text": "Programmes", "endpoint": "programmes.index"})
    if may(user, ADMIN):
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


def csp_nonce() -> str:
    """This response's script nonce, made when first asked for: a page drawn before the
    app's own hooks ran (a refused CSRF token, too many requests) has one too."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


# The one inline script (GOV.UK Frontend's template marks the page as able to run its
# JavaScript). Public pages are the same for everyone, so they cannot carry a per-response
# nonce: their policy allows this script by its hash instead.
GOVUK_INLINE_SCRIPT = (
    "document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype "
    "? ' govuk-frontend-supported' : '');"
)
GOVUK_INLINE_SCRIPT_HASH = base64.b64encode(
    hashlib.sha256(GOVUK_INLINE_SCRIPT.encode()).digest()
).decode()


def _start_request():
    # The public register has no session to expire, and the data feed is read with API
    # tokens alone: their requests leave any session alone.
    if not public_request() and TOKEN not in (declared_access(request.endpoint) or ()):
        sessions.expire_idle()
    return enforce_access()


def _security_headers(response):
    # Signing out of a single sign-on session is sent on to the provider (eqia/auth/sso.py).
    from eqia.auth import sso_accounts  # the auth blueprint's, imported once the app is made

    form_action = " ".join(filter(None, ["'self'", sso_accounts.provider_origin()]))
    scripts = (
        f"'sha256-{GOVUK_INLINE_SCRIPT_HASH}'" if public_request() else f"'nonce-{csp_nonce()}'"
    )
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; "
        f"script-src 'self' {scripts}; "
        "style-src 'self'; img-src 'self' data:; font-src 'self'; "
        f"object-src 'none'; base-uri 'self'; form-action {form_action}; frame-ancestors 'none'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
    response.headers["X-Frame-Options"] = "DENY"
    if current_app.config["BASE_URL"].startswith("https://"):
        # Browsers then use only https for a year, for this host and those under it.
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    response.headers.setdefault("Cache-Control", "no-store")
    if request.endpoint == "static":
        response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def _navigation_once() -> list[dict]:
    """The header links, worked out once a request for each person: every form field a
    page renders is a template of its own, and each would work them out again."""
    cache = g.setdefault("navigation", {})
    key = current_user.get_id()
    if key not in cache:
        cache[key] = navigation(current_user)
    return cache[key]


def _template_globals() -> dict:
    names = {
        "organisation_name": current_app.config["ORGANISATION_NAME"],
        "service_name": current_app.config["SERVICE_NAME"],
    }
    if public_request():  # the same page for everyone: nobody is signed in here
        return names
    return names | {
        "csp_nonce": csp_nonce(),
        "navigation": _navigation_once(),
        "may": partial(in_group, current_user),
    }


def error_page(code: int, title: str | None = None, body: str | None = None):
    default_title, default_body = ERROR_PAGES.get(code, ERROR_PAGES[500])
    # The public register's pages, errors included, have a layout of their own.
    template = "public/error.html" if public_request() else "errors/error.html"
    return (
        render_template(template, title=title or default_title, body=body or default_body),
        code,
    )


def _http_error(error: HTTPException):
    if error.code == 403:
        security_event("access.refused", endpoint=request.endpoint)
    # A 409 says what the conflict is; other codes keep their standard wording.
    return error_page(error.code or 500, body=error.description if error.code == 409 else None)


def _workflow_error(error: WorkflowError):
    """A change the workflow refused: nothing of it is kept, and the page says why."""
    db.session.rollback()
    return error_page(error.status, error.title, str(error))


def _stale(_error: StaleDataError):
    """Two people changed the same thing at once, and this one came second."""
    db.session.rollback()
    return error_page(409)


def _unknown_snapshot(error: UnknownSnapshot):
    db.session.rollback()
    return error_page(error.status, error.title, str(error))


def _csrf_error(error: CSRFError):
    security_event("csrf.refused", reason=error.description)
    return error_page(
        400,
        "This page has expired",
        "To keep your information safe, pages expire. Go back, reload the page and try again.",
    )


def _server_error(_error: Exception):
    db.session.rollback()
    return error_page(500)


def init_app(app: Flask) -> None:
    if proxies := app.config["TRUSTED_PROXIES"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    app.before_request(_start_request)
    app.after_request(_security_headers)
    app.context_processor(_template_globals)
    app.add_template_global(tag_class)
    app.add_template_global(error_summary)
    app.add_template_filter(date_and_time, "datetime")
    app.add_template_filter(long_date, "date")
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(WorkflowError, _workflow_error)
    app.register_error_handler(StaleDataError, _stale)
    app.register_error_handler(UnknownSnapshot, _unknown_snapshot)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(500, _server_error)
