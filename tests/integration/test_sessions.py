"""Sessions end when they should, on every copy of the cookie: signing out, a new password,
deactivation, losing a role, the longest session, and "sign out of all other devices"."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Role, SignIn, User
from tests import factories
from tests.helpers import error_summary, h1, sign_in_through_form, soup, submit, text

EMAIL = "priya.shah@example.org"
ADMIN_FORM = {
    "email": EMAIL,
    "name": "Priya Shah",
    "job_title": "Transport Planner",
    "directorate_id": "0",
    "roles": ["super_user"],
    "password": "",
    "active": "y",
}


@pytest.fixture
def person(app):
    with app.app_context():
        user = factories.make_user(email=EMAIL, name="Priya Shah", roles={Role.SUPER_USER})
        factories.give_authenticator(user)
        return user.id


@pytest.fixture
def lead(app):
    """Priya as a project lead, who signs in with her password alone: as many times a minute
    as she likes (an authenticator's code is taken once, and a new one comes every 30 s)."""
    with app.app_context():
        return factories.make_user(email=EMAIL, name="Priya Shah", roles=set()).id


def signed_in(app, password=factories.PASSWORD):
    """A browser of Priya's, signed in through the form."""
    client = app.test_client()
    response = sign_in_through_form(client, EMAIL, password)
    assert response.location == "/"
    return client


def copy_of(app, client):
    """Another browser holding a copy of the first one's session cookie."""
    copy = app.test_client()
    copy.set_cookie("eqia_session", client.get_cookie("eqia_session").value, domain="localhost")
    return copy


def is_signed_in(client) -> bool:
    response = client.get("/auth/account")
    return response.status_code == 200 and h1(soup(response)) == "Your account"


def sign_out(client):
    page = soup(client.get("/"))
    token = page.select_one("form[action='/auth/sign-out'] input[name=csrf_token]")["value"]
    return client.post("/auth/sign-out", data={"csrf_token": token})


def change_password(client, new="a brand new passphrase"):
    return submit(
        client,
        "/auth/account",
        {"current_password": factories.PASSWORD, "new_password": new, "confirm_password": new},
    )


def test_a_cookie_copied_before_signing_out_stops_working(app, person):
    browser = signed_in(app)
    copy = copy_of(app, browser)
    assert is_signed_in(copy)
    sign_out(browser)
    assert not is_signed_in(copy)
    assert copy.get("/").location == "/auth/sign-in?next=/"


def test_a_new_password_ends_every_other_session_and_keeps_this_one(app, person):
    browser, laptop = signed_in(app), signed_in(app)
    copy = copy_of(app, browser)
    response = change_password(browser)
    assert response.location == "/auth/account"
    page = soup(browser.get("/auth/account"))
    assert "you have been signed out on every other device" in text(page)
    assert is_signed_in(browser)
    assert not is_signed_in(laptop)
    assert is_signed_in(copy)  # the same session as the browser's, so it stays
    # and the old password no longer signs in
    fresh = app.test_client()
    response = submit(fresh, "/auth/sign-in", {"email": EMAIL, "password": factories.PASSWORD})
    assert error_summary(soup(response)) == ["Email address or password is incorrect"]


@pytest.mark.parametrize(
    "change",
    [
        {"active": ""},  # deactivated
        {"roles": []},  # lost the super user role
        {"password": "a password the admin chose"},  # reset by an admin
    ],
    ids=["deactivated", "role removed", "password reset"],
)
def test_an_admins_change_ends_every_session_of_that_person(app, clients, person, change):
    browser, laptop = signed_in(app), signed_in(app)
    submit(clients["admin"], f"/admin/users/{person}", {**ADMIN_FORM, **change})
    assert not is_signed_in(browser)
    assert not is_signed_in(laptop)
    assert is_signed_in(clients["admin"])


def test_an_admin_changing_a_name_ends_nothing(app, clients, person):
    browser = signed_in(app)
    submit(clients["admin"], f"/admin/users/{person}", {**ADMIN_FORM, "name": "Priya Shah-Khan"})
    assert is_signed_in(browser)


def test_the_longest_session_counts_from_sign_in_however_busy(app, person):
    browser = signed_in(app)
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    with app.app_context():
        for sign_in in db.session.scalars(select(SignIn)):
            sign_in.started_at -= lifetime + timedelta(minutes=1)
        db.session.commit()
    response = browser.get("/auth/account")  # active a moment ago, but signed in too long ago
    assert response.location == "/auth/sign-in?next=/auth/account"
    page = soup(browser.get(response.location))
    assert "You were signed out because you signed in more than 12 hours ago" in text(page)


def test_signing_out_of_all_other_devices(app, lead):
    browser, laptop, phone = signed_in(app), signed_in(app), signed_in(app)
    page = soup(browser.get("/auth/account"))
    assert "You are also signed in on 2 other devices" in text(page)
    button = page.select_one("form[action='/auth/account/sign-out-others']")
    assert text(button.select_one("button")) == "Sign out of all other devices"
    token = button.select_one("input[name=csrf_token]")["value"]
    response = browser.post("/auth/account/sign-out-others", data={"csrf_token": token})
    assert response.location == "/auth/account"
    page = soup(browser.get("/auth/account"))
    assert "You have been signed out of 2 other devices." in text(page)
    assert "You are not signed in on any other device." in text(page)
    assert is_signed_in(browser)
    assert not is_signed_in(laptop) and not is_signed_in(phone)


def test_signing_out_of_other_devices_needs_the_pages_token(app, person):
    browser, laptop = signed_in(app), signed_in(app)
    response = browser.post("/auth/account/sign-out-others")
    assert response.status_code == 400
    assert is_signed_in(laptop)


def test_a_cookie_without_a_sign_in_is_not_signed_in(app, person):
    """A cookie that names a person but no session of theirs (forged with the key, or from
    before sessions were kept) signs nobody in."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(person)
    assert not is_signed_in(client)


def test_a_password_set_outside_any_page_ends_sessions(app, person):
    """Whatever sets the password (a command, a script), the listener ends the sessions."""
    browser = signed_in(app)
    with app.app_context():
        db.session.get(User, person).set_password("set from the command line")
        db.session.commit()
    assert not is_signed_in(browser)
