"""Authenticator apps: setting one up, the code after the password (never twice), recovery
codes, who must use one, and signing in while local passwords are off."""

import re
import time

import pytest
from sqlalchemy import select

from eqia.auth import mfa, second_factor
from eqia.auth.mfa_routes import TOO_LATE, WRONG_CODE, WRONG_RECOVERY_CODE
from eqia.auth.throttle import THROTTLED
from eqia.extensions import db
from eqia.models import Event, RecoveryCode, Role, User
from eqia.settings import SignInPolicy
from tests import factories
from tests.helpers import (
    banners,
    csrf_token,
    error_summary,
    form_token,
    h1,
    manual_key,
    set_up_authenticator,
    soup,
    submit,
    text,
)
from tests.integration.test_security_log import SecurityLog

INCORRECT = ["Email address or password is incorrect"]
CODE_PAGE = "/auth/sign-in/code"
SET_UP_PAGE = "/auth/sign-in/set-up-authenticator"
BREAK_GLASS_PAGE = "/auth/sign-in/break-glass"
ISSUER = "EqIA Cambridgeshire County Council"


@pytest.fixture
def security_log(capsys):
    capsys.readouterr()
    return SecurityLog(capsys)


def make_person(email: str, roles=(), authenticator=False, break_glass=False) -> int:
    user = factories.make_user(email=email, name=email.split("@")[0], roles=set(roles))
    user.break_glass = break_glass
    db.session.commit()
    if authenticator:
        factories.give_authenticator(user)
    return user.id


@pytest.fixture
def people(app):
    with app.app_context():
        return {
            "lead": make_person("lead@example.org"),
            "auditor": make_person("auditor@example.org", [Role.AUDITOR]),
            "super_user": make_person("super@example.org", [Role.SUPER_USER]),
            "admin": make_person("admin@example.org", [Role.ADMIN], authenticator=True),
            "new_admin": make_person("new.admin@example.org", [Role.ADMIN]),
            "break_glass": make_person(
                "glass@example.org", [Role.ADMIN], authenticator=True, break_glass=True
            ),
        }


def password(client, email: str, url: str = "/auth/sign-in", pw: str = factories.PASSWORD):
    return submit(client, url, {"email": email, "password": pw})


def sign_out(client) -> None:
    client.post("/auth/sign-out", data={"csrf_token": csrf_token(soup(client.get("/")))})


def send_code(client, code: str, url: str = CODE_PAGE):
    return submit(client, url, {"code": code})


def code_for(app, email: str) -> str:
    with app.app_context():
        return factories.authenticator_code(email)


def wrong_code(app, email: str) -> str:
    """A six-digit code that is not any of the ones the service would accept now."""
    with app.app_context():
        secret = User.by_email(email).totp_secret
    step = mfa.current_step()
    right = {mfa.code_at(secret, s) for s in range(step - 2, step + 3)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in right)


def signed_in_as(client) -> str | None:
    response = client.get("/auth/account")
    if response.status_code != 200:
        return None
    rows = soup(response).select(".govuk-summary-list__row")
    shown = {text(r.select_one("dt")): text(r.select_one("dd")) for r in rows}
    return shown["Email address"]


def policy(app, **values) -> None:
    with app.app_context():
        SignInPolicy(**values).save(None)
        db.session.commit()


# --- setting one up ---------------------------------------------------------------------------


