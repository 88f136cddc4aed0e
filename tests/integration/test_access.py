"""Every endpoint declares who may use it, and the declarations hold."""

import pytest

from eqia.permissions import ANYONE
from tests.helpers import csrf_token, soup

# auth.timed_out ends a session that has usually ended already, as signing out may. The
# code and set-up pages after a password, and the break-glass sign-in page, come before
# anyone is signed in.
PUBLIC_ENDPOINTS = {
    "static",
    "auth.sign_in",
    "auth.sign_in_code",
    "auth.sign_in_recovery_code",
    "auth.sign_in_set_up",
    "auth.break_glass_sign_in",
    "auth.sign_out",
    "auth.timed_out",
    # Single sign-on: starting it, the provider sending people back, and "You have signed out".
    "auth.sso_start",
    "auth.sso_callback",
    "auth.signed_out",
    "main.accessibility",
    "main.healthz",
    "main.liveness",
    # The public register: only published EqIAs, as signed off (tests/integration/
    # test_public_register.py and test_read_access.py).
    "public.register",
    "public.eqia",
    "public.eqia_pdf",
    "public.feed",
    # The data feed's schema: what the feed's fields are, never any of its data.
    "api.openapi",
}


def test_every_endpoint_declares_its_audience(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        and getattr(app.view_functions[rule.endpoint], "access", None) is None
    ]
    assert undeclared == []


def test_only_the_known_public_endpoints_are_open_to_anyone(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if ANYONE in getattr(app.view_functions[rule.endpoint], "access", {ANYONE})
    }
    assert public == PUBLIC_ENDPOINTS


def test_a_view_without_a_declaration_is_refused(app, clients):
    @app.route("/undeclared")
    def undeclared():
        return "open door"

    assert clients["admin"].get("/undeclared").status_code == 403


SIGN_IN_STEPS = {
    "/auth/sign-in/code",
    "/auth/sign-in/recovery-code",
    "/auth/sign-in/set-up-authenticator",
    "/auth/sign-in/break-glass",
}


# The public register's list and its feed (each EqIA's page is tested in test_read_access.py).
PUBLIC_PAGES = {"/public/eqias", "/public/eqias.atom", "/api/v1/openapi.json"}


def _parameterless_get_urls(app):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield rule.rule


def test_anonymous_visitors_are_sent_to_sign_in_everywhere_else(app, clients):
    for url in _parameterless_get_urls(app):
        response = clients["anonymous"].get(url)
        if url in {"/auth/sign-in", "/accessibility", "/healthz", "/healthz/live"} | PUBLIC_PAGES:
            assert response.status_code == 200, url
        elif url in SIGN_IN_STEPS:
            # without a right password first (or while local passwords are on): back to it
            assert response.status_code == 302, url
            assert response.location == "/auth/sign-in", url
        elif url in {"/auth/signed-out", "/auth/sign-in/sso", "/auth/sign-in/sso/callback"}:
            # Open to anyone; single sign-on is not set up in these tests (test_sso.py).
            assert response.status_code == (200 if url == "/auth/signed-out" else 404), url
        else:
            assert response.status_code == 302, url
            assert response.location.startswith("/auth/sign-in?next="), url


ADMIN_URLS = [
    "/admin/users",
    "/admin/users/new",
    "/admin/directorates",
    "/admin/directorates/new",
    "/admin/characteristics",
    "/admin/characteristics/new",
    "/admin/api-tokens",
    "/admin/api-tokens/new",
    "/plan/objectives/new",
    "/plan/objectives/1/change",
    "/plan/actions/new",
    "/plan/actions/1/change",
    "/plan/actions/1/progress",
    "/plan/import",
    "/plan/template.csv",
    "/plan/template.xlsx",
]


@pytest.mark.parametrize("url", ADMIN_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 403), ("auditor", 403), ("admin", 200)],
)
def test_only_admins_administer(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


SUPER_USER_URLS = ["/reviews/"]


@pytest.mark.parametrize("url", SUPER_USER_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 200), ("auditor", 403), ("admin", 403)],
)
def test_only_super_users_see_the_sign_off_queue(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


REGISTER_URLS = ["/records/", "/records/register.csv"]


@pytest.mark.parametrize("url", REGISTER_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 200), ("auditor", 200), ("admin", 200)],
)
def test_auditors_admins_and_super_users_see_the_register(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


AUDITOR_URLS = ["/records/export.zip"]


@pytest.mark.parametrize("url", AUDITOR_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 403), ("auditor", 200), ("admin", 403)],
)
def test_only_auditors_export_signed_pdfs(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


PLAN_URLS = ["/plan/", "/plan/themes/1", "/plan/objectives/1"]


@pytest.mark.parametrize("url", PLAN_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 200), ("super_user", 200), ("auditor", 200), ("admin", 200)],
)
def test_everyone_signed_in_reads_the_action_plan(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


PLAN_EXPORT_URLS = ["/plan/export.csv", "/plan/export.xlsx"]


@pytest.mark.parametrize("url", PLAN_EXPORT_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 403), ("auditor", 200), ("admin", 200)],
)
def test_admins_and_auditors_export_the_action_plan(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 403), ("auditor", 403), ("admin", 404)],
)
def test_only_admins_import_the_action_plan(clients, who, expected):
    """Refused before the upload is looked up: only an admin learns that it does not exist."""
    client = clients[who]
    token = "0" * 32
    assert client.get(f"/plan/import/{token}").status_code == expected
    page = soup(client.get("/auth/sign-in" if who == "anonymous" else "/"))
    response = client.post(f"/plan/import/{token}/cancel", data={"csrf_token": csrf_token(page)})
    assert response.status_code == expected


