"""Email about an EqIA's progress: written to the outbox with the change that caused it.

``queue`` only adds rows to the caller's session, so a message exists exactly when
the workflow change that caused it is committed. Delivery happens afterwards:

- after a request whose transaction queued messages has committed, those messages
  are sent once the response has gone to the browser;
- ``flask --app eqia send-notifications`` (cron) sends everything else that is due,
  including retries.

Each run claims its messages with one atomic UPDATE that pushes ``next_attempt_at``
a lease into the future, so two processes never send the same message. A failure
is recorded on the row and retried with exponential back-off; nothing is dropped.
"""

import logging
import smtplib
import ssl
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import partial
from zoneinfo import ZoneInfo

import requests
from flask import Flask, Response, current_app, g, has_request_context
from sqlalchemy import event, func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from werkzeug.routing import BuildError

from eqia.extensions import db
from eqia.models import Assessment, OutboxMessage, Status, User

logger = logging.getLogger(__name__)

LONDON = ZoneInfo("Europe/London")
# A claimed message is not offered to anyone else for this long (covers a whole batch).
LEASE = timedelta(minutes=15)
BATCH_SIZE = 50
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=4)
REVIEW_DUE_WITHIN = timedelta(days=30)

# Kinds the workflow reports that nobody is told about.
SILENT = frozenset({"assigned"})
_SESSION_KEY = "eqia.outbox"
_REQUEST_KEY = "eqia_outbox_ids"


# --- What the messages say ----------------------------------------------------------------


def _link(endpoint: str, fallback: str, **values) -> str:
    """An absolute link from the configured base URL; works without a request."""
    try:
        path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    except BuildError:
        path = fallback
    return current_app.config["BASE_URL"].rstrip("/") + path


