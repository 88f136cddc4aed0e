import pytest
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Directorate, Role, User
from eqia.passwords import COMMON
from tests import factories
from tests.helpers import error_summary, h1, set_up_authenticator, soup, submit, table_rows

NEW_USER = {
    "email": "Jo.Bloggs@Example.org",
    "name": "Jo Bloggs",
    "job_title": "Transport Planner",
    "directorate_id": "0",
    "roles": ["super_user", "auditor"],
    "password": "a long starter password",
    "active": "y",
}


def test_admin_adds_a_user_who_can_then_sign_in(app, clients):
    response = submit(clients["admin"], "/admin/users/new", NEW_USER)
    assert response.location == "/admin/users"
    with app.app_context():
        user = User.by_email("jo.bloggs@example.org")
        assert user.email == "jo.bloggs@example.org"
        assert user.roles == {Role.SUPER_USER, Role.AUDITOR}
    fresh = app.test_client()
    response = submit(
        fresh, "/auth/sign-in", {"email": "jo.bloggs@example.org", "password": NEW_USER["password"]}
    )
    # a super user sets up an authenticator app before getting in
    assert response.location == "/auth/sign-in/set-up-authenticator"
    _key, response = set_up_authenticator(fresh, response.location)
    assert h1(soup(response)) == "Save your recovery codes"
    assert h1(soup(fresh.get("/auth/account"))) == "Your account"


def test_users_are_listed_and_searchable(clients):
    rows = table_rows(soup(clients["admin"].get("/admin/users")))
    assert [row[0] for row in rows] == ["Adam Admin", "Audrey Auditor", "Lee Lead", "Sue Super"]
    rows = table_rows(soup(clients["admin"].get("/admin/users?q=AUDIT")))
    assert rows == [
        ["Audrey Auditor", "auditor@example.org", "None", "Project lead, Auditor", "Active"]
    ]


@pytest.mark.parametrize("page", ["-1", "0", "abc", "1000000000000", "99"])
def test_any_page_number_gives_a_page(clients, page):
    response = clients["admin"].get(f"/admin/users?page={page}")
    assert response.status_code == 200
    assert len(table_rows(soup(response))) == 4


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"email": ""}, ["Enter an email address"]),
        (
            {"email": "not an email"},
            ["Enter an email address in the correct format, like name@example.org"],
        ),
        ({"email": "LEAD@example.org"}, ["A user with this email address already exists"]),
        ({"name": "   "}, ["Enter a full name"]),
        ({"name": "x" * 1_000_000}, ["Full name must be 200 characters or fewer"]),
        ({"password": ""}, ["Enter a password"]),
        ({"password": "short"}, ["Password must be at least 12 characters"]),
        ({"password": "jo.bloggs@example.org"}, ["Password must not be your email address"]),
        ({"password": "password1234"}, [COMMON]),
        ({"password": "Liverpool1234"}, [COMMON]),
        ({"directorate_id": "999"}, ["Not a valid choice."]),
        ({"roles": ["emperor"]}, ["'emperor' is not a valid choice for this field."]),
    ],
)
def test_bad_input_is_explained_and_kept(app, clients, users, change, expected):
    response = submit(clients["admin"], "/admin/users/new", {**NEW_USER, **change})
    page = soup(response)
    assert response.status_code == 200
    assert error_summary(page) == expected
    assert page.select_one("#job_title")["value"] == "Transport Planner"
    with app.app_context():
        assert db.session.scalar(select(User).where(User.name == "Jo Bloggs")) is None


def test_text_comes_back_exactly_as_typed(app, clients):
    name = "<script>alert(1)</script> O'Brien & Zażółć"
    submit(clients["admin"], "/admin/users/new", {**NEW_USER, "name": name})
    body = clients["admin"].get("/admin/users").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert name in [row[0] for row in table_rows(soup(clients["admin"].get("/admin/users")))]


def test_admin_deactivates_a_user_who_then_cannot_sign_in(app, clients, users):
    url = f"/admin/users/{users['lead'].id}"
    response = submit(
        clients["admin"],
        url,
        {**NEW_USER, "email": "lead@example.org", "roles": [], "password": "", "active": ""},
    )
    assert response.location == "/admin/users"
    with app.app_context():
        assert db.session.get(User, users["lead"].id).active is False
    assert clients["lead"].get("/").status_code == 302  # their session ends too
    response = submit(
        app.test_client(),
        "/auth/sign-in",
        {"email": "lead@example.org", "password": factories.PASSWORD},
    )
    assert error_summary(soup(response)) == ["Email address or password is incorrect"]


@pytest.mark.parametrize(
    "roles", [[], ["admin", "super_user"], ["admin", "auditor"]], ids=["none", "super", "auditor"]
)
def test_nobody_changes_their_own_roles(app, clients, users, roles):
    """Not even to grant themselves super user: another admin must."""
    url = f"/admin/users/{users['admin'].id}"
    response = submit(
        clients["admin"],
        url,
        {**NEW_USER, "email": "admin@example.org", "roles": roles, "password": ""},
    )
    assert error_summary(soup(response)) == ["You cannot change your own roles: ask another admin"]
    with app.app_context():
        assert db.session.get(User, users["admin"].id).roles == {Role.ADMIN}


def test_admin_cannot_give_someone_a_common_password(app, clients, users):
    url = f"/admin/users/{users['lead'].id}"
    change = {**NEW_USER, "email": "lead@example.org", "roles": [], "password": "welcome12345"}
    response = submit(clients["admin"], url, change)
    assert error_summary(soup(response)) == [COMMON]
    with app.app_context():
        assert db.session.get(User, users["lead"].id).check_password(factories.PASSWORD)


def test_unknown_user_is_not_found(clients):
    assert clients["admin"].get("/admin/users/99999").status_code == 404


class TestDirectorates:
    def test_add_rename_and_retire(self, app, clients):
        response = submit(
            clients["admin"], "/admin/directorates/new", {"name": "Public Health", "active": "y"}
        )
        assert response.location == "/admin/directorates"
        with app.app_context():
            directorate_id = db.session.scalar(select(Directorate.id))
        submit(
            clients["admin"],
            f"/admin/directorates/{directorate_id}",
            {"name": "Public Health & Wellbeing", "active": ""},
        )
        rows = table_rows(soup(clients["admin"].get("/admin/directorates")))
        assert rows == [["Public Health & Wellbeing", "Retired"]]

    def test_retired_directorates_are_not_offered_for_new_users(self, app, clients):
        with app.app_context():
            factories.make_directorate("Old Directorate", active=False)
            factories.make_directorate("Public Health")
        options = [
            o.get_text(strip=True)
            for o in soup(clients["admin"].get("/admin/users/new")).select("#directorate_id option")
        ]
        assert options == ["None", "Public Health"]

    @pytest.mark.parametrize(
        "name, expected",
        [
            ("", "Enter a directorate name"),
            ("Public Health", "A directorate with this name already exists"),
        ],
    )
    def test_bad_names(self, app, clients, name, expected):
        with app.app_context():
            factories.make_directorate("Public Health")
        response = submit(clients["admin"], "/admin/directorates/new", {"name": name})
        assert error_summary(soup(response)) == [expected]