REPORT_URLS = ["/plan/report", "/plan/report.csv", "/plan/report.pdf"]


@pytest.mark.parametrize("url", REPORT_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 200), ("super_user", 200), ("auditor", 200), ("admin", 200)],
)
def test_everyone_signed_in_reads_the_progress_report(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


INSIGHT_URLS = ["/plan/insight", "/plan/insight/eqias?characteristic=age&impact=negative"]


@pytest.mark.parametrize("url", INSIGHT_URLS)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 200), ("auditor", 200), ("admin", 200)],
)
def test_super_users_auditors_and_admins_see_the_equality_insight(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 404), ("auditor", 403), ("admin", 403)],
)
def test_only_super_users_pick_up_an_eqia(clients, who, expected):
    """Refused before the EqIA is looked up: only a super user learns that it does not exist."""
    client = clients[who]
    page = soup(client.get("/auth/sign-in" if who == "anonymous" else "/"))
    response = client.post("/reviews/EQIA-2020-9999/assign", data={"csrf_token": csrf_token(page)})
    assert response.status_code == expected


@pytest.mark.parametrize("who", ["lead", "super_user", "auditor", "admin"])
@pytest.mark.parametrize(
    "url", ["/", "/auth/account", "/privacy", "/accessibility", "/records/verify"]
)
def test_every_signed_in_person_sees_the_shared_pages(clients, who, url):
    assert clients[who].get(url).status_code == 200


def test_a_post_without_csrf_token_is_refused(clients):
    response = clients["admin"].post("/admin/directorates/new", data={"name": "Sneaky"})
    assert response.status_code == 400
    assert "This page has expired" in response.get_data(as_text=True)


def test_a_stale_csrf_token_is_refused(clients):
    response = clients["admin"].post(
        "/admin/directorates/new", data={"name": "Sneaky", "csrf_token": "stale.token.value"}
    )
    assert response.status_code == 400


def _ref_urls(app, ref: str):
    """Every route that names an EqIA by its reference, with the method that reaches it."""
    for rule in app.url_map.iter_rules():
        if "ref" not in rule.arguments:
            continue
        values = {name: ref if name == "ref" else 1 for name in rule.arguments}
        if rule.endpoint == "assessments.page":
            values["key"] = "screening"
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        yield ("GET" if "GET" in rule.methods else "POST"), url


def _reach(client, method: str, url: str):
    if method == "GET":
        return client.get(url)
    token = csrf_token(soup(client.get("/")))
    return client.post(url, data={"csrf_token": token})


@pytest.fixture
def everyone(app, clients, users):
    """Someone in every role, so no route refuses them before it loads the EqIA."""
    from eqia.models import Role
    from tests import factories
    from tests.conftest import sign_in_as

    with app.app_context():
        person_id = factories.make_user(
            "all.roles@example.org", "Al Roles", roles={Role.SUPER_USER, Role.AUDITOR, Role.ADMIN}
        ).id
    client = app.test_client()
    sign_in_as(client, person_id)
    return client


def test_every_route_that_names_an_eqia_finds_it_or_says_not_found(app, everyone):
    urls = list(_ref_urls(app, "EQIA-2026-9999"))
    assert len(urls) > 20
    answers = {url: _reach(everyone, method, url).status_code for method, url in urls}
    assert {url: code for url, code in answers.items() if code != 404} == {}


def test_every_route_that_names_an_eqia_refuses_a_colleague_who_may_not_see_it(app, clients, ref):
    """A draft is its authors' (and the oversight roles'): another lead is refused by every
    route that names it, through the one helper that loads an EqIA."""
    from tests import factories
    from tests.conftest import sign_in_as

    with app.app_context():
        colleague_id = factories.make_user("colleague@example.org", "Col League").id
    client = app.test_client()
    sign_in_as(client, colleague_id)
    refused = {}
    for method, url in _ref_urls(app, ref):
        refused[url] = _reach(client, method, url).status_code
    allowed = {url: code for url, code in refused.items() if code not in (403, 404)}
    assert allowed == {}
    assert list(refused.values()).count(403) > 15
