"""Email about an EqIA's progress: written to the outbox with the change that caused it.

``queue`` only adds rows to the caller's session, so a message exists exactly when
the workflow change that caused it is committed. Delivery happens afterwards:

- after a request whose transaction queued messages has committed, those messages
  are sent once the response has gone to the browser;
- ``flask --app eqia send-notifications`` (cron) sends everything else that is due,
  including retries.

Each run claims its messages (``claim``: on PostgreSQL ``FOR UPDATE SKIP LOCKED``, then
one UPDATE) by pushing ``next_attempt_at`` a lease into the future, so two processes never
send the same message. A failure
is recorded on the row and retried with exponential back-off; nothing is dropped.
"""

import logging
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial

from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.orm import Session

from eqia.database import insert_unless_present
from eqia.extensions import db
from eqia.models import Assessment, NotificationKind, OutboxMessage, Status, User
from eqia.notifications.backends import BACKENDS, Email, TransportDown, backend_name
from eqia.notifications.wording import render
from eqia.timefmt import uk_today, utcnow

logger = logging.getLogger("eqia.notifications")

# A claimed message is not offered to anyone else for this long (covers a whole batch).
LEASE = timedelta(minutes=15)
BATCH_SIZE = 50
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=4)
REVIEW_DUE_WITHIN = timedelta(days=30)

_SESSION_KEY = "eqia.outbox"
_REQUEST_KEY = "eqia_outbox_ids"


# --- Queueing, in the caller's transaction ------------------------------------------------


def _recipients(users: Iterable[User | None]) -> list[User]:
    unique = {u.id: u for u in users if u is not None}
    return [u for u in unique.values() if u.active and u.email]


def queue(
    kind: NotificationKind, assessment: Assessment | None, recipients: Iterable[User], **context
) -> None:
    """Add one message per recipient to the outbox, in the caller's transaction: about one
    EqIA, or about several (``assessment`` None; the context names them).

    Never commits: the messages exist only if the caller's change is committed.
    """
    kind = NotificationKind(kind)
    messages = db.session.info.setdefault(_SESSION_KEY, [])
    for user in _recipients(recipients):
        subject, body = render(kind, assessment, user, **context)
        message = OutboxMessage(
            kind=kind,
            to_email=user.email,
            subject=subject,
            body=body,
            assessment_id=assessment.id if assessment else None,
            next_attempt_at=utcnow(),
        )
        db.session.add(message)
        messages.append(message)


def _queue_once(
    kind: NotificationKind, assessment: Assessment, user: User, dedupe_key: str, **context
) -> bool:
    """Queue a message unless one with this key was ever queued; True if it was new."""
    subject, body = render(kind, assessment, user, **context)
    values = {
        "kind": kind,
        "to_email": user.email,
        "subject": subject,
        "body": body,
        "assessment_id": assessment.id,
        "dedupe_key": dedupe_key,
        "next_attempt_at": utcnow(),
    }
    statement = insert_unless_present(OutboxMessage, values, ["dedupe_key"])
    return (
        db.session.execute(statement.returning(OutboxMessage.id)).scalar_one_or_none() is not None
    )


def queue_reminders(today: date | None = None) -> int:
    """Queue review-due and review-overdue reminders, each once per EqIA and review date.

    Returns how many were new. The caller commits.
    """
    today = today or uk_today()
    due = db.session.scalars(
        select(Assessment)
        .where(
            Assessment.status == Status.APPROVED,
            Assessment.review_date.is_not(None),
            Assessment.review_date <= today + REVIEW_DUE_WITHIN,
        )
        .order_by(Assessment.review_date, Assessment.id)
    )
    queued = 0
    for assessment in due:
        overdue = assessment.review_date < today
        kind = NotificationKind.REVIEW_OVERDUE if overdue else NotificationKind.REVIEW_DUE
        key = f"{kind}:{assessment.id}:{assessment.review_date.isoformat()}"
        for owner in _recipients([assessment.owner]):
            queued += _queue_once(kind, assessment, owner, key, review_date=assessment.review_date)
    return queued


# --- Sending ------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, never more than four hours."""
    doublings = min(max(attempts - 1, 0), 16)
    return min(FIRST_RETRY * 2**doublings, LONGEST_RETRY)


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0


