"""The security log: a JSON line on standard error for each event the council's log
collector watches for, carrying the request id the response carries, and never a secret."""

import hashlib
import json
import re

import pytest
from flask_login import login_user

from eqia.extensions import db
from eqia.models import Role, User
from tests import factories
from tests.conftest import sign_in_as
from tests.helpers import form_token, soup, submit
from tests.integration.test_evidence_files import make_pdf
from tests.integration.test_records import approved_now, download, outcome, verify_page

TYPED_PASSWORD = "Zebra-Lantern-9431-typed"


class SecurityLog:
    """What has reached standard error, read as the log collector reads it."""

    def __init__(self, capsys):
        self.capsys = capsys
        self.text = ""

    def events(self, name: str | None = None) -> list[dict]:
        self.text += self.capsys.readouterr().err
        lines = [line for line in self.text.splitlines() if line.startswith("{")]
        events = [json.loads(line) for line in lines]  # every line is one JSON object
        return [e for e in events if name is None or e["event"] == name]

    def one(self, name: str) -> dict:
        found = self.events(name)
        assert len(found) == 1, f"{name}: {found}"
        return found[0]


@pytest.fixture
def security_log(capsys):
    capsys.readouterr()
    return SecurityLog(capsys)


@pytest.fixture
def person(app):
    with app.app_context():
        return factories.make_user(email="priya.shah@example.org", name="Priya Shah").id


def sign_in(client, email, password=factories.PASSWORD):
    return submit(client, "/auth/sign-in", {"email": email, "password": password})


def test_a_failed_sign_in_names_the_account_and_never_the_password(client, person, security_log):
    token = form_token(soup(client.get("/auth/sign-in")))
    response = client.post(
        "/auth/sign-in",
        data={"csrf_token": token, "email": "Priya.Shah@example.org", "password": TYPED_PASSWORD},
    )
    event = security_log.one("sign_in.failed")
    assert event["account_id"] == person
    assert event["email"] == "priya.shah@example.org"
    assert event["user_id"] is None
    assert event["address"] == "127.0.0.1"
    assert (event["method"], event["path"]) == ("POST", "/auth/sign-in")
    assert event["request_id"] == response.headers["X-Request-Id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", event["time"])
    assert TYPED_PASSWORD not in security_log.text
    assert token not in security_log.text


def test_an_unknown_address_is_logged_only_as_a_keyed_hash(client, person, security_log):
    """What was typed into the email field may be someone's password."""
    typed = "correct.horse.battery@staple.example"
    sign_in(client, typed, TYPED_PASSWORD)
    sign_in(client, typed.upper(), "another wrong password")
    first, second = security_log.events("sign_in.failed")
    assert "email" not in first and "account_id" not in first
    assert re.fullmatch(r"[0-9a-f]{32}", first["email_hash"])
    assert second["email_hash"] == first["email_hash"]  # attempts at one address add up
    assert first["email_hash"] != hashlib.sha256(typed.encode()).hexdigest()[:32]
    assert "correct.horse" not in security_log.text
    assert TYPED_PASSWORD not in security_log.text


def test_a_successful_sign_in_names_the_person(client, person, security_log):
    response = sign_in(client, "priya.shah@example.org")
    event = security_log.one("sign_in.succeeded")
    assert event["user_id"] == person
    assert event["request_id"] == response.headers["X-Request-Id"]
    assert factories.PASSWORD not in security_log.text
    assert security_log.events("sign_in.failed") == []


def test_a_throttled_sign_in_is_logged(client, person, security_log):
    for _ in range(5):
        sign_in(client, "priya.shah@example.org", "wrong")
    sign_in(client, "priya.shah@example.org")  # the right password, but too late
    assert len(security_log.events("sign_in.failed")) == 5
    assert security_log.one("sign_in.throttled")["account_id"] == person
    assert security_log.events("sign_in.succeeded") == []


def test_a_refused_page_is_logged_with_who_asked(clients, users, security_log):
    response = clients["lead"].get("/admin/users")
    assert response.status_code == 403
    event = security_log.one("access.refused")
    assert event["user_id"] == users["lead"].id
    assert (event["path"], event["endpoint"]) == ("/admin/users", "admin.users")
    assert event["request_id"] == response.headers["X-Request-Id"]


def test_a_refused_eqia_is_logged(app, ref, security_log):
    """A colleague who is not an author may not read a draft (the read-access table)."""
    with app.app_context():
        colleague = factories.make_user(email="colleague@example.org").id
    client = app.test_client()
    sign_in_as(client, colleague)
    assert client.get(f"/eqia/{ref}").status_code == 403
    event = security_log.one("access.refused")
    assert (event["user_id"], event["path"]) == (colleague, f"/eqia/{ref}")


def test_a_form_without_its_csrf_token_is_logged(clients, users, security_log):
    assert clients["lead"].post("/auth/sign-out").status_code == 400
    event = security_log.one("csrf.refused")
    assert event["user_id"] == users["lead"].id
    assert event["reason"] == "The CSRF token is missing."


def test_exports_are_logged_with_what_was_asked_for(clients, users, security_log):
    assert clients["auditor"].get("/records/export.zip?approved_from=2026-01-01").status_code
    assert clients["auditor"].get("/records/register.csv?q=library").status_code == 200
    assert clients["admin"].get("/plan/export.xlsx").status_code == 200
    zipped, register, plan = security_log.events("data.exported")
    assert zipped["what"] == "signed-records"
    assert zipped["filters"] == {"approved_from": "2026-01-01"}
    assert zipped["file"].endswith(".zip")
    assert zipped["user_id"] == users["auditor"].id
    assert (register["what"], register["filters"]) == ("register", {"text": "library"})
    assert plan["what"] == "action-plan"
    assert plan["file"].endswith(".xlsx")
    assert plan["user_id"] == users["admin"].id


