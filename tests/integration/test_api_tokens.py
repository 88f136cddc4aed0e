"""Admins make, list and revoke API tokens: a token is shown once, only its hash is kept,
and revoking one stops it at its very next request."""

import base64
import hashlib
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import ApiToken, Event, EventKind
from eqia.timefmt import a_year_after, uk_today
from tests.helpers import banners, error_summary, form_token, h1, soup, submit, table_rows, text

NEW = "/admin/api-tokens/new"
TOKEN = re.compile(r"eqia_[A-Za-z0-9_-]{43}")


def form(
    name="Performance team Power BI", datasets=("eqias", "impacts"), reach="internal", expires=None
):
    data = {"name": name, "datasets": list(datasets), "reach": reach}
    day = expires or a_year_after(uk_today())
    data.update({"expires_on": [str(day.day), str(day.month), str(day.year)]})
    return data


def create(client, **changes) -> str:
    """Make a token through the admin pages; the token the page shows."""
    response = submit(client, NEW, form(**changes))
    assert response.status_code == 200, response.get_data(as_text=True)
    return text(soup(response).select_one("#api-token"))


def basic(token: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"powerbi:{token}".encode()).decode()}


class TestCreating:
    def test_the_token_is_shown_once_and_only_its_hash_is_kept(self, app, clients):
        response = submit(clients["admin"], NEW, form())
        page = soup(response)
        assert h1(page) == "API token created"
        assert "Performance team Power BI" in text(page.select_one(".govuk-panel"))
        token = text(page.select_one("#api-token"))
        assert TOKEN.fullmatch(token)
        assert "Basic" in text(page.main) and "/api/v1/eqias.csv" in text(page.main)
        with app.app_context():
            row = db.session.scalar(select(ApiToken))
            assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
            assert row.prefix == token[:11]
            stored = [str(v) for v in db.session.execute(select(ApiToken.__table__)).one()]
            assert not any(token in value for value in stored)
            assert row.datasets == ["eqias", "impacts"]
            assert row.reach.value == "internal"
            assert row.expires_on == a_year_after(uk_today())
        # The list never shows it again; nor does any page after.
        listing = clients["admin"].get("/admin/api-tokens").get_data(as_text=True)
        assert token not in listing and token[:11] in listing

    def test_the_form_offers_a_year_and_the_expiry_is_the_end_of_that_day(self, app, clients):
        page = soup(clients["admin"].get(NEW))
        day = a_year_after(uk_today())
        assert page.select_one("#expires_on-year")["value"] == str(day.year)
        tomorrow = uk_today() + timedelta(days=1)
        token = create(clients["admin"], expires=tomorrow)
        assert (
            clients["anonymous"].get("/api/v1/eqias.json", headers=basic(token)).status_code == 200
        )

    def test_the_list_says_what_each_token_may_read(self, app, clients):
        create(clients["admin"])
        create(clients["admin"], name="Public dashboard", datasets=["actions"], reach="public")
        rows = table_rows(soup(clients["admin"].get("/admin/api-tokens")))
        assert [r[0] for r in rows] == ["Performance team Power BI", "Public dashboard"]
        assert rows[0][2] == "EqIAs, Impacts on each characteristic"
        assert rows[0][3] == "Internal register"
        assert rows[1][2:4] == ["Actions", "Public register only"]
        assert rows[0][4].startswith("Adam Admin")
        assert rows[0][6] == "Not used yet"
        assert rows[0][7] == "In use"

    def test_the_admin_area_links_to_it(self, clients):
        page = soup(clients["admin"].get("/admin/users"))
        assert page.select_one("main a[href='/admin/api-tokens']") is not None

    def test_making_one_is_audited(self, app, clients, security_log):
        create(clients["admin"])
        with app.app_context():
            event = db.session.scalar(
                select(Event).where(Event.kind == EventKind.API_TOKEN_CREATED)
            )
            assert event.actor.email == "admin@example.org"
            assert event.note.splitlines()[0].startswith("Performance team Power BI (eqia_")
            assert "Reach: Internal register" in event.note
        logged = security_log.one("api_token.created")
        assert logged["token_name"] == "Performance team Power BI"
        assert logged["datasets"] == ["eqias", "impacts"]
        assert "eqia_" not in security_log.text.replace(logged["token_name"], "")

    @pytest.mark.parametrize(
        "changes, expected",
        [
            ({"name": ""}, ["Enter a name for the token"]),
            ({"name": "x" * 101}, ["Name must be 100 characters or fewer"]),
            ({"datasets": []}, ["Select the datasets the token may read"]),
            ({"reach": ""}, ["Select which EqIAs the token may read"]),
            ({"reach": "everything"}, ["Not a valid choice."]),
            ({"expires": uk_today()}, ["Expiry date must be in the future"]),
        ],
    )
    def test_gov_uk_errors(self, app, clients, changes, expected):
        response = submit(clients["admin"], NEW, form(**changes))
        page = soup(response)
        assert error_summary(page) == expected
        assert page.title.text.startswith("Error:")
        with app.app_context():
            assert db.session.scalar(select(ApiToken)) is None

    def test_a_date_that_is_not_real(self, clients):
        data = form()
        data["expires_on"] = ["31", "2", "2030"]
        assert error_summary(soup(submit(clients["admin"], NEW, data))) == [
            "Expiry date must be a real date"
        ]

    def test_no_expiry(self, app, clients):
        data = form()
        data["expires_on"] = ["", "", ""]
        submit(clients["admin"], NEW, data)
        with app.app_context():
            assert db.session.scalar(select(ApiToken.expires_at)) is None

    def test_a_name_in_use_but_a_revoked_ones_may_be_used_again(self, app, clients):
        create(clients["admin"])
        again = soup(submit(clients["admin"], NEW, form()))
        assert error_summary(again) == ["A token with this name already exists"]
        with app.app_context():
            token_id = db.session.scalar(select(ApiToken.id))
        submit(clients["admin"], f"/admin/api-tokens/{token_id}/revoke", {})
        assert TOKEN.fullmatch(create(clients["admin"]))

    @pytest.mark.parametrize("who", ["lead", "super_user", "auditor", "anonymous"])
    def test_only_admins(self, clients, who):
        for url in ("/admin/api-tokens", NEW, "/admin/api-tokens/1/revoke"):
            response = clients[who].get(url)
            assert response.status_code == (302 if who == "anonymous" else 403), url


