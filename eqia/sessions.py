"""Signed-in sessions: begun at sign-in, and ended by the service whoever holds the cookie.

The session cookie carries a random token whose SHA-256 is a row of ``sign_ins``. A
person is signed in only while that row is open, younger than the longest session
(``PERMANENT_SESSION_LIFETIME``, counted from sign-in however busy they are), and while
they have used the service within the idle timeout (every request counts as use; signed-in
pages warn before it runs out: static/js/timeout-warning.mjs). Signing out ends the
session, so a copy of the cookie taken before stops working too. A flush listener watches
the users table, so whatever page or command makes the change: a new password ends every
other session of that person (all of them, if someone else set it), and deactivation or
losing a role ends them all.
"""

import hashlib
import secrets
from datetime import timedelta

from flask import (
    Flask,
    Request,
    Response,
    current_app,
    flash,
    has_request_context,
    request,
    session,
)
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_login import current_user, login_user, logout_user
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session, joinedload

from eqia import pending
from eqia.database import id_from
from eqia.extensions import db, login_manager
from eqia.models import SignIn, User
from eqia.publishing import is_public_path
from eqia.timefmt import utcnow

SESSION_KEY = "sign_in"
LAST_SEEN_KEY = "last_seen"
# Users whose sessions the flush under way ends: user id -> the token hash to spare.
_ENDING = "eqia.sessions.ending"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _current_hash() -> str | None:
    token = session.get(SESSION_KEY) if has_request_context() else None
    return _hash(token) if isinstance(token, str) else None


def _lifetime() -> timedelta:
    return current_app.config["PERMANENT_SESSION_LIFETIME"]


def open_sign_in(user: User, device: str = "", id_token: str | None = None) -> str:
    """A new session's row (added to the database session); its token, for the cookie."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        SignIn(user_id=user.id, token_hash=_hash(token), device=device[:200], id_token=id_token)
    )
    return token


def cookie_for(user: User) -> dict:
    """What a signed-in cookie holds, for a session begun outside any request (tests and
    benchmarks begin one without the sign-in form)."""
    token = open_sign_in(user)
    db.session.commit()
    return {
        SESSION_KEY: token,
        "_user_id": str(user.id),
        "_fresh": True,
        LAST_SEEN_KEY: utcnow().timestamp(),
    }


def begin(user: User, id_token: str | None = None) -> None:
    """Sign in: a fresh cookie, holding nothing from before but answers kept for this person.
    ``id_token`` is the provider's, for a session begun through single sign-on."""
    previous = dict(session)
    session.clear()
    pending.carry_over(previous, user)
    session[SESSION_KEY] = open_sign_in(user, request.user_agent.string, id_token)
    db.session.commit()
    login_user(user)
    session.permanent = True
    record_activity()


def id_token() -> str | None:
    """The provider's ID token this session was begun with (single sign-on), if any."""
    if (token_hash := _current_hash()) is None:
        return None
    return db.session.scalar(select(SignIn.id_token).where(SignIn.token_hash == token_hash))


def _end(*criteria) -> int:
    result = db.session.execute(
        update(SignIn).where(SignIn.ended_at.is_(None), *criteria).values(ended_at=utcnow())
    )
    return result.rowcount


def end() -> None:
    """Sign out: this session ends, on every copy of its cookie."""
    if (token_hash := _current_hash()) is not None:
        _end(SignIn.token_hash == token_hash)
        db.session.commit()
    logout_user()
    session.clear()


def _open_elsewhere(user: User):
    return (
        SignIn.user_id == user.id,
        SignIn.token_hash != (_current_hash() or ""),
        SignIn.started_at > utcnow() - _lifetime(),
    )


def others(user: User) -> int:
    """How many other sessions of this person's are still signed in (idle ones included)."""
    return db.session.scalar(
        select(func.count(SignIn.id)).where(SignIn.ended_at.is_(None), *_open_elsewhere(user))
    )


def end_others(user: User) -> int:
    """Sign out of all other devices: every session of this person's but this one."""
    ended = _end(*_open_elsewhere(user))
    db.session.commit()
    return ended


