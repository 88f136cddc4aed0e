"""Email: written to the outbox with the change, sent after commit, retried, never lost.

Delivery goes to a real SMTP server (aiosmtpd on 127.0.0.1) and to a real HTTP server
standing in for the GOV.UK Notify API.
"""

import json
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from sqlalchemy import create_engine, select, text, update

from eqia import notifications, workflow
from eqia.extensions import db
from eqia.models import Assessment, CoAuthor, OutboxMessage, Role, Status, User
from eqia.timefmt import uk_today
from tests import factories
from tests.helpers import csrf_token, soup, submit
from tests.journeys import ABOUT, OUTCOME, save
from tests.processes import free_port, run_at_once
from tests.smtp import smtp_server

ORGANISATION = "Cambridgeshire County Council"
MANY = 200
COMMENT = (
    "Section 3 needs <script>alert('x')</script> & \"quotes\" fixed.\n"
    "\n"
    "Données personnelles — Ωμέγα, 平等, 👍 — see café’s feedback.\n"
    "    Indented line kept as typed."
)


@pytest.fixture
def smtp():
    with smtp_server() as mailbox:
        yield mailbox


@pytest.fixture
def mail(app, smtp):
    """The app sends through the test's SMTP server."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port, MAIL_TIMEOUT=5)
    return smtp


@pytest.fixture
def dead_server(app):
    """A port with nothing listening: every connection is refused."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=2)


@pytest.fixture
def second_super_user(app):
    with app.app_context():
        user = factories.make_user(
            "super2@example.org", "Sam Second", {Role.SUPER_USER}, job_title="Equality lead"
        )
        return user.id


def outbox() -> list[OutboxMessage]:
    db.session.commit()  # a fresh look at what other connections wrote
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def body(message) -> str:
    """The text as the person reads it (SMTP itself ends every line with CRLF)."""
    return message.get_content().replace("\r\n", "\n")


def ready_to_submit(client, directorate_id: int) -> str:
    """A lead's EqIA on the short (screening) route, every section answered."""
    response = submit(client, "/eqia/start", {"title": "Changes to library opening hours"})
    ref = response.location.split("/")[2]
    save(client, ref, "screening", {"could_affect": "no", "no_effect_reason": "Internal IT"})
    save(client, ref, "about", {**ABOUT, "directorate_id": str(directorate_id)})
    save(client, ref, "outcome", {**OUTCOME, "outcome": "no-major-change"})
    return ref


def submit_for_sign_off(client, ref: str, super_user_id: str = "", message: str = ""):
    return submit(
        client,
        f"/eqia/{ref}/check",
        {"declaration": ["agreed"], "super_user_id": super_user_id, "message": message},
        # Run the response to the end, as a browser would, so after-response work happens.
        buffered=True,
    )


def make_eqia(owner_email: str = "lead@example.org", **values) -> Assessment:
    assessment = factories.make_assessment(User.by_email(owner_email))
    for name, value in values.items():
        setattr(assessment, name, value)  # arranging a state, not making a move
    db.session.commit()
    return assessment


class TestSubmitted:
    def test_every_super_user_is_emailed_after_the_submission_commits(
        self, app, clients, users, mail, directorate_id, second_super_user
    ):
        lead = clients["lead"]
        ref = ready_to_submit(lead, directorate_id)
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

        def committed_state(_message):
            with engine.connect() as connection:
                status = connection.execute(
                    text("SELECT status FROM assessments WHERE reference = :ref"), {"ref": ref}
                ).scalar_one()
                rows = connection.execute(text("SELECT count(*) FROM outbox")).scalar_one()
            return status, rows

        mail.on_arrival = committed_state
        try:
            response = submit_for_sign_off(lead, ref, message="Ready <b>now</b> — thanks")
        finally:
            engine.dispose()
        assert response.status_code == 302
        assert response.location == f"/eqia/{ref}/submitted"

        assert mail.recipients == ["super2@example.org", "super@example.org"]
        # Each email went only once the status and the outbox rows were committed.
        assert {seen for _, _, seen in mail.messages} == {("submitted", 2)}
        (message,) = mail.to("super@example.org")
        assert message["Subject"] == f"{ref} has been submitted for sign-off"
        assert message["From"] == "eqia@example.org"
        assert message.get_content_type() == "text/plain"
        assert body(message) == (
            "Dear Sue Super,\n"
            "\n"
            f"Lee Lead (Officer) has submitted {ref}, Changes to library opening hours,"
            " for sign-off.\n"
            "\n"
            "Their message:\n"
            "\n"
            "Ready <b>now</b> — thanks\n"
            "\n"
            "Review the EqIA:\n"
            f"http://localhost/reviews/{ref}\n"
            "\n"
            f"EqIA service, {ORGANISATION}\n"
        )
        assert body(mail.to("super2@example.org")[0]).startswith("Dear Sam Second,\n")
        with app.app_context():
            rows = outbox()
            assert [(r.kind, r.attempts, r.last_error) for r in rows] == [("submitted", 1, "")] * 2
            assert all(r.sent_at is not None for r in rows)

    def test_only_the_chosen_super_user_is_emailed(
        self, app, clients, users, mail, directorate_id, second_super_user
    ):
        lead = clients["lead"]
        ref = ready_to_submit(lead, directorate_id)
        submit_for_sign_off(lead, ref, super_user_id=str(second_super_user))
        assert mail.recipients == ["super2@example.org"]
        assert "Their message" not in body(mail.messages[0][1])

    def test_a_dead_mail_server_does_not_stop_the_submission_and_nothing_is_lost(
        self, app, clients, users, smtp, dead_server, runner, directorate_id
    ):
        lead = clients["lead"]
        ref = ready_to_submit(lead, directorate_id)
        response = submit_for_sign_off(lead, ref)
        assert response.status_code == 302
        with app.app_context():
            assert Assessment.by_reference(ref).status is Status.SUBMITTED
            (row,) = outbox()
            assert row.sent_at is None
            assert row.attempts == 1
            assert "Could not connect to 127.0.0.1" in row.last_error
            assert row.next_attempt_at > datetime.now(UTC)

            # Nothing is due yet: the cron leaves it alone until its back-off passes.
            result = runner.invoke(args=["send-notifications"])
            assert "Sent 0 email(s) through smtp; 0 failed" in result.output
            assert "1 waiting in the outbox" in result.output

            # A minute later the server is back.
            app.config["MAIL_PORT"] = smtp.port
            db.session.execute(
                update(OutboxMessage).values(next_attempt_at=datetime.now(UTC) - timedelta(1))
            )
            db.session.commit()
            for _ in range(2):
                result = runner.invoke(args=["send-notifications"])
                assert result.exit_code == 0, result.output
            assert smtp.recipients == ["super@example.org"]
            (row,) = outbox()
            assert row.sent_at is not None
            assert (row.attempts, row.last_error) == (2, "")
        assert "0 waiting in the outbox" in result.output


class TestDecisions:
    @pytest.fixture
    def eqia(self, app, users):
        with app.app_context():
            assessment = make_eqia()
            co_author = factories.make_user("co@example.org", "Cora Author", job_title="")
            db.session.add(
                CoAuthor(
                    assessment_id=assessment.id, user_id=co_author.id, added_by_id=users["lead"].id
                )
            )
            db.session.commit()
            return assessment.reference

    def _queue(self, kind: str, ref: str, comment: str) -> None:
        assessment = Assessment.by_reference(ref)
        authors = [assessment.owner, *(c.user for c in assessment.co_authors)]
        notifications.queue(
            kind, assessment, authors, actor=User.by_email("super@example.org"), comment=comment
        )
        db.session.commit()

    def test_returned_comments_arrive_exactly_as_typed(self, app, ctx, eqia, mail):
        self._queue("returned", eqia, COMMENT.replace("\n", "\r\n") + "\r\n")
        assert notifications.deliver_due() == notifications.Delivery(sent=2, failed=0)

        assert mail.recipients == ["co@example.org", "lead@example.org"]
        for address, name in [("lead@example.org", "Lee Lead"), ("co@example.org", "Cora Author")]:
            (message,) = mail.to(address)
            assert message["To"] == address
            assert message["Subject"] == f"{eqia} has been returned with comments"
            assert not message.is_multipart()
            assert body(message) == (
                f"Dear {name},\n"
                "\n"
                f"Sue Super (Officer) has returned {eqia}, Changes to library opening hours,"
                " with comments.\n"
                "\n"
                "Their comments:\n"
                "\n"
                f"{COMMENT}\n"
                "\n"
                "Read the comments on each section, make the changes and submit it again:\n"
                f"http://localhost/eqia/{eqia}/tasks\n"
                "\n"
                f"EqIA service, {ORGANISATION}\n"
            )

    def test_approved_links_to_the_signed_off_eqia(self, app, ctx, eqia, mail):
        assessment = Assessment.by_reference(eqia)
        assessment.review_date = datetime(2030, 4, 1).date()
        db.session.commit()
        self._queue("approved", eqia, "")
        notifications.deliver_due()
        (message,) = mail.to("lead@example.org")
        assert message["Subject"] == f"{eqia} has been signed off"
        text_ = body(message)
        assert f"Sue Super (Officer) has signed off {eqia}, Changes to library" in text_
        assert f"View the signed-off EqIA:\nhttp://localhost/eqia/{eqia}\n" in text_
        assert "Review it by 1 April 2030." in text_
        assert "Their comments" not in text_

    def test_the_base_url_comes_from_config(self, app, ctx, eqia, mail):
        app.config["BASE_URL"] = "https://eqia.example.gov.uk/"
        self._queue("approved", eqia, "Good work")
        notifications.deliver_due()
        assert f"https://eqia.example.gov.uk/eqia/{eqia}\n" in body(mail.to("lead@example.org")[0])

    def test_nothing_is_sent_for_a_rolled_back_change(self, app, ctx, eqia, mail):
        assessment = Assessment.by_reference(eqia)
        notifications.queue("returned", assessment, [assessment.owner], actor=assessment.owner)
        db.session.rollback()
        assert notifications.deliver_due() == notifications.Delivery()
        assert outbox() == [] and mail.messages == []

    def test_picking_up_tells_nobody_and_inactive_people_are_skipped(self, app, ctx, eqia, mail):
        assessment = Assessment.by_reference(eqia)
        assessment.status = Status.SUBMITTED  # arranging a state, not making a move
        workflow.assign(assessment, User.by_email("super@example.org"))
        assert outbox() == []
        User.by_email("co@example.org").active = False
        self._queue("returned", eqia, "x")
        assert [r.to_email for r in outbox()] == ["lead@example.org"]
        with pytest.raises(ValueError, match="'promoted' is not a valid NotificationKind"):
            notifications.queue("promoted", assessment, [assessment.owner])


class TestRetries:
    @pytest.fixture
    def queued(self, app, ctx, users):
        assessment = make_eqia()
        notifications.queue(
            "returned", assessment, [assessment.owner], actor=User.by_email("super@example.org")
        )
        db.session.commit()
        return assessment

    def test_back_off_doubles_and_is_capped(self):
        delays = [notifications.retry_delay(n) for n in (1, 2, 3, 4, 9, 50)]
        minutes = [delay / timedelta(minutes=1) for delay in delays]
        assert minutes == [1, 2, 4, 8, 240, 240]

    def test_failures_schedule_later_attempts(self, app, queued, dead_server):
        start = datetime.now(UTC)
        expected = [start]
        for attempt, wait in enumerate([1, 2, 4], start=1):
            # Not yet due: nothing is tried.
            early = expected[-1] - timedelta(seconds=1)
            if attempt > 1:
                assert notifications.deliver_due(early) == notifications.Delivery()
            result = notifications.deliver_due(expected[-1])
            assert result == notifications.Delivery(sent=0, failed=1)
            (row,) = outbox()
            assert row.attempts == attempt
            assert row.next_attempt_at == expected[-1] + timedelta(minutes=wait)
            assert "ConnectionRefusedError" in row.last_error or "refused" in row.last_error
            expected.append(row.next_attempt_at)

    def test_a_refused_recipient_is_retried_while_the_others_go(self, app, ctx, users, mail):
        assessment = make_eqia()
        people = [User.by_email(e) for e in ("lead@example.org", "auditor@example.org")]
        mail.refuse = {"auditor@example.org"}
        notifications.queue("returned", assessment, people, actor=people[0])
        db.session.commit()
        assert notifications.deliver_due() == notifications.Delivery(sent=1, failed=1)
        refused, sent = sorted(outbox(), key=lambda r: r.sent_at is not None)
        assert refused.to_email == "auditor@example.org" and "550" in refused.last_error
        assert sent.to_email == "lead@example.org" and sent.sent_at is not None

    def test_a_claimed_message_is_not_taken_again_until_its_lease_ends(self, app, queued):
        now = datetime.now(UTC)
        assert len(notifications.claim(now, None, 10)) == 1
        # A second sender at the same moment (or a little later) finds nothing.
        assert notifications.claim(now, None, 10) == []
        assert notifications.claim(now + timedelta(minutes=5), None, 10) == []
        # If the first sender died mid-send, the message is offered again after the lease.
        assert len(notifications.claim(now + notifications.LEASE, None, 10)) == 1
        assert outbox()[0].attempts == 2

    def test_two_senders_at_once_send_each_message_once(self, app, ctx, users, mail):
        assessment = make_eqia()
        people = [factories.make_user(f"person{n}@example.org", f"Person {n}") for n in range(7)]
        notifications.queue("approved", assessment, people, actor=people[0])
        db.session.commit()
        mail.delay = 0.05
        results, errors = [], []

        def sender():
            try:
                with app.app_context():
                    results.append(notifications.deliver_due(limit=2))
            except Exception as error:  # noqa: BLE001 - reported by the assertion below
                errors.append(error)

        threads = [threading.Thread(target=sender) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert errors == []
        assert sum(r.sent for r in results) == 7
        assert mail.recipients == sorted(p.email for p in people)
        assert all(row.attempts == 1 and row.sent_at for row in outbox())

    def test_two_send_notifications_runs_at_once_send_each_message_once(
        self, app, ctx, users, smtp, database_url, tmp_path
    ):
        """Two cron jobs (or two instances' crons) overlapping: ``flask send-notifications``
        twice, as processes of their own. The SMTP server holds every message until both
        have connected, so each is sure to be sending while the other is."""
        assessment_id = make_eqia().id
        for n in range(MANY):
            db.session.add(
                OutboxMessage(
                    kind="approved",
                    to_email=f"person{n}@example.org",
                    subject=f"Message {n}",
                    body="Body",
                    assessment_id=assessment_id,
                    next_attempt_at=datetime.now(UTC),
                )
            )
        db.session.commit()
        smtp.hold_for_senders = 2
        outputs = run_at_once(
            ["flask", "--app", "eqia", "send-notifications"],
            copies=2,
            DATABASE_URL=database_url,
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(smtp.port),
            MAIL_TIMEOUT_SECONDS="60",
            EQIA_INSTANCE_PATH=str(tmp_path),
        )
        ids = {row.id for row in outbox()}
        assert smtp.outbox_ids() == dict.fromkeys(ids, 1)
        assert all(row.sent_at and row.attempts == 1 for row in outbox())
        assert len(smtp.senders) == 2 and all(smtp.senders.values())
        sent = [int(re.search(r"Sent ([0-9]+) email", out).group(1)) for out in outputs]
        assert sum(sent) == MANY and all(sent)


class TestReminders:
    @pytest.fixture
    def eqias(self, app, ctx, users):
        today = uk_today()
        approved = Status.APPROVED
        made = {
            "due": make_eqia(status=approved, review_date=today + timedelta(days=10)),
            "due-today": make_eqia(status=approved, review_date=today),
            "overdue": make_eqia(status=approved, review_date=today - timedelta(days=3)),
            "later": make_eqia(status=approved, review_date=today + timedelta(days=31)),
            "draft": make_eqia(status=Status.DRAFT, review_date=today + timedelta(days=3)),
            "no-date": make_eqia(status=approved),
        }
        return {name: a.reference for name, a in made.items()}

    def test_due_and_overdue_reminders_go_once(self, app, eqias, mail, runner):
        first = runner.invoke(args=["send-reminders"])
        assert first.exit_code == 0, first.output
        assert "Queued 3 review reminder(s)" in first.output
        assert "Sent 3 email(s) through smtp" in first.output
        second = runner.invoke(args=["send-reminders"])
        assert second.exit_code == 0, second.output
        assert "Queued 0 review reminder(s)" in second.output

        assert mail.recipients == ["lead@example.org"] * 3
        subjects = sorted(m["Subject"] for _, m, _ in mail.messages)
        today = uk_today()
        in_ten = today + timedelta(days=10)
        assert subjects == sorted(
            [
                f"{eqias['due']} is due for review on {in_ten.day} {in_ten:%B %Y}",
                f"{eqias['due-today']} is due for review on {today.day} {today:%B %Y}",
                f"{eqias['overdue']} is overdue for review",
            ]
        )
        overdue = next(m for _, m, _ in mail.messages if eqias["overdue"] in m["Subject"])
        assert body(overdue).startswith("Dear Lee Lead,\n\n")
        link = f"http://localhost/eqia/{eqias['overdue']}\n"
        assert f"Start the review now from the EqIA's page:\n{link}" in body(overdue)
        keys = sorted(row.dedupe_key for row in outbox())
        overdue_id = Assessment.by_reference(eqias["overdue"]).id
        assert f"review-overdue:{overdue_id}:{today - timedelta(days=3)}" in keys

    def test_a_reminder_becomes_overdue_and_a_new_review_date_is_reminded_again(
        self, app, eqias, mail
    ):
        today = uk_today()
        assert notifications.queue_reminders(today) == 3
        db.session.commit()
        # Eleven days on, two due ones are overdue and the later one is due: once each.
        assert notifications.queue_reminders(today + timedelta(days=11)) == 3
        assert notifications.queue_reminders(today + timedelta(days=12)) == 0
        db.session.commit()
        kinds = {(row.kind, row.assessment_id) for row in outbox()}
        later = Assessment.by_reference(eqias["later"]).id
        assert ("review-due", later) in kinds and len(kinds) == 6
        # A new review date (say, after the review) is reminded about in its turn.
        assessment = Assessment.by_reference(eqias["overdue"])
        assessment.review_date = today + timedelta(days=20)
        db.session.commit()
        assert notifications.queue_reminders(today) == 1
        db.session.commit()
        assert notifications.deliver_due().sent == 7
        assert len(mail.messages) == 7


class NotifyStub(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers["Content-Length"])
        payload = json.loads(self.rfile.read(length))
        self.server.received.append((self.path, dict(self.headers), payload))
        status, answer = self.server.answer
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def notify(app):
    """A real HTTP server standing in for the GOV.UK Notify API."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), NotifyStub)
    server.received = []
    server.answer = (201, {"id": str(uuid.uuid4()), "reference": None, "content": {}})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    service_id, secret = str(uuid.uuid4()), str(uuid.uuid4())
    server.service_id, server.secret = service_id, secret
    server.template_id = str(uuid.uuid4())
    app.config.update(
        NOTIFY_API_KEY=f"eqia_test-{service_id}-{secret}",
        NOTIFY_TEMPLATE_ID=server.template_id,
        NOTIFY_BASE_URL=f"http://127.0.0.1:{server.server_port}",
        MAIL_SERVER="smtp.invalid",  # Notify wins when both are set
    )
    yield server
    server.shutdown()
    server.server_close()
    thread.join(5)


class TestNotify:
    def test_messages_go_through_the_notify_api(self, app, ctx, users, notify):
        assessment = make_eqia()
        actor = User.by_email("super@example.org")
        owner = assessment.owner
        notifications.queue("returned", assessment, [owner], actor=actor, comment=COMMENT)
        db.session.commit()
        assert notifications.deliver_due() == notifications.Delivery(sent=1, failed=0)

        ((path, headers, payload),) = notify.received
        assert path == "/v2/notifications/email"
        (row,) = outbox()
        assert payload == {
            "email_address": "lead@example.org",
            "template_id": notify.template_id,
            "personalisation": {"subject": row.subject, "body": row.body},
            "reference": f"eqia-outbox-{row.id}",
        }
        assert COMMENT in payload["personalisation"]["body"]
        scheme, token = headers["Authorization"].split(" ")
        assert scheme == "Bearer"
        claims = jwt.decode(token, notify.secret, algorithms=["HS256"])
        assert claims["iss"] == notify.service_id
        assert row.sent_at is not None

    def test_an_api_error_is_recorded_and_retried(self, app, ctx, users, notify):
        notify.answer = (
            400,
            {"status_code": 400, "errors": [{"error": "BadRequestError", "message": "Bad email"}]},
        )
        assessment = make_eqia()
        notifications.queue("approved", assessment, [assessment.owner], actor=assessment.owner)
        db.session.commit()
        assert notifications.deliver_due() == notifications.Delivery(sent=0, failed=1)
        (row,) = outbox()
        assert row.sent_at is None and row.attempts == 1
        assert "400" in row.last_error and "Bad email" in row.last_error

        notify.answer = (201, {"id": str(uuid.uuid4())})
        assert notifications.deliver_due(row.next_attempt_at).sent == 1
        assert len(notify.received) == 2


def test_development_and_tests_write_emails_to_the_log(app, ctx, users, caplog):
    assert notifications.backend_name(app.config) == "log"
    assessment = make_eqia()
    notifications.queue("approved", assessment, [assessment.owner], actor=assessment.owner)
    db.session.commit()
    with caplog.at_level("INFO", logger="eqia.notifications"):
        assert notifications.deliver_due().sent == 1
    assert f"Subject: {assessment.reference} has been signed off" in caplog.text
    assert outbox()[0].sent_at is not None


def test_queue_never_commits(app, ctx, users):
    """queue() adds to the session and never commits: the caller's commit decides."""
    assessment = make_eqia()
    notifications.queue(
        "submitted", assessment, [User.by_email("super@example.org")], actor=assessment.owner
    )
    assert db.session.new and not notifications.waiting()
    db.session.commit()
    assert notifications.waiting() == 1


class TestThroughTheReviewPage:
    """Each decision made on the review page reaches the lead's inbox once it has committed."""

    def test_returned_then_approved_each_email_the_lead(
        self, app, clients, users, mail, directorate_id
    ):
        lead, sue = clients["lead"], clients["super_user"]
        ref = ready_to_submit(lead, directorate_id)
        submit_for_sign_off(lead, ref)
        for decision, comment, subject in [
            ("returned", "Please add the consultation dates", "returned with comments"),
            ("approved", "", "signed off"),
        ]:
            page = soup(sue.get(f"/reviews/{ref}"))
            data = {
                "csrf_token": csrf_token(page),
                "revision": page.select_one("input[name=revision]")["value"],
                "decision": decision,
                "comment": comment,
            }
            for radio in page.select("input[type=radio][name^=rating_]"):
                data[radio["name"]] = "acceptable"
            response = sue.post(f"/reviews/{ref}", data=data, buffered=True)
            assert response.status_code == 302
            (message,) = [m for m in mail.to("lead@example.org") if subject in m["Subject"]]
            assert message["Subject"] == f"{ref} has been {subject}"
            if decision == "returned":
                assert "Please add the consultation dates" in body(message)
                submit_for_sign_off(lead, ref)
        with app.app_context():
            assert all(m.sent_at for m in outbox())
