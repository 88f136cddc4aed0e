"""Answers that arrive after a session has ended are kept, not thrown away.

When a signed-out person's form reaches a page that needs sign-in, what they
sent is stored against the account whose session just ended. Once that person
signs in again they are taken back to the page, and the page puts the answers
back (and saves them, where the page saves on submit).
"""

import secrets
from datetime import timedelta

from flask import Request, session
from sqlalchemy import delete, select
from werkzeug.datastructures import MultiDict

from eqia.extensions import db
from eqia.models import PendingSubmission, User
from eqia.timefmt import utcnow

SESSION_KEY = "pending_submission"
ENDED_KEY = "ended_user_id"
KEEP_FOR = timedelta(days=1)


def session_ended(user: User) -> None:
    """Remember whose session this was, so their late answers can be kept for them."""
    session[ENDED_KEY] = user.id


def keep(request: Request) -> bool:
    """Store a late form for the person whose session ended; True if kept."""
    user_id = session.get(ENDED_KEY)
    if user_id is None or request.files:
        return False
    form = {key: values for key, values in request.form.lists() if key != "csrf_token"}
    token = secrets.token_urlsafe(32)
    db.session.add(PendingSubmission(token=token, user_id=user_id, path=request.path, form=form))
    db.session.commit()
    session[SESSION_KEY] = token
    return True


def carry_over(saved_session: dict, user: User) -> None:
    """After sign-in: keep the pending token only for the person it belongs to."""
    if saved_session.get(ENDED_KEY) == user.id and saved_session.get(SESSION_KEY):
        session[SESSION_KEY] = saved_session[SESSION_KEY]


def take(user: User, path: str) -> MultiDict | None:
    """The kept answers for this page, once; None if there are none."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    db.session.execute(
        delete(PendingSubmission).where(PendingSubmission.created_at < utcnow() - KEEP_FOR)
    )
    kept = db.session.scalar(
        select(PendingSubmission).where(
            PendingSubmission.token == token,
            PendingSubmission.user_id == user.id,
            PendingSubmission.path == path,
        )
    )
    if kept is None:
        return None
    session.pop(SESSION_KEY, None)
    db.session.delete(kept)
    return MultiDict([(key, value) for key, values in kept.form.items() for value in values])