def test_setting_one_up_shows_the_qr_code_and_key_and_keeps_it_when_a_code_is_wrong(
    app, client, people, security_log
):
    response = password(client, "super@example.org")
    assert response.location == SET_UP_PAGE
    page = soup(client.get(SET_UP_PAGE))
    assert h1(page) == "Set up an authenticator app"
    svg = page.select_one(".eqia-qr-code svg")
    assert svg["role"] == "img"
    assert text(svg.title) == f"QR code for adding {ISSUER} to your authenticator app"
    assert svg.select("path")
    shown_key = text(page.select_one(".eqia-manual-key"))
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", shown_key)
    details = text(page.select_one(".govuk-summary-list"))
    assert "Account super@example.org" in details
    assert f"Issuer {ISSUER}" in details
    assert page.select("main script") == []  # nothing here needs JavaScript
    # a wrong code: an error, the same key, nothing kept, not signed in
    key = manual_key(page)
    step = mfa.current_step()
    right = {mfa.code_at(key, s) for s in range(step - 2, step + 3)}
    wrong = next(c for c in ("000000", "123456", "999999") if c not in right)
    response = send_code(client, wrong, SET_UP_PAGE)
    page = soup(response)
    assert error_summary(page) == [WRONG_CODE]
    assert page.title.text.startswith("Error:")
    assert page.select_one("input[name=code]")["value"] == wrong
    assert manual_key(page) == key
    with app.app_context():
        assert not db.session.get(User, people["super_user"]).has_totp
    assert signed_in_as(client) is None
    # the right code: kept, ten recovery codes shown once, signed in
    response = send_code(client, mfa.code_at(key, mfa.current_step()), SET_UP_PAGE)
    page = soup(response)
    assert h1(page) == "Save your recovery codes"
    codes = [text(li) for li in page.select(".eqia-recovery-codes li")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", c) for c in codes)
    assert page.select_one("a.govuk-button")["href"] == "/"
    assert page.select_one("a[download]")["href"].startswith("data:text/plain")
    assert signed_in_as(client) == "super@example.org"
    with app.app_context():
        user = db.session.get(User, people["super_user"])
        assert user.has_totp and user.totp_secret == key
        hashes = db.session.scalars(
            select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)
        ).all()
    assert sorted(hashes) == sorted(mfa.recovery_hash(c) for c in codes)
    assert not set(codes) & set(hashes)
    assert security_log.one("mfa.set_up")["subject_id"] == people["super_user"]
    assert security_log.one("mfa.failed")["factor"] == "set-up"


# --- the code after the password ---------------------------------------------------------------


def test_signing_in_with_a_code_keeps_where_they_were_going(app, client, people, security_log):
    response = password(client, "admin@example.org", "/auth/sign-in?next=/admin/users")
    assert response.location == "/auth/sign-in/code?next=/admin/users"
    with client.session_transaction() as session:
        assert set(session) == {"pending_sign_in"}
        assert session["pending_sign_in"]["user_id"] == people["admin"]
    assert signed_in_as(client) is None
    page = soup(client.get(response.location))
    assert h1(page) == "Enter the code from your authenticator app"
    assert page.select_one("a[href='/auth/sign-in/recovery-code?next=/admin/users']")
    response = send_code(
        client, code_for(app, "admin@example.org"), "/auth/sign-in/code?next=/admin/users"
    )
    assert response.location == "/admin/users"
    with client.session_transaction() as session:
        assert "pending_sign_in" not in session
    assert signed_in_as(client) == "admin@example.org"
    assert security_log.one("mfa.succeeded")["factor"] == "authenticator"
    assert security_log.one("sign_in.succeeded")["user_id"] == people["admin"]


def test_a_code_is_never_accepted_twice(app, client, people, security_log):
    password(client, "admin@example.org")
    code = code_for(app, "admin@example.org")
    assert send_code(client, code).location == "/"
    sign_out(client)
    password(client, "admin@example.org")
    page = soup(send_code(client, code))
    assert error_summary(page) == [WRONG_CODE]
    assert signed_in_as(client) is None
    assert security_log.one("mfa.failed")["account_id"] == people["admin"]
    with app.app_context():
        # nor any code of an earlier step
        last = db.session.get(User, people["admin"]).totp_last_step
        earlier = mfa.code_at(User.by_email("admin@example.org").totp_secret, last - 1)
    assert error_summary(soup(send_code(client, earlier))) == [WRONG_CODE]


def test_wrong_codes_count_towards_the_sign_in_limit(app, client, people, security_log):
    password(client, "admin@example.org")  # the first of five tries in 15 minutes
    for _ in range(4):
        page = soup(send_code(client, wrong_code(app, "admin@example.org")))
        assert error_summary(page) == [WRONG_CODE]
    response = send_code(client, code_for(app, "admin@example.org"))  # right, but too late
    assert response.status_code == 429
    assert error_summary(soup(response)) == [THROTTLED]
    assert signed_in_as(client) is None
    assert len(security_log.events("mfa.failed")) == 4
    assert security_log.one("sign_in.throttled")["account_id"] == people["admin"]
    # and the password form is limited by the same count
    assert password(client, "admin@example.org").status_code == 429


def test_a_right_code_clears_the_count_as_a_right_password_does(app, client, people):
    password(client, "admin@example.org")
    for _ in range(3):
        send_code(client, wrong_code(app, "admin@example.org"))
    assert send_code(client, code_for(app, "admin@example.org")).location == "/"
    sign_out(client)
    password(client, "admin@example.org")
    for _ in range(3):
        send_code(client, wrong_code(app, "admin@example.org"))
    assert send_code(client, code_for(app, "admin@example.org")).location == "/"


