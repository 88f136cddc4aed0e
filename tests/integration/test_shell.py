"""The service's shell: headers, titles, navigation, error pages and health."""

import io
import logging

import pytest
from flask.logging import default_handler

from eqia.extensions import db
from tests.helpers import counting_queries, h1, nav_links, soup, title


@pytest.mark.parametrize("url", ["/auth/sign-in", "/accessibility", "/no-such-page"])
def test_security_headers_on_every_html_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_browsers_are_told_to_use_only_https_when_the_service_is_served_over_it(app, client):
    app.config["BASE_URL"] = "https://eqia.example.org"
    for url in ["/auth/sign-in", "/no-such-page"]:
        assert client.get(url).headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains"
        )


def test_no_hsts_when_the_service_is_served_over_http(client):
    assert "Strict-Transport-Security" not in client.get("/auth/sign-in").headers


def test_the_inline_script_carries_the_policy_nonce(client):
    response = client.get("/auth/sign-in")
    nonce = response.headers["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    inline = [s for s in soup(response).select("script") if not s.get("src")]
    assert inline and all(s.get("nonce") == nonce for s in inline)


def test_page_title_names_page_service_and_council(client):
    assert title(soup(client.get("/accessibility"))) == (
        "Accessibility statement – Equality Impact Assessments – Cambridgeshire County Council"
    )


def test_header_shows_the_council_not_the_crown(client):
    page = soup(client.get("/auth/sign-in"))
    assert page.select_one(".govuk-generic-header__homepage-link").get_text(strip=True) == (
        "Cambridgeshire County Council"
    )
    assert page.select_one(".govuk-header__logotype") is None


def test_organisation_name_comes_from_configuration(app, client):
    app.config["ORGANISATION_NAME"] = "Fenland District Council"
    assert "Fenland District Council" in title(soup(client.get("/accessibility")))


def test_footer_links_to_accessibility_privacy_and_the_public_register(client):
    links = {
        a.get_text(strip=True): a["href"]
        for a in soup(client.get("/auth/sign-in")).select(".govuk-footer a")
    }
    assert links == {
        "Accessibility statement": "/accessibility",
        "Privacy notice": "/privacy",
        "Public register of EqIAs": "/public/eqias",
    }


@pytest.mark.parametrize(
    "who, expected",
    [
        ("lead", ["Home", "Your EqIAs", "Action plan", "Your account", "Sign out"]),
        (
            "super_user",
            [
                "Home",
                "Your EqIAs",
                "Action plan",
                "Sign-off queue",
                "Register",
                "Programmes",
                "Your account",
                "Sign out",
            ],
        ),
        (
            "auditor",
            [
                "Home",
                "Your EqIAs",
                "Action plan",
                "Register",
                "Programmes",
                "Your account",
                "Sign out",
            ],
        ),
        (
            "admin",
            [
                "Home",
                "Your EqIAs",
                "Action plan",
                "Register",
                "Programmes",
                "Admin",
                "Your account",
                "Sign out",
            ],
        ),
    ],
)
def test_navigation_by_role(clients, who, expected):
    assert nav_links(soup(clients[who].get("/"))) == expected


@pytest.mark.parametrize(
    "who, sections",
    [
        ("lead", ["Your EqIAs", "Reviews due", "EDI action plan"]),
        ("super_user", ["Your EqIAs", "Reviews due", "EDI action plan", "Sign-off"]),
        ("auditor", ["Your EqIAs", "Reviews due", "EDI action plan", "Audit"]),
        ("admin", ["Your EqIAs", "Reviews due", "EDI action plan", "Administration"]),
    ],
)
def test_dashboard_by_role(clients, who, sections):
    page = soup(clients[who].get("/"))
    assert [h.get_text(strip=True) for h in page.select("main h2")] == sections


def test_not_found_page_in_house_style(clients):
    response = clients["lead"].get("/no-such-page")
    assert response.status_code == 404
    assert h1(soup(response)) == "Page not found"


def test_forbidden_page_in_house_style(clients):
    response = clients["lead"].get("/admin/users")
    assert response.status_code == 403
    assert h1(soup(response)) == "You do not have permission to see this page"


def test_server_error_page_shows_no_stack_trace(app, clients):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    boom.access = frozenset({"signed_in"})
    response = clients["lead"].get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert h1(soup(response)) == "Sorry, there is a problem with the service"
    assert "secret internals" not in body and "Traceback" not in body


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_an_unreachable_database(app, tmp_path):
    from eqia import create_app

    broken = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    response = broken.test_client().get("/healthz")
    with broken.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_liveness_answers_without_touching_the_database(app, tmp_path):
    from eqia import create_app

    broken = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite3"})
    with counting_queries(broken) as statements:
        response = broken.test_client().get("/healthz/live")
    with broken.app_context():
        db.session.remove()
        db.engine.dispose()
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert statements == []


def test_the_apps_own_log_lines_carry_the_request_id(app, capsys):
    """Flask's handler on the app's logger, as a server has it (pytest puts its own in its
    place, so the test hands it the records itself)."""

    def log(message: str) -> None:
        record = app.logger.makeRecord("eqia", logging.WARNING, __file__, 1, message, (), None)
        default_handler.handle(record)

    errors = io.StringIO()
    headers = {"X-Request-Id": "lb-7f3a.1"}
    with app.test_request_context(headers=headers, environ_overrides={"wsgi.errors": errors}):
        log("Something to look into")
    with app.app_context():
        log("Something outside any request")
    assert errors.getvalue().endswith(" [lb-7f3a.1]: Something to look into\n")
    assert capsys.readouterr().err.endswith(" [-]: Something outside any request\n")