def _as_typed(text: str | None) -> str:
    """A person's comment as they typed it: only line endings and outer space are tidied."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def _who(user: User) -> str:
    return f"{user.name} ({user.job_title})" if user.job_title else user.name


def _long_date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def _quoted(label: str, text: str) -> list[str]:
    return [f"{label}:", "", text, ""] if text else []


def _submitted(assessment: Assessment, actor: User, message: str = "", **_) -> tuple[str, list]:
    ref = assessment.reference
    return f"{ref} has been submitted for sign-off", [
        f"{_who(actor)} has submitted {ref}, {assessment.title}, for sign-off.",
        "",
        *_quoted("Their message", _as_typed(message)),
        "Review the EqIA:",
        _link("reviews.review", f"/reviews/{ref}", ref=ref),
    ]


def _returned(assessment: Assessment, actor: User, comment: str = "", **_) -> tuple[str, list]:
    ref = assessment.reference
    return f"{ref} has been returned with comments", [
        f"{_who(actor)} has returned {ref}, {assessment.title}, with comments.",
        "",
        *_quoted("Their comments", _as_typed(comment)),
        "Read the comments on each section, make the changes and submit it again:",
        _link("assessments.task_list", f"/eqia/{ref}/tasks", ref=ref),
    ]


def _approved(assessment: Assessment, actor: User, comment: str = "", **_) -> tuple[str, list]:
    ref = assessment.reference
    due = assessment.review_date
    review = ["", f"Review it by {_long_date(due)}."] if due else []
    return f"{ref} has been signed off", [
        f"{_who(actor)} has signed off {ref}, {assessment.title}.",
        "",
        *_quoted("Their comments", _as_typed(comment)),
        "View the signed-off EqIA:",
        _link("assessments.view", f"/eqia/{ref}", ref=ref),
        *review,
    ]


def _review_due(assessment: Assessment, review_date: date, **_) -> tuple[str, list]:
    ref, when = assessment.reference, _long_date(review_date)
    return f"{ref} is due for review on {when}", [
        f"{ref}, {assessment.title}, is due for review on {when}.",
        "",
        "Start the review from the EqIA's page:",
        _link("assessments.view", f"/eqia/{ref}", ref=ref),
    ]


def _review_overdue(assessment: Assessment, review_date: date, **_) -> tuple[str, list]:
    ref, when = assessment.reference, _long_date(review_date)
    return f"{ref} is overdue for review", [
        f"{ref}, {assessment.title}, was due for review on {when}.",
        "",
        "Start the review now from the EqIA's page:",
        _link("assessments.view", f"/eqia/{ref}", ref=ref),
    ]


KINDS = {
    "submitted": _submitted,
    "returned": _returned,
    "approved": _approved,
    "review-due": _review_due,
    "review-overdue": _review_overdue,
}


def render(kind: str, assessment: Assessment, recipient: User, **context) -> tuple[str, str]:
    """The subject and plain-text body of one message."""
    subject, lines = KINDS[kind](assessment, **context)
    organisation = current_app.config["ORGANISATION_NAME"]
    body = [f"Dear {recipient.name},", "", *lines, "", f"EqIA service, {organisation}"]
    return subject, "\n".join(body) + "\n"


# --- Queueing, in the caller's transaction ------------------------------------------------


def _recipients(users: Iterable[User | None]) -> list[User]:
    unique = {u.id: u for u in users if u is not None}
    return [u for u in unique.values() if u.active and u.email]


def queue(kind: str, assessment: Assessment, recipients: Iterable[User], **context) -> None:
    """Add one message per recipient to the outbox, in the caller's transaction.

    Never commits: the messages exist only if the caller's change is committed.
    """
    if kind in SILENT:
        return
    if kind not in KINDS:
        raise ValueError(f"No notification is defined for {kind!r}")
    messages = db.session.info.setdefault(_SESSION_KEY, [])
    for user in _recipients(recipients):
        subject, body = render(kind, assessment, user, **context)
        message = OutboxMessage(
            kind=kind,
            to_email=user.email,
            subject=subject,
            body=body,
            assessment_id=assessment.id,
            next_attempt_at=datetime.now(UTC),
        )
        db.session.add(message)
        messages.append(message)


def _queue_once(kind: str, assessment: Assessment, user: User, dedupe_key: str, **context) -> bool:
    """Queue a message unless one with this key was ever queued; True if it was new."""
    subject, body = render(kind, assessment, user, **context)
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(OutboxMessage)
        .values(
            kind=kind,
            to_email=user.email,
            subject=subject,
            body=body,
            assessment_id=assessment.id,
            dedupe_key=dedupe_key,
            next_attempt_at=datetime.now(UTC),
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OutboxMessage.id)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def london_today() -> date:
    return datetime.now(LONDON).date()


def queue_reminders(today: date | None = None) -> int:
    """Queue review-due and review-overdue reminders, each once per EqIA and review date.

    Returns how many were new. The caller commits.
    """
    today = today or london_today()
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
        kind = "review-overdue" if assessment.review_date < today else "review-due"
        key = f"{kind}:{assessment.id}:{assessment.review_date.isoformat()}"
        for owner in _recipients([assessment.owner]):
            queued += _queue_once(kind, assessment, owner, key, review_date=assessment.review_date)
    return queued


# --- Sending ------------------------------------------------------------------------------


class TransportDown(Exception):
    """The mail server or API cannot be reached: nothing else in this run will get through."""


@dataclass(frozen=True)
class Email:
    id: int
    to: str
    subject: str
    body: str


class LogBackend:
    """Development: the message is written to the log instead of being sent."""

    name = "log"

    def __init__(self, config):
        pass

    def send(self, email: Email) -> None:
        logger.info(
            "Email to %s\nSubject: %s\n\n%s", email.to, email.subject, email.body.rstrip("\n")
        )

    def close(self) -> None:
        pass


class SmtpBackend:
    """One connection per run, opened when the first message goes."""

    name = "smtp"

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        where = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
        try:
            connection = smtplib.SMTP(
                config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
            )
        except (OSError, smtplib.SMTPException) as error:
            raise TransportDown(f"Could not connect to {where}: {error}") from error
        try:
            if config["MAIL_USE_TLS"]:
                connection.starttls(context=ssl.create_default_context())
            if config["MAIL_USERNAME"]:
                connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        except (OSError, smtplib.SMTPException) as error:
            connection.close()
            raise TransportDown(f"Could not start a session with {where}: {error}") from error
        return connection

    def send(self, email: Email) -> None:
        message = EmailMessage()
        message["From"] = self.config["MAIL_FROM"]
        message["To"] = email.to
        message["Subject"] = email.subject
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(idstring=f"eqia-{email.id}")
        message["Auto-Submitted"] = "auto-generated"
        message.set_content(email.body, cte="quoted-printable")
        if self.connection is None:
            self.connection = self._connect()
        try:
            self.connection.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPResponseException):
            raise  # this message was refused; the connection is still good
        except OSError:  # includes SMTPServerDisconnected
            self.connection.close()
            self.connection = None  # the next message tries a new connection
            raise

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.quit()
            except (OSError, smtplib.SMTPException):
                self.connection.close()
            self.connection = None


class NotifyBackend:
    """GOV.UK Notify, through one template whose subject is ((subject)) and body ((body))."""

    name = "notify"

    def __init__(self, config):
        from notifications_python_client.notifications import NotificationsAPIClient

        self.template_id = config["NOTIFY_TEMPLATE_ID"]
        self.client = NotificationsAPIClient(
            config["NOTIFY_API_KEY"],
            base_url=config["NOTIFY_BASE_URL"],
            timeout=config["MAIL_TIMEOUT"],
        )

    def send(self, email: Email) -> None:
        from notifications_python_client.errors import HTTPError

        try:
            self.client.send_email_notification(
                email_address=email.to,
                template_id=self.template_id,
                personalisation={"subject": email.subject, "body": email.body},
                reference=f"eqia-outbox-{email.id}",
            )
        except HTTPError as error:
            if isinstance(error.__cause__, requests.ConnectionError | requests.Timeout):
                raise TransportDown(f"Could not reach GOV.UK Notify: {error}") from error
            raise

    def close(self) -> None:
        self.client.request_session.close()


def backend_name(config) -> str:
    if config.get("NOTIFY_API_KEY") and config.get("NOTIFY_TEMPLATE_ID"):
        return "notify"
    if config.get("MAIL_SERVER"):
        return "smtp"
    return "log"


BACKENDS = {"log": LogBackend, "smtp": SmtpBackend, "notify": NotifyBackend}


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, never more than four hours."""
    doublings = min(max(attempts - 1, 0), 16)
    return min(FIRST_RETRY * 2**doublings, LONGEST_RETRY)


@dataclass
class Delivery:
    sent: int = 0
    failed: int = 0


def _claim(now: datetime, ids: Collection[int] | None, limit: int) -> list[Email]:
    """Take up to ``limit`` due messages for this run in one atomic statement.

    The UPDATE re-checks that each row is unsent and due, and moves it a lease into the
    future, so a second process (or one whose view is stale) finds nothing to take.
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
    if db.engine.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), *due)
        .values(attempts=OutboxMessage.attempts + 1, next_attempt_at=now + LEASE)
        .returning(
            OutboxMessage.id, OutboxMessage.to_email, OutboxMessage.subject, OutboxMessage.body
        )
    )
    with db.engine.begin() as connection:
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
            at = now or datetime.now(UTC)
            claimed = _claim(at, ids, limit)
            for email in claimed:
                error: Exception | None = down
                if down is None:
                    try:
                        backend.send(email)
                    except TransportDown as failure:
                        error = down = failure
                    except Exception as failure:  # noqa: BLE001 - recorded and retried
                        error = failure
                _record(email, now or datetime.now(UTC), error)
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
