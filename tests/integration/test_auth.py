import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select

from eqia import create_app
from eqia.extensions import db
from eqia.models import User
from eqia.passwords import COMMON
from tests import factories
from tests.helpers import (
    CheckedClient,
    csrf_token,
    error_summary,
    form_token,
    h1,
    inline_errors,
    soup,
    submit,
    title,
)

EMAIL = "priya.shah@example.org"
INCORRECT = "Email address or password is incorrect"
THROTTLED = "You have tried to sign in too many times. Wait 15 minutes, then try again."


@pytest.fixture
def person(app):
    with app.app_context():
        return factories.make_user(email="priya.shah@example.org", name="Priya Shah").id


def sign_in(client, email, password=factories.PASSWORD, next_url=None, **kwargs):
    url = "/auth/sign-in" + (f"?next={next_url}" if next_url else "")
    return submit(client, url, {"email": email, "password": password}, **kwargs)


def test_sign_in_takes_a_person_to_their_home_page(client, person):
    response = sign_in(client, "priya.shah@example.org")
    assert response.status_code == 302
    assert response.location == "/"
    assert h1(soup(client.get("/"))) == "Hello, Priya Shah"


def test_email_is_case_insensitive(client, person):
    assert sign_in(client, "  Priya.SHAH@Example.org ").status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [
        ("priya.shah@example.org", "not the password"),
        ("nobody@example.org", factories.PASSWORD),
    ],
)
def test_wrong_password_and_unknown_email_get_the_same_message(client, person, email, password):
    response = sign_in(client, email, password)
    page = soup(response)
    assert response.status_code == 200
    assert error_summary(page) == [INCORRECT]
    assert inline_errors(page) == [INCORRECT]
    assert title(page).startswith("Error: Sign in")
    assert page.select_one("#email")["value"] == email
    assert page.select_one("#password").get("value", "") == ""


def test_deactivated_person_cannot_sign_in(app, client):
    with app.app_context():
        factories.make_user(email="gone@example.org", active=False)
    assert error_summary(soup(sign_in(client, "gone@example.org"))) == [INCORRECT]


@pytest.mark.parametrize(
    "email, password, expected",
    [
        ("", "x", ["Enter your email address"]),
        (
            "not-an-email",
            "x",
            ["Enter an email address in the correct format, like name@example.org"],
        ),
        ("a@example.org", "", ["Enter your password"]),
        ("x" * 1_000_000, "x", ["Email address must be 320 characters or fewer"]),
    ],
)
def test_malformed_input_gets_a_clear_message(client, email, password, expected):
    response = sign_in(client, email, password)
    assert response.status_code == 200
    assert error_summary(soup(response)) == expected


def test_failed_sign_ins_are_throttled_per_account(client, person):
    for n in range(5):
        # a made-up X-Forwarded-For changes nothing: no proxy is trusted by default
        response = sign_in(client, EMAIL, "wrong", headers={"X-Forwarded-For": f"10.0.0.{n}"})
        assert error_summary(soup(response)) == [INCORRECT]
    response = sign_in(client, EMAIL)  # even the right password waits
    assert response.status_code == 429
    assert error_summary(soup(response)) == [THROTTLED]


def test_failed_sign_ins_are_throttled_per_address(app, client):
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for n in range(3):
        sign_in(client, f"someone{n}@example.org", "wrong")
    assert sign_in(client, "another@example.org", "wrong").status_code == 429


def test_made_up_emails_from_one_address_do_not_lock_out_the_next_person(client, person):
    """A whole office may reach the service from one address."""
    for n in range(20):
        assert sign_in(client, f"made-up-{n}@example.org", "wrong").status_code == 200
    assert sign_in(client, EMAIL).location == "/"


def test_a_correct_sign_in_starts_the_count_again(client, person):
    for _ in range(4):
        sign_in(client, EMAIL, "wrong")
    assert sign_in(client, EMAIL).location == "/"
    client.delete_cookie("eqia_session", domain="localhost")
    for _ in range(4):
        assert error_summary(soup(sign_in(client, EMAIL, "wrong"))) == [INCORRECT]


def test_guesses_arriving_at_once_are_each_counted_before_any_is_checked(app, person):
    guesses = 12
    ready = threading.Barrier(guesses)

    def guess(_):
        client = app.test_client()
        token = form_token(soup(client.get("/auth/sign-in")))
        ready.wait()
        data = {"csrf_token": token, "email": EMAIL, "password": "wrong"}
        return client.post("/auth/sign-in", data=data).status_code

    with ThreadPoolExecutor(guesses) as pool:
        codes = list(pool.map(guess, range(guesses)))
    assert sorted(codes) == [200] * 5 + [429] * 7


@pytest.fixture
def behind_a_proxy(app, database_url, signing_folder):
    """The service behind one trusted proxy, which says who the client is."""
    proxied = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SERVER_NAME": "localhost",
            "SIGNING_FOLDER": signing_folder,
            "TRUSTED_PROXIES": 1,
        }
    )
    proxied.test_client_class = CheckedClient
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def test_behind_a_trusted_proxy_each_client_address_is_counted_apart(behind_a_proxy, person):
    client = behind_a_proxy.test_client()
    guesser, colleague = {"X-Forwarded-For": "10.1.1.1"}, {"X-Forwarded-For": "10.2.2.2"}
    for _ in range(5):
        sign_in(client, EMAIL, "wrong", headers=guesser)
    assert sign_in(client, EMAIL, headers=guesser).status_code == 429
    assert sign_in(client, EMAIL, headers=colleague).location == "/"


