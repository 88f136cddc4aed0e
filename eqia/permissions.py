"""Who may do what: the one place access decisions are made.

Every view declares its audience with ``@allow(...)``; ``enforce_access`` (run
before every request) applies the declaration. A view that declares nothing is
refused, and a test fails for it.
"""

from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from eqia.models import Role, User

ANYONE = "anyone"
SIGNED_IN = "signed_in"

F = TypeVar("F", bound=Callable[..., Any])


def allow(*audience: str | Role) -> Callable[[F], F]:
    """Declare who may use a view: ANYONE, SIGNED_IN, or one or more roles."""
    if not audience:
        raise ValueError("allow() needs at least one audience")

    def mark(view: F) -> F:
        view.access = frozenset(audience)  # type: ignore[attr-defined]
        return view

    return mark


def declared_access(endpoint: str | None) -> frozenset | None:
    if endpoint is None:
        return frozenset({ANYONE})  # no route matched: let the 404 happen
    if endpoint == "static":
        return frozenset({ANYONE})
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access", None)


def may(user: User, audience: frozenset) -> bool:
    if ANYONE in audience:
        return True
    if not user.is_authenticated:
        return False
    if SIGNED_IN in audience:
        return True
    return user.has_role(*(a for a in audience if isinstance(a, Role)))


def enforce_access():
    audience = declared_access(request.endpoint)
    if audience is None:
        current_app.logger.error("Refused %s: the view declares no access", request.endpoint)
        abort(403)
    if may(current_user, audience):
        return None
    if not current_user.is_authenticated:
        return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
    abort(403)


def is_safe_next(target: str | None) -> bool:
    """Only a path on this site: no scheme, no host, no protocol-relative //."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return False
    if "\\" in target or any(ord(c) < 32 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc

