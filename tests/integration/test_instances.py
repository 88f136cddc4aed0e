"""Two instances of the service behind one load balancer: two real gunicorn servers (with
eqia/gunicorn_conf.py, two workers each) on one PostgreSQL database, one Redis and one
SMTP server, reached over plain HTTP as a browser would. Whatever instance a request
lands on, the person sees one service.

PostgreSQL only: SQLite is one file on one machine, never several instances.
"""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from eqia.extensions import db
from eqia.models import Assessment, Decision, Event, EventKind, OutboxMessage, Role, User
from tests import factories
from tests.certificates import PASSPHRASE, make_certificate
from tests.helpers import csrf_token, error_summary, form_token, h1
from tests.integration.test_evidence_files import make_pdf
from tests.integration.test_reconnect import cut_every_connection
from tests.integration.test_sign_off import review_data
from tests.journeys import submitted_eqia
from tests.processes import Gunicorn, free_port, run_at_once
from tests.redis_server import RedisServer
from tests.smtp import smtp_server

INCORRECT = "Email address or password is incorrect"
THROTTLED = "You have tried to sign in too many times. Wait 15 minutes, then try again."
SETTLE_SECONDS = 60


@pytest.fixture(scope="module")
def instances(database_url, reference_rows, tmp_path_factory):
    if not database_url.startswith("postgresql"):
        pytest.skip("several instances share PostgreSQL (EQIA_TEST_DATABASE_URL), never SQLite")
    folder = tmp_path_factory.mktemp("instances")
    (folder / "redis").mkdir()
    redis = RedisServer(folder / "redis", free_port()).start()
    certificate, key = make_certificate("Test County Council EqIA records")
    (folder / "signing.pem").write_bytes(certificate)
    (folder / "signing.key").write_bytes(key)
    settings = {
        "DATABASE_URL": database_url,
        "EQIA_RATELIMIT_STORAGE_URI": redis.url,
        "EQIA_SIGNING_CERT": str(folder / "signing.pem"),
        "EQIA_SIGNING_KEY": str(folder / "signing.key"),
        "EQIA_SIGNING_PASSPHRASE": PASSPHRASE,
        "MAIL_SERVER": "127.0.0.1",
    }
    servers = []
    with smtp_server() as mailbox:
        settings["MAIL_PORT"] = str(mailbox.port)
        try:
            for name in ("one", "two"):
                servers.append(Gunicorn.start(folder / name, **settings))
            for server in servers:
                server.wait_until_ready()
            yield SimpleNamespace(servers=servers, redis=redis, mailbox=mailbox, settings=settings)
        finally:
            for server in servers:
                server.stop()
            redis.stop()


@pytest.fixture(autouse=True)
def fresh(instances, app):
    """Each test starts with no sign-in counts in Redis and nothing received by email (the
    app fixture has emptied the database)."""
    with socket.create_connection(("127.0.0.1", instances.redis.port), timeout=5) as sock:
        sock.sendall(b"FLUSHALL\r\n")
        assert sock.recv(16) == b"+OK\r\n"
    instances.mailbox.messages.clear()
    instances.mailbox.senders.clear()


def parse(response: requests.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def sign_in(session, server, email, password=factories.PASSWORD) -> requests.Response:
    url = server.url + "/auth/sign-in"
    data = {"csrf_token": form_token(parse(session.get(url))), "email": email}
    return session.post(url, data={**data, "password": password}, allow_redirects=False)


def signed_in(server, email, app=None) -> requests.Session:
    """A browser signed in through the form (with the code from their authenticator app,
    read from the suite's database through ``app``, for an admin or super user)."""
    session = requests.Session()
    response = sign_in(session, server, email)
    if response.headers.get("Location", "").startswith("/auth/sign-in/code"):
        with app.app_context():
            code = factories.authenticator_code(email)
        url = server.url + "/auth/sign-in/code"
        data = {"csrf_token": form_token(parse(session.get(url))), "code": code}
        response = session.post(url, data=data, allow_redirects=False)
    assert response.status_code == 302, error_summary(parse(response))
    return session


def test_someone_signed_in_through_one_instance_is_signed_in_on_the_other(instances, users):
    one, two = instances.servers
    session = signed_in(one, users["lead"].email)
    home = session.get(two.url + "/", allow_redirects=False)
    assert home.status_code == 200
    assert h1(parse(home)) == "Hello, Lee Lead"
    # Signing out through the second, with a token from the first's page, ends it on both.
    token = csrf_token(parse(session.get(one.url + "/")))
    signed_out = session.post(two.url + "/auth/sign-out", data={"csrf_token": token})
    assert signed_out.status_code == 200
    assert session.get(one.url + "/", allow_redirects=False).status_code == 302


def test_failed_sign_ins_are_counted_across_instances(instances, users):
    one, two = instances.servers
    email = users["lead"].email
    for attempt in range(5):
        server = (one, two)[attempt % 2]
        response = sign_in(requests.Session(), server, email, "wrong")
        assert error_summary(parse(response)) == [INCORRECT]
    for server in (one, two):  # even the right password now waits, wherever it lands
        response = sign_in(requests.Session(), server, email)
        assert response.status_code == 429
        assert error_summary(parse(response)) == [THROTTLED]


def test_two_super_users_approving_at_once_through_each_instance_record_one_decision(
    app, instances, users, directorate_id
):
    ref = submitted_eqia(app, users["lead"].id, directorate_id)
    with app.app_context():
        factories.make_user("super2@example.org", "Sam Second", {Role.SUPER_USER})
        for email in ("super@example.org", "super2@example.org"):
            factories.give_authenticator(User.by_email(email))
    reviewers = []
    for server, email in zip(
        instances.servers, ["super@example.org", "super2@example.org"], strict=True
    ):
        session = signed_in(server, email, app)
        page = parse(session.get(f"{server.url}/reviews/{ref}"))
        reviewers.append((session, f"{server.url}/reviews/{ref}", review_data(page, "approved")))
    both_ready = threading.Barrier(2, timeout=30)

    def approve(reviewer) -> requests.Response:
        session, url, data = reviewer
        both_ready.wait()
        return session.post(url, data=data, allow_redirects=False)

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(approve, reviewers))
    assert sorted(r.status_code for r in responses) == [302, 409]
    refused = next(r for r in responses if r.status_code == 409)
    assert h1(parse(refused)) == "This EqIA has already been decided"
    assert "Your decision has not been recorded." in refused.text
    with app.app_context():
        assessment_id = Assessment.by_reference(ref).id
        decisions = select(Decision).where(Decision.assessment_id == assessment_id)
        assert len(db.session.scalars(decisions).all()) == 1
        approvals = select(Event).where(
            Event.assessment_id == assessment_id, Event.kind == EventKind.APPROVED
        )
        assert len(db.session.scalars(approvals).all()) == 1


def test_each_email_is_sent_once_by_whichever_instance_or_cron_job_takes_it(
    app, instances, users, directorate_id
):
    approved = submitted_eqia(app, users["lead"].id, directorate_id, title="Library hours")
    returned = submitted_eqia(app, users["lead"].id, directorate_id, title="Bus routes")
    one, two = instances.servers
    with app.app_context():
        factories.give_authenticator(db.session.get(User, users["super_user"].id))
    decisions = [(one, approved, "approved", ""), (two, returned, "returned", "Say who uses it")]
    for server, ref, decision, comment in decisions:
        session = signed_in(server, users["super_user"].email, app)
        url = f"{server.url}/reviews/{ref}"
        data = review_data(parse(session.get(url)), decision, comment)
        assert session.post(url, data=data, allow_redirects=False).status_code == 302
    # Each instance sends its decision's email after its response; meanwhile cron sends the
    # rest (the submissions' emails, written outside any request).
    run_at_once(
        ["flask", "--app", "eqia", "send-notifications"],
        copies=1,
        **{k: v for k, v in instances.settings.items() if k.startswith(("DATABASE", "MAIL"))},
    )
    with app.app_context():
        deadline = time.monotonic() + SETTLE_SECONDS
        while time.monotonic() < deadline:
            unsent = select(func.count()).where(OutboxMessage.sent_at.is_(None))
            if db.session.scalar(unsent) == 0:
                break
            db.session.rollback()
            time.sleep(0.1)
        rows = list(db.session.scalars(select(OutboxMessage)))
    assert {row.kind for row in rows} == {"submitted", "approved", "returned"}
    assert all(row.sent_at is not None and row.attempts == 1 for row in rows)
    assert instances.mailbox.outbox_ids() == dict.fromkeys((row.id for row in rows), 1)


def test_after_every_database_connection_is_cut_both_instances_still_answer(
    instances, users, database_url
):
    session = signed_in(instances.servers[0], users["lead"].email)
    for _ in range(3):
        for server in instances.servers:
            assert session.get(server.url + "/").status_code == 200
    assert cut_every_connection(database_url) >= 2
    for _ in range(4):  # more requests than workers: every worker's pool is tried
        for server in instances.servers:
            assert session.get(server.url + "/", allow_redirects=False).status_code == 200
            assert requests.get(server.url + "/healthz", timeout=30).json()["database"] == "ok"


def test_the_access_log_carries_each_request_id(instances):
    one = instances.servers[0]
    given = requests.get(
        one.url + "/healthz/live?q=private", headers={"X-Request-Id": "lb-42"}, timeout=30
    )
    assert given.headers["X-Request-Id"] == "lb-42"
    made = requests.get(one.url + "/healthz/live", timeout=30).headers["X-Request-Id"]
    expected = [f"request_id={request_id}" for request_id in ("lb-42", made)]
    deadline = time.monotonic() + SETTLE_SECONDS  # gunicorn logs once the response is sent
    while time.monotonic() < deadline:
        lines = one.log("access.log").splitlines()
        ends = [line.rsplit(" ", 1)[-1] for line in lines if "/healthz/live" in line]
        if all(end in ends for end in expected):
            break
        time.sleep(0.05)
    assert all(end in ends for end in expected)
    assert '"GET /healthz/live HTTP/1.1" 200' in one.log("access.log")
    assert "private" not in one.log("access.log")  # paths, never query strings


def test_an_evidence_file_uploaded_through_one_instance_downloads_through_the_other(
    app, instances, users
):
    with app.app_context():
        ref = factories.make_assessment(db.session.get(User, users["lead"].id)).reference
    one, two = instances.servers
    session = signed_in(one, users["lead"].email)
    url = f"/eqia/{ref}/evidence/files"
    token = form_token(parse(session.get(one.url + url)))
    pdf = make_pdf()
    uploaded = session.post(
        one.url + url,
        data={"csrf_token": token},
        files={"file": ("Library usage 2024.pdf", pdf, "application/pdf")},
        allow_redirects=False,
    )
    assert uploaded.status_code == 302
    link = parse(session.get(one.url + url)).select_one("#evidence-files a[href*='/files/']")
    download = session.get(two.url + link["href"])
    assert download.status_code == 200
    assert download.content == pdf