def test_a_recovery_code_works_once(app, client, people, security_log):
    with app.app_context():
        codes = second_factor.replace_recovery_codes(db.session.get(User, people["admin"]))
        db.session.commit()
    password(client, "admin@example.org")
    url = "/auth/sign-in/recovery-code"
    assert h1(soup(client.get(url))) == "Enter a recovery code"
    response = send_code(client, codes[0].upper().replace("-", " "), url)
    assert response.location == "/"
    assert "You have 9 recovery codes left" in " ".join(banners(soup(client.get("/"))))
    used = security_log.one("mfa.recovery_code_used")
    assert (used["account_id"], used["remaining"]) == (people["admin"], 9)
    sign_out(client)
    password(client, "admin@example.org")
    page = soup(send_code(client, codes[0], url))
    assert error_summary(page) == [WRONG_RECOVERY_CODE]
    assert signed_in_as(client) is None
    assert security_log.events("mfa.failed")[-1]["factor"] == "recovery-code"
    with app.app_context():
        rows = db.session.scalars(select(RecoveryCode).where(RecoveryCode.used_at.isnot(None)))
        assert [row.code_hash for row in rows] == [mfa.recovery_hash(codes[0])]


# --- who must use one --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email, everyone, expected",
    [
        ("super@example.org", False, SET_UP_PAGE),
        ("new.admin@example.org", False, SET_UP_PAGE),
        ("lead@example.org", False, "/"),
        ("auditor@example.org", False, "/"),
        ("lead@example.org", True, SET_UP_PAGE),
        ("auditor@example.org", True, SET_UP_PAGE),
        ("admin@example.org", False, CODE_PAGE),
    ],
)
def test_who_must_set_up_an_authenticator_app(app, client, people, email, everyone, expected):
    policy(app, mfa_for_everyone=everyone)
    assert password(client, email).location == expected
    assert (signed_in_as(client) is not None) == (expected == "/")


def test_someone_who_chose_an_app_enters_its_code(app, client, people):
    with app.app_context():
        factories.give_authenticator(db.session.get(User, people["lead"]))
    assert password(client, "lead@example.org").location == CODE_PAGE


def test_the_pending_sign_in_lasts_ten_minutes(app, client, people):
    password(client, "admin@example.org")
    with client.session_transaction() as session:
        session["pending_sign_in"] = {
            **session["pending_sign_in"],
            "started": time.time() - second_factor.PENDING_SECONDS - 1,
        }
    response = client.get(CODE_PAGE)
    assert response.location == "/auth/sign-in"
    assert TOO_LATE in banners(soup(client.get("/auth/sign-in")))
    with client.session_transaction() as session:
        assert "pending_sign_in" not in session
    # a right code is no use now
    page = soup(client.get("/auth/sign-in"))
    response = client.post(
        CODE_PAGE,
        data={"csrf_token": form_token(page), "code": code_for(app, "admin@example.org")},
    )
    assert response.location == "/auth/sign-in"
    assert signed_in_as(client) is None


# --- local passwords off ------------------------------------------------------------------------


def test_with_local_passwords_off_the_sign_in_page_has_no_password_form(app, client, people):
    policy(app, local_passwords=False)
    page = soup(client.get("/auth/sign-in"))
    assert page.select("input[type=password]") == []
    assert page.select("main form") == []
    link = page.find("a", string="Sign in with a break-glass admin account")
    assert link["href"] == BREAK_GLASS_PAGE
    page = soup(client.get(BREAK_GLASS_PAGE))
    assert h1(page) == "Sign in with a break-glass admin account"
    assert page.select_one("input[type=password]")


@pytest.mark.parametrize("url", ["/auth/sign-in", BREAK_GLASS_PAGE])
@pytest.mark.parametrize("email", ["lead@example.org", "admin@example.org"])
def test_with_local_passwords_off_only_break_glass_admins_may_use_one(
    app, client, people, security_log, url, email
):
    policy(app, local_passwords=False)
    # the sign-in page has no form now, but a password sent to it is refused just the same
    token = form_token(soup(client.get(BREAK_GLASS_PAGE)))
    data = {"csrf_token": token, "email": email, "password": factories.PASSWORD}
    response = client.post(url, data=data)
    assert error_summary(soup(response)) == INCORRECT
    refused = security_log.one("sign_in.refused")
    assert (refused["reason"], refused["email"]) == ("local passwords off", email)
    assert signed_in_as(client) is None
    with client.session_transaction() as session:
        assert "pending_sign_in" not in session


