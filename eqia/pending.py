"""Answers that arrive after a session has ended are kept, not thrown away, within bounds.

When a question page's form reaches the service after the sender's session ran out
of time, what they sent is kept for the person whose session it was: one form per
person and page (the newest), at most ``MAX_SIZE`` of it, for at most ``KEEP_FOR``.
Once that person signs in again they are taken back to the page, which shows the
answers for them to check and save. Nothing is saved in their name until they do:
whoever sat at an unattended browser cannot make an edit in the owner's name. Kept
answers past their time are purged whenever a form is kept, and by the daily job.
"""

import json
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
MAX_SIZE = 256 * 1024  # bytes of the kept answers, as JSON
MAX_PATH = 300
# The pages that can put kept answers back.
RESTORING = {"assessments.page"}


def session_ended(user: User) -> None:
    """Remember whose session this was, so their late answers can be kept for them."""
    session[ENDED_KEY] = user.id


def purge() -> int:
    """Forget kept answers past their time; how many."""
    result = db.session.execute(
        delete(PendingSubmission).where(PendingSubmission.created_at < utcnow() - KEEP_FOR)
    )
    return result.rowcount


def keep(request: Request) -> bool:
    """Keep a late form for the person whose session ended; True if kept."""
    user_id = session.get(ENDED_KEY)
    if user_id is None or request.endpoint not in RESTORING or request.files:
        return False
    if len(request.path) > MAX_PATH:
        return False
    form = {key: values for key, values in request.form.lists() if key != "csrf_token"}
    if len(json.dumps(form).encode()) > MAX_SIZE:
        return False
    purge()
    db.session.execute(
        delete(PendingSubmission).where(
            PendingSubmission.user_id == user_id, PendingSubmission.path == request.path
        )
    )
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
    """The kept answers for this page, once, to show (not save); None if there are none."""
    token = session.get(SESSION_KEY)
    if not token:
        return None
    kept = db.session.scalar(
        select(PendingSubmission).where(
            PendingSubmission.token == token,
            PendingSubmission.user_id == user.id,
            PendingSubmission.path == path,
            PendingSubmission.created_at >= utcnow() - KEEP_FOR,
        )
    )
    if kept is None:
        return None
    session.pop(SESSION_KEY, None)
    db.session.delete(kept)
    db.session.commit()
    return MultiDict([(key, value) for key, values in kept.form.items() for value in values])