def record_activity() -> None:
    session[LAST_SEEN_KEY] = utcnow().timestamp()


def _timed_out(user: User, message: str) -> None:
    """The session ran out of time: ended, and answers sent late are kept for this person."""
    if (token_hash := _current_hash()) is not None:
        _end(SignIn.token_hash == token_hash)
        db.session.commit()
    for key in ("_user_id", "_fresh", "_id", SESSION_KEY, LAST_SEEN_KEY):
        session.pop(key, None)
    pending.session_ended(user)
    flash(message)


@login_manager.user_loader
def _load(user_id: str) -> User | None:
    found, token_hash = id_from(user_id), _current_hash()
    if found is None or token_hash is None:
        return None
    row = (
        db.session.execute(
            select(User, SignIn.started_at)
            .join(SignIn, SignIn.user_id == User.id)
            .where(User.id == found, SignIn.token_hash == token_hash, SignIn.ended_at.is_(None))
            .options(joinedload(User.role_rows))  # one query for who is signed in, with roles
        )
        .unique()
        .first()
    )
    if row is None or not row.User.active:
        return None
    if utcnow() - row.started_at > _lifetime():
        hours = round(_lifetime().total_seconds() / 3600)
        _timed_out(
            row.User,
            f"You were signed out because you signed in more than {hours} hours ago. "
            "Sign in again to carry on.",
        )
        return None
    return row.User


IDLE_MESSAGE = "You were signed out because you had not used the service for a while."


def time_out() -> None:
    """End this session as the idle timeout does: its sign-in ended, answers sent late kept
    for this person, and the same message. The timeout warning's script asks for this when
    its time runs out, so the browser is signed out then, whatever the clocks say."""
    if not current_user.is_authenticated:
        return
    user = current_user._get_current_object()
    logout_user()
    _timed_out(user, IDLE_MESSAGE)


def expire_idle() -> None:
    """Sign out a session not used within the idle timeout; otherwise note this use."""
    if not current_user.is_authenticated:
        return
    idle = utcnow().timestamp() - session.get(LAST_SEEN_KEY, 0)
    if idle > current_app.config["IDLE_TIMEOUT"].total_seconds():
        time_out()
        return
    record_activity()


def _lost_a_role(user: User) -> bool:
    history = inspect(user).attrs.role_rows.history
    before = {r.role for r in [*history.unchanged, *history.deleted]}
    after = {r.role for r in [*history.unchanged, *history.added]}
    return bool(before - after)


def _note_endings(db_session: Session, _context, _instances) -> None:
    """Before a flush: whose sessions it ends, and whose one session it spares."""
    for user in db_session.dirty:
        if not isinstance(user, User) or user.id is None:
            continue
        state = inspect(user)
        new_password = state.attrs.password_hash.history.added
        deactivated = state.attrs.active.history.added == [False]
        if deactivated or _lost_a_role(user):
            spare = None
        elif new_password:
            # Whoever set their own password keeps the session they did it in.
            mine = has_request_context() and getattr(current_user, "id", None) == user.id
            spare = _current_hash() if mine else None
        else:
            continue
        db_session.info.setdefault(_ENDING, {})[user.id] = spare


def _end_noted(db_session: Session, _context) -> None:
    for user_id, spare in db_session.info.pop(_ENDING, {}).items():
        db_session.connection().execute(
            update(SignIn)
            .where(
                SignIn.user_id == user_id,
                SignIn.ended_at.is_(None),
                SignIn.token_hash != (spare or ""),
            )
            .values(ended_at=utcnow())
        )


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie, except on the public register: there the cookie is neither
    read nor written (nor is ``Vary: Cookie`` sent), so nobody is signed in and every
    visitor, and every shared cache, gets the same page."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if is_public_path(request.path):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response: Response) -> None:
        if is_public_path(request.path):
            return
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    if not event.contains(db.session, "before_flush", _note_endings):
        event.listen(db.session, "before_flush", _note_endings)
        event.listen(db.session, "after_flush", _end_noted)