def test_the_command_line_export_is_logged(runner, tmp_path, security_log):
    result = runner.invoke(args=["export", "--out", str(tmp_path / "all.zip")])
    assert result.exit_code == 0, result.output
    event = json.loads(result.stderr.splitlines()[-1])
    assert event["event"] == "data.exported"
    assert (event["what"], event["count"], event["file"]) == (
        "signed-records",
        0,
        str(tmp_path / "all.zip"),
    )
    assert event["request_id"] is None and event["user_id"] is None


def test_a_verify_upload_is_logged_with_its_hash_not_its_contents(
    app, clients, users, security_log
):
    record = download(clients["auditor"], approved_now(app, users)).data
    assert outcome(verify_page(clients["lead"], record)) == "valid"
    other = make_pdf("Not a record, but a secret plan")
    assert outcome(verify_page(clients["lead"], other)) == "not-signed"
    genuine, not_signed = security_log.events("record.verified")
    assert genuine["genuine"] is True
    assert genuine["outcome"] == "valid"
    assert genuine["sha256"] == hashlib.sha256(record).hexdigest()
    assert genuine["user_id"] == users["lead"].id
    assert (not_signed["genuine"], not_signed["outcome"]) == (False, "not-signed")
    assert not_signed["sha256"] == hashlib.sha256(other).hexdigest()
    assert "secret plan" not in security_log.text


LEAD = {
    "email": "lead@example.org",
    "name": "Lee Lead",
    "job_title": "Officer",
    "directorate_id": "0",
    "roles": [],
    "password": "",
    "active": "y",
}


def test_a_role_change_is_logged_once_saved(clients, users, security_log):
    url = f"/admin/users/{users['lead'].id}"
    submit(clients["admin"], url, {**LEAD, "roles": ["auditor", "super_user"]})
    event = security_log.one("role.changed")
    assert event["user_id"] == users["admin"].id
    assert event["subject_id"] == users["lead"].id
    assert (event["roles_before"], event["roles_after"]) == ([], ["auditor", "super_user"])
    submit(clients["admin"], url, {**LEAD, "roles": ["auditor"], "name": ""})  # refused: no name
    assert len(security_log.events("role.changed")) == 1


def test_a_change_rolled_back_is_never_logged(app, users, security_log):
    with app.test_request_context("/admin/users", method="POST"):
        login_user(db.session.get(User, users["admin"].id))
        lead = db.session.get(User, users["lead"].id)
        lead.roles = {Role.AUDITOR}
        db.session.flush()  # the audit listener has seen it
        db.session.rollback()
        lead.roles = {Role.SUPER_USER}
        db.session.commit()
    assert [e["roles_after"] for e in security_log.events("role.changed")] == [["super_user"]]


def test_nobody_is_logged_changing_their_own_roles_when_refused(clients, users, security_log):
    url = f"/admin/users/{users['admin'].id}"
    submit(clients["admin"], url, {**LEAD, "email": "admin@example.org", "roles": ["auditor"]})
    assert security_log.events("role.changed") == []


def test_an_admin_adding_and_resetting_accounts_is_logged(app, clients, users, security_log):
    new = {**LEAD, "email": "jo@example.org", "roles": ["auditor"], "password": TYPED_PASSWORD}
    submit(clients["admin"], "/admin/users/new", new)
    with app.app_context():
        jo = User.by_email("jo@example.org")
        jo_id, password_hash = jo.id, jo.password_hash
    created = security_log.one("account.created")
    assert (created["subject_id"], created["roles"]) == (jo_id, ["auditor"])
    submit(
        clients["admin"],
        f"/admin/users/{jo_id}",
        {**new, "password": "a different long password", "active": ""},
    )
    assert security_log.one("password.reset")["subject_id"] == jo_id
    assert security_log.one("account.deactivated")["subject_id"] == jo_id
    for secret in (TYPED_PASSWORD, "a different long password", password_hash):
        assert secret not in security_log.text


def test_changing_your_own_password_is_logged(app, clients, users, security_log):
    new = "heron quarry lantern 1987"
    data = {"current_password": factories.PASSWORD, "new_password": new, "confirm_password": new}
    assert submit(clients["lead"], "/auth/account", data).location == "/auth/account"
    event = security_log.one("password.changed")
    assert event["user_id"] == event["subject_id"] == users["lead"].id
    assert security_log.events("password.reset") == []
    with app.app_context():
        password_hash = db.session.get(User, users["lead"].id).password_hash
    for secret in (new, factories.PASSWORD, password_hash):
        assert secret not in security_log.text


@pytest.mark.parametrize(
    "incoming, kept",
    [
        ("lb-7f3a9c2e-0001", True),
        ("Root=1-67891233-abcdef012345678912345678", True),
        ("two words", False),
        ('a"quote', False),
        ("x" * 129, False),
        ("", False),
    ],
)
def test_a_request_id_from_the_proxy_is_kept_only_if_it_is_a_plain_token(
    client, security_log, incoming, kept
):
    response = client.get("/no-such-page", headers={"X-Request-Id": incoming})
    request_id = response.headers["X-Request-Id"]
    if kept:
        assert request_id == incoming
    else:
        assert re.fullmatch(r"[0-9a-f]{32}", request_id)


def test_every_response_has_its_own_request_id(client):
    first, second = (client.get("/auth/sign-in").headers["X-Request-Id"] for _ in range(2))
    assert first != second