class TestRevoking:
    def test_revoking_stops_it_at_once(self, app, clients, security_log):
        token = create(clients["admin"])
        feed = app.test_client()
        assert feed.get("/api/v1/eqias.csv", headers=basic(token)).status_code == 200
        with app.app_context():
            token_id = db.session.scalar(select(ApiToken.id))
        url = f"/admin/api-tokens/{token_id}/revoke"
        page = soup(clients["admin"].get(url))
        assert h1(page) == "Revoke Performance team Power BI"
        response = submit(clients["admin"], url, {}, follow_redirects=True)
        assert banners(soup(response)) == [
            "Performance team Power BI has been revoked: reports using it stop now."
        ]
        refused = feed.get("/api/v1/eqias.csv", headers=basic(token))
        assert refused.status_code == 401
        assert refused.json["error"]["message"] == "The API token has been revoked"
        with app.app_context():
            row = db.session.get(ApiToken, token_id)
            assert row.revoked_by.email == "admin@example.org"
            event = db.session.scalar(
                select(Event).where(Event.kind == EventKind.API_TOKEN_REVOKED)
            )
            assert event.note.startswith("Performance team Power BI")
        assert security_log.one("api_token.revoked")["token_id"] == token_id
        rows = table_rows(soup(clients["admin"].get("/admin/api-tokens")))
        assert rows[0][7].startswith("Revoked")

    def test_revoking_needs_the_form_token(self, app, clients):
        create(clients["admin"])
        with app.app_context():
            token_id = db.session.scalar(select(ApiToken.id))
        response = clients["admin"].post(f"/admin/api-tokens/{token_id}/revoke")
        assert response.status_code == 400
        with app.app_context():
            assert db.session.get(ApiToken, token_id).revoked_at is None

    def test_a_token_that_does_not_exist(self, clients):
        assert clients["admin"].get("/admin/api-tokens/999/revoke").status_code == 404

    def test_a_revoked_token_offers_no_button(self, app, clients):
        create(clients["admin"])
        with app.app_context():
            token_id = db.session.scalar(select(ApiToken.id))
        url = f"/admin/api-tokens/{token_id}/revoke"
        submit(clients["admin"], url, {})
        page = soup(clients["admin"].get(url))
        assert page.select_one("main form") is None
        assert "was revoked" in text(page.main)
        # A second POST changes nothing.
        clients["admin"].post(url, data={"csrf_token": form_token(soup(clients["admin"].get(NEW)))})
        with app.app_context():
            assert (
                len(
                    db.session.scalars(
                        select(Event).where(Event.kind == EventKind.API_TOKEN_REVOKED)
                    ).all()
                )
                == 1
            )