def claim(now: datetime, ids: Collection[int] | None, limit: int) -> list[Email]:
    """Take up to ``limit`` due messages for this run, in one transaction.

    On PostgreSQL the run first locks its candidates with ``SELECT … FOR UPDATE SKIP
    LOCKED``, so senders at the same moment each take different rows and none waits for
    another; on SQLite, which writes one transaction at a time, the UPDATE alone chooses
    them. Either way the UPDATE re-checks that each row is unsent and due, and moves it a
    lease into the future: a second process (or one whose view is stale) finds nothing to
    take, and a sender that dies mid-run leaves its messages to be offered again once the
    lease ends.
    """
    due = OutboxMessage.sent_at.is_(None), OutboxMessage.next_attempt_at <= now
    candidates = (
        select(OutboxMessage.id)
        .where(*due)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
    )
    if ids is not None:
        candidates = candidates.where(OutboxMessage.id.in_(list(ids)))
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            locked = candidates.with_for_update(skip_locked=True)
            candidates = list(connection.scalars(locked))
        statement = (
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(candidates), *due)
            .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
            .returning(
                OutboxMessage.id, OutboxMessage.to_email, OutboxMessage.subject, OutboxMessage.body
            )
        )
        rows = connection.execute(statement).all()
    return sorted((Email(*row) for row in rows), key=lambda email: email.id)


def _record(email: Email, now: datetime, error: Exception | None) -> None:
    with Session(db.engine) as session, session.begin():
        message = session.get(OutboxMessage, email.id)
        if error is None:
            message.sent_at = now
            message.last_error = ""
        else:
            message.last_error = f"{type(error).__name__}: {error}"[:2000]
            message.next_attempt_at = now + retry_delay(message.attempts)
            logger.warning(
                "Email %s to %s failed (attempt %s), next try at %s: %s",
                email.id,
                email.to,
                message.attempts,
                message.next_attempt_at.isoformat(timespec="seconds"),
                message.last_error,
            )


def deliver_due(
    now: datetime | None = None, *, ids: Collection[int] | None = None, limit: int = BATCH_SIZE
) -> Delivery:
    """Send every due, unsent message (or only those in ``ids``); record each outcome."""
    counts = Delivery()
    backend = BACKENDS[backend_name(current_app.config)](current_app.config)
    down: TransportDown | None = None
    try:
        while True:
            at = now or utcnow()
            claimed = claim(at, ids, limit)
            for email in claimed:
                error: Exception | None = down
                if down is None:
                    try:
                        backend.send(email)
                    except TransportDown as failure:
                        error = down = failure
                    except Exception as failure:  # noqa: BLE001 - recorded and retried
                        error = failure
                _record(email, now or utcnow(), error)
                if error is None:
                    counts.sent += 1
                else:
                    counts.failed += 1
            if len(claimed) < limit or ids is not None:
                break
    finally:
        backend.close()
    return counts


def waiting() -> int:
    """How many messages are not yet sent (due now or waiting for a retry)."""
    with Session(db.engine) as session:
        query = select(func.count()).select_from(OutboxMessage)
        return session.scalar(query.where(OutboxMessage.sent_at.is_(None)))


# --- After commit: send what this request queued --------------------------------------------


def _after_commit(session) -> None:
    messages = session.info.pop(_SESSION_KEY, None)
    if not messages or not has_request_context():
        return
    ids = [state.identity[0] for state in map(inspect, messages) if state.identity]
    g.setdefault(_REQUEST_KEY, []).extend(ids)


def _after_rollback(session) -> None:
    session.info.pop(_SESSION_KEY, None)


def _deliver_quietly(app: Flask, ids: list[int]) -> None:
    """Runs after the response is sent; a failure stays in the outbox for the next run."""
    try:
        with app.app_context():
            deliver_due(ids=ids)
    except Exception:  # noqa: BLE001 - never the person's problem; cron retries
        logger.exception("Could not deliver emails %s after the request", ids)


def _deliver_after_response(response: Response) -> Response:
    ids = g.pop(_REQUEST_KEY, None)
    if ids:
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        response.call_on_close(partial(_deliver_quietly, app, ids))
    return response


def init_app(app: Flask) -> None:
    for name, listener in (("after_commit", _after_commit), ("after_rollback", _after_rollback)):
        if not event.contains(db.session, name, listener):
            event.listen(db.session, name, listener)
    app.after_request(_deliver_after_response)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)
    app.logger  # noqa: B018 - make sure Flask's handler is on the "eqia" logger
    if app.config["PRODUCTION"] and backend_name(app.config) == "log":
        logger.warning(
            "No MAIL_SERVER or GOV.UK Notify key is set: emails are only written to the log"
        )