def test_a_break_glass_admin_signs_in_with_a_password_and_a_code(app, client, people):
    policy(app, local_passwords=False)
    response = password(client, "glass@example.org", BREAK_GLASS_PAGE)
    assert response.location == CODE_PAGE
    assert send_code(client, code_for(app, "glass@example.org")).location == "/"
    assert signed_in_as(client) == "glass@example.org"


def test_a_break_glass_admin_sets_an_app_up_first_and_stops_when_no_longer_one(app, people):
    policy(app, local_passwords=False)
    with app.app_context():
        glass = db.session.get(User, people["break_glass"])
        second_factor.remove(glass)
        db.session.commit()
    client = app.test_client()
    assert password(client, "glass@example.org", BREAK_GLASS_PAGE).location == SET_UP_PAGE
    with app.app_context():
        db.session.get(User, people["break_glass"]).break_glass = False
        db.session.commit()
    # between the password and the code they stopped being one: back to sign in
    assert client.get(SET_UP_PAGE).location == "/auth/sign-in"


def test_with_local_passwords_on_the_break_glass_page_is_the_sign_in_page(client, people):
    assert client.get(BREAK_GLASS_PAGE).location == "/auth/sign-in"


# --- admins and the account page ---------------------------------------------------------------

PERSON_FORM = {
    "email": "new.admin@example.org",
    "name": "New Admin",
    "job_title": "Officer",
    "directorate_id": "0",
    "password": "",
    "active": "y",
}


def admin_client(app, people):
    from tests.conftest import sign_in_as

    client = app.test_client()
    sign_in_as(client, people["admin"])
    return client


def last_note(app) -> str:
    with app.app_context():
        return db.session.scalars(select(Event.note).order_by(Event.seq.desc())).first()


def test_break_glass_is_only_for_admins(app, people):
    client = admin_client(app, people)
    url = f"/admin/users/{people['new_admin']}"
    page = soup(submit(client, url, {**PERSON_FORM, "roles": ["auditor"], "break_glass": "y"}))
    assert error_summary(page) == ["Select the admin role for a break-glass account"]
    with app.app_context():
        assert not db.session.get(User, people["new_admin"]).break_glass
    response = submit(client, url, {**PERSON_FORM, "roles": ["admin"], "break_glass": "y"})
    assert response.location == "/admin/users"
    with app.app_context():
        assert db.session.get(User, people["new_admin"]).break_glass
    assert "Break-glass account: no → yes" in last_note(app)


def test_an_admin_removes_someones_authenticator_app(app, people):
    with app.app_context():
        factories.give_authenticator(db.session.get(User, people["super_user"]))
    client = admin_client(app, people)
    url = f"/admin/users/{people['super_user']}"
    form = {**PERSON_FORM, "email": "super@example.org", "roles": ["super_user"]}
    assert soup(client.get(url)).select_one("input[name=remove_authenticator]")
    assert submit(client, url, {**form, "remove_authenticator": "y"}).location == "/admin/users"
    assert "Authenticator app: set up → none" in last_note(app)
    with app.app_context():
        assert not db.session.get(User, people["super_user"]).has_totp
    assert password(app.test_client(), "super@example.org").location == SET_UP_PAGE


def test_the_account_page_sets_up_and_replaces_an_app_and_its_recovery_codes(app, people):
    from tests.conftest import sign_in_as

    client = app.test_client()
    sign_in_as(client, people["lead"])
    page = soup(client.get("/auth/account"))
    assert page.find("a", string=re.compile("Set up an authenticator app"))
    url = "/auth/account/authenticator"
    first_key, response = set_up_authenticator(client, url, current_password=factories.PASSWORD)
    first_codes = [text(li) for li in soup(response).select(".eqia-recovery-codes li")]
    assert len(first_codes) == 10
    page = soup(client.get("/auth/account"))
    assert "You have 10 recovery codes left" in text(page)
    response = submit(
        client, "/auth/account/recovery-codes", {"current_password": factories.PASSWORD}
    )
    new_codes = [text(li) for li in soup(response).select(".eqia-recovery-codes li")]
    assert len(new_codes) == 10 and not set(new_codes) & set(first_codes)
    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert sorted(hashes) == sorted(mfa.recovery_hash(c) for c in new_codes)
    second_key, _ = set_up_authenticator(client, url, current_password=factories.PASSWORD)
    assert second_key != first_key
    with app.app_context():
        assert db.session.get(User, people["lead"]).totp_secret == second_key
    assert "Authenticator app: replaced" in last_note(app)


