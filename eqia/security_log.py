"""Security events, one JSON line each on standard error, for the council's log collector.

``security_event(name, **fields)`` writes an event now; ``after_commit(session, name, ...)``
writes it once the session's transaction commits, and never if it rolls back (the admin
audit listener uses it, so a change that was not saved is never logged as made). Every
line carries the time, the event, the request id, who was signed in, their address, the
method and the path (never the query string); the README's "Security log" lists every
event and field. Nothing secret is ever passed: no password (nor a hash of one), no
token, cookie or CSRF token, no file's contents.

Every request has an id: the ``X-Request-Id`` the council's proxy sent, when it is a
plain token, or a new random one; it is sent back in the response's ``X-Request-Id`` (which
gunicorn's access log prints: eqia/gunicorn_conf.py), and every line of the app's own log
carries it too (``RequestIdFilter``).
"""

import dataclasses
import hmac
import json
import logging
import re
import secrets
import sys
from datetime import UTC, date, datetime

from flask import Flask, current_app, has_request_context, request
from flask.logging import default_handler
from flask_login import current_user
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from eqia.extensions import db
from eqia.models import User

LOGGER = logging.getLogger("eqia.security")
REQUEST_ID_HEADER = "X-Request-Id"
# A request id from outside is kept only if it is a plain token: it goes into every line.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:=-]{0,127}")
_ENVIRON_KEY = "eqia.request_id"
_PENDING = "eqia.security.pending"
CONTEXT = ("time", "event", "request_id", "user_id", "address", "method", "path")
# The app's own log (Flask's handler on the "eqia" logger): the request id on every line.
LOG_FORMAT = "[%(asctime)s] %(levelname)s in %(module)s [%(request_id)s]: %(message)s"


def request_id() -> str:
    """This request's id, chosen the first time it is asked for."""
    environ = request.environ
    if _ENVIRON_KEY not in environ:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        safe = _SAFE_REQUEST_ID.fullmatch(incoming)
        environ[_ENVIRON_KEY] = incoming if safe else secrets.token_hex(16)
    return environ[_ENVIRON_KEY]


def _event(name: str, fields: dict) -> dict:
    clash = fields.keys() & set(CONTEXT)
    if clash:
        raise ValueError(f"security_event fields may not replace {', '.join(sorted(clash))}")
    line = dict.fromkeys(CONTEXT)
    line["time"] = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    line["event"] = name
    if has_request_context():
        line["request_id"] = request_id()
        line["user_id"] = current_user.id if current_user.is_authenticated else None
        line["address"] = request.remote_addr
        line["method"] = request.method
        line["path"] = request.path
    return {**line, **fields}


def _plain(value):
    """What json cannot write by itself: dates, sets, and dataclasses (their set fields)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: v for k, v in dataclasses.asdict(value).items() if v not in (None, "", [])}
    return str(value)


def _write(line: dict) -> None:
    LOGGER.info(json.dumps(line, default=_plain))


def security_event(name: str, **fields) -> None:
    """Write a security event now (README "Security log")."""
    _write(_event(name, fields))


def after_commit(session: Session, name: str, subject: User | None = None, **fields) -> None:
    """Write a security event when the session's transaction commits; ``subject`` is the
    account it is about (its id is known by then, even for a new one)."""
    session.info.setdefault(_PENDING, []).append((_event(name, fields), subject))


def _write_pending(session: Session) -> None:
    for line, subject in session.info.pop(_PENDING, []):
        if subject is not None:
            identity = inspect(subject).identity
            line["subject_id"] = identity[0] if identity else None
        _write(line)


def _drop_pending(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def attempted(email: str) -> dict:
    """Whom a sign-in tried to be: the account's id and address when the address is one;
    otherwise only a keyed hash of what was typed (it might be a password), so that many
    attempts at one unknown address can still be counted."""
    user = User.by_email(email)
    if user is not None:
        return {"account_id": user.id, "email": user.email}
    key = current_app.config["SECRET_KEY"].encode()
    return {"email_hash": hmac.new(key, email.encode(), "sha256").hexdigest()[:32]}


class _StandardError(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is when the event happens."""

    def __init__(self):
        logging.Handler.__init__(self)

    @property
    def stream(self):
        return sys.stderr


class RequestIdFilter(logging.Filter):
    """Gives each record the id of the request it was logged in ("-" outside one), for a
    handler's format to print as ``%(request_id)s``."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else "-"
        return True


def _send_request_id(response):
    response.headers[REQUEST_ID_HEADER] = request_id()
    return response


def init_app(app: Flask) -> None:
    # A logger the council has configured (handlers of its own) is left as it is.
    if not LOGGER.handlers:
        LOGGER.addHandler(_StandardError())
        LOGGER.setLevel(logging.INFO)
        LOGGER.propagate = False
    for name, listener in (
        ("after_commit", _write_pending),
        ("after_transaction_end", _drop_pending),
    ):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.after_request(_send_request_id)
    if not any(isinstance(f, RequestIdFilter) for f in default_handler.filters):
        default_handler.addFilter(RequestIdFilter())
        default_handler.setFormatter(logging.Formatter(LOG_FORMAT))