@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/auth/account", "/auth/account"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_only_safe_next_addresses_are_followed(client, person, next_url, expected):
    from urllib.parse import quote

    response = sign_in(client, "priya.shah@example.org", next_url=quote(next_url, safe=""))
    assert response.location == expected


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client, person):
    response = client.get("/auth/account")
    assert response.status_code == 302
    assert response.location == "/auth/sign-in?next=/auth/account"
    response = sign_in(client, "priya.shah@example.org", next_url="/auth/account")
    assert response.location == "/auth/account"


def test_sign_out_ends_the_session(client, person):
    sign_in(client, "priya.shah@example.org")
    page = soup(client.get("/"))
    token = page.select_one("form[action='/auth/sign-out'] input[name=csrf_token]")["value"]
    response = client.post("/auth/sign-out", data={"csrf_token": token})
    assert response.location == "/auth/sign-in"
    assert client.get("/").status_code == 302


def test_sign_out_without_csrf_token_does_not_sign_out(client, person):
    sign_in(client, "priya.shah@example.org")
    response = client.post("/auth/sign-out")
    assert response.status_code == 400
    assert h1(soup(response)) == "This page has expired"
    assert client.get("/").status_code == 200


def test_idle_session_ends(app, client, person):
    sign_in(client, "priya.shah@example.org")
    with client.session_transaction() as session:
        session["last_seen"] -= app.config["IDLE_TIMEOUT"].total_seconds() + 1
    response = client.get("/auth/account")
    assert response.location == "/auth/sign-in?next=/auth/account"


def test_session_cookie_is_httponly_and_lax(client, person):
    response = sign_in(client, "priya.shah@example.org")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


class TestChangePassword:
    @pytest.fixture
    def signed_in(self, client, person):
        sign_in(client, "priya.shah@example.org")
        return client

    def change(self, client, current, new, confirm=None):
        return submit(
            client,
            "/auth/account",
            {
                "current_password": current,
                "new_password": new,
                "confirm_password": new if confirm is None else confirm,
            },
        )

    def test_changes_the_password(self, app, signed_in, person):
        response = self.change(signed_in, factories.PASSWORD, "a brand new passphrase")
        assert response.location == "/auth/account"
        with app.app_context():
            assert db.session.get(User, person).check_password("a brand new passphrase")

    @pytest.mark.parametrize(
        "current, new, confirm, expected",
        [
            ("wrong", "a brand new passphrase", None, "Your current password is incorrect"),
            (factories.PASSWORD, "short", None, "Password must be at least 12 characters"),
            (
                factories.PASSWORD,
                "Priya.Shah@example.org",
                None,
                "Password must not be your email address",
            ),
            (factories.PASSWORD, "a brand new passphrase", "different", "Passwords must match"),
        ],
    )
    def test_rules(self, app, signed_in, person, current, new, confirm, expected):
        response = self.change(signed_in, current, new, confirm)
        assert error_summary(soup(response)) == [expected]
        with app.app_context():
            user = db.session.scalar(select(User).where(User.id == person))
            assert user.check_password(factories.PASSWORD)

    def test_the_current_password_check_is_throttled(self, app, signed_in, person):
        for _ in range(5):
            response = self.change(signed_in, "wrong", "a brand new passphrase")
            assert error_summary(soup(response)) == ["Your current password is incorrect"]
        response = self.change(signed_in, factories.PASSWORD, "a brand new passphrase")
        assert response.status_code == 429
        assert error_summary(soup(response)) == [
            "You have entered your current password too many times. "
            "Wait 15 minutes, then try again."
        ]
        with app.app_context():
            assert db.session.get(User, person).check_password(factories.PASSWORD)

    def sign_out(self, client):
        client.post("/auth/sign-out", data={"csrf_token": csrf_token(soup(client.get("/")))})

    @pytest.mark.parametrize(
        "common", ["password1234", "Password1234", "PASSWORD1234", "qwerty123456", "iloveyou1234"]
    )
    def test_refuses_a_common_or_breached_password(self, signed_in, person, common):
        response = self.change(signed_in, factories.PASSWORD, common)
        page = soup(response)
        assert response.status_code == 200
        assert error_summary(page) == [COMMON]
        assert inline_errors(page) == [COMMON]
        self.sign_out(signed_in)
        assert error_summary(soup(sign_in(signed_in, "priya.shah@example.org", common))) == [
            INCORRECT
        ]
        assert sign_in(signed_in, "priya.shah@example.org").location == "/"

    def test_a_long_uncommon_password_is_accepted(self, signed_in, person):
        new = "heron quarry lantern 1987"
        assert self.change(signed_in, factories.PASSWORD, new).location == "/auth/account"
        self.sign_out(signed_in)
        assert sign_in(signed_in, "priya.shah@example.org", new).location == "/"