@pytest.mark.parametrize("url", ["/auth/account/authenticator", "/auth/account/recovery-codes"])
def test_the_account_page_asks_for_the_password_before_a_new_second_factor(app, people, url):
    """A session left open is not enough to take over someone's authenticator app."""
    from tests.conftest import sign_in_as

    with app.app_context():
        factories.give_authenticator(db.session.get(User, people["lead"]))
        before = db.session.get(User, people["lead"]).totp_secret
    client = app.test_client()
    sign_in_as(client, people["lead"])
    for password in ("", "not my password"):
        if url.endswith("authenticator"):
            _key, response = set_up_authenticator(client, url, current_password=password)
        else:
            response = submit(client, url, {"current_password": password})
        assert response.status_code == 200
        assert error_summary(soup(response)) == [
            "Enter your password" if not password else "Your password is incorrect"
        ]
        assert soup(response).select(".eqia-recovery-codes li") == []
    with app.app_context():
        assert db.session.get(User, people["lead"]).totp_secret == before
        assert db.session.scalars(select(RecoveryCode.code_hash)).all() == []


def test_an_account_without_a_password_is_not_offered_one(app, people):
    from tests.conftest import sign_in_as

    with app.app_context():
        db.session.get(User, people["lead"]).password_hash = ""
        db.session.commit()
    client = app.test_client()
    sign_in_as(client, people["lead"])
    page = soup(client.get("/auth/account"))
    assert page.select("input[type=password]") == []
    assert "Change your password" not in text(page)
    assert "Authenticator app" not in text(page)
    assert client.get("/auth/account/authenticator").status_code == 404


def test_with_local_passwords_off_the_account_page_takes_no_password(app, people):
    from tests.conftest import sign_in_as

    policy(app, local_passwords=False)
    client = app.test_client()
    sign_in_as(client, people["lead"])  # as single sign-on would have
    page = soup(client.get("/auth/account"))
    assert page.select("input[type=password]") == []
    data = {
        "csrf_token": csrf_token(page),
        "current_password": factories.PASSWORD,
        "new_password": "a brand new passphrase",
        "confirm_password": "a brand new passphrase",
    }
    assert client.post("/auth/account", data=data).status_code == 403
    with app.app_context():
        assert db.session.get(User, people["lead"]).check_password(factories.PASSWORD)


# --- the demo ----------------------------------------------------------------------------------


KEY_LINE = re.compile(r"^  (\S+@example\.org)\s+key ([A-Z2-7 ]+)$", re.M)


def test_seed_demo_prints_the_admins_and_super_users_keys_and_keeps_them(app, runner):
    first = runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    assert first.exit_code == 0, first.output
    again = runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    keys = dict(KEY_LINE.findall(again.output))
    assert sorted(keys) == [
        "admin@example.org",
        "superuser2@example.org",
        "superuser@example.org",
    ]
    assert keys == dict(KEY_LINE.findall(first.output))
    with app.app_context():
        for email, key in keys.items():
            assert User.by_email(email).totp_secret == key.replace(" ", "")
        assert User.by_email("admin@example.org").break_glass
        assert not User.by_email("lead@example.org").has_totp


def test_demo_code_prints_the_code_the_app_shows(app, runner):
    runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    result = runner.invoke(args=["demo-code", "Admin@Example.org"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        secret = User.by_email("admin@example.org").totp_secret
    step = mfa.current_step()
    assert result.output.strip() in {mfa.code_at(secret, step - 1), mfa.code_at(secret, step)}
    assert runner.invoke(args=["demo-code", "lead@example.org"]).exit_code != 0


def test_demo_code_is_refused_in_production(app, runner):
    runner.invoke(args=["seed-demo", "--password", "a long demo password"])
    app.config["PRODUCTION"] = True
    result = runner.invoke(args=["demo-code", "admin@example.org"])
    assert result.exit_code != 0
    assert "refused under the production configuration" in result.output
