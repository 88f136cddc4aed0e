"""The data feed as Power BI and Excel read it: a client with no cookies, a token as Basic
authentication's password (or a Bearer token), the same rows as the register, and every
refusal as JSON."""

import base64
import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from eqia import tokens, workflow
from eqia.downloads import neutralise
from eqia.extensions import db
from eqia.models import ApiToken, Assessment, Dataset, DecisionKind, Impact, Reach, Role, User
from eqia.publishing import PublishingPolicy, published
from eqia.timefmt import sortable, utcnow
from tests import factories
from tests.helpers import soup, table_rows
from tests.integration.test_register import approve_on

PLACE = "Place & Sustainability"
CHILDREN = "Children, Education & Families"
TYPED = '=HYPERLINK("http://x") <script>alert(1)</script> & «Zażółć» 🏳️‍🌈'


@pytest.fixture
def eqias(app, users, once):
    """Five EqIAs at different stages (two signed off, one published); their references."""

    def build():
        with app.app_context():
            factories.make_directorate(PLACE)
            factories.make_directorate(CHILDREN)
            factories.make_user("lead2@example.org", "Tom Okafor", job_title="Transport Planner")
            factories.make_user("super2@example.org", "Marek Nowak", roles={Role.SUPER_USER})
            made = {
                "libraries": factories.make_eqia("Mobile library routes", summary=TYPED),
                "transport": factories.make_eqia(
                    "School transport eligibility",
                    owner="lead2@example.org",
                    directorate=CHILDREN,
                    reviewer="super2@example.org",
                    proposal_type="policy",
                    outcome="no-major-change",
                    impacts={},
                    objectives={1: "Fairer access to school transport"},
                ),
                "recycling": factories.make_eqia("Recycling centre hours", stage="submitted"),
                "hybrid": factories.make_eqia("Hybrid working policy", stage="complete"),
                "learning": factories.make_eqia("Adult learning online", stage="returned"),
            }
            refs = {name: a.reference for name, a in made.items()}
            approve_on(refs["libraries"], datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
            approve_on(refs["transport"], datetime(2026, 6, 30, 22, 30, tzinfo=UTC))
            made["transport"].published_at = utcnow()  # as publishing it would
            db.session.commit()
        return refs

    return once(build)


def issue(app, datasets=tuple(Dataset), reach=Reach.INTERNAL, name="Power BI", expires_on=None):
    with app.app_context():
        admin = User.by_email("admin@example.org")
        token, secret = tokens.issue(name, list(datasets), reach, expires_on, admin)
        db.session.commit()
        return secret


@pytest.fixture
def token(app, users):
    return issue(app)


def basic(token: str, user: str = "anything") -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()}


@pytest.fixture
def powerbi(app):
    """A client as Power BI's Web connector is: it never sends a cookie."""
    client = app.test_client(use_cookies=False)
    return client


def csv_rows(response) -> list[dict]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def get_json(client, url, token, **params):
    response = client.get(url, headers=basic(token), query_string=params or None)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.json


def every_page(client, url, token, **params) -> list[dict]:
    rows, following = [], url
    while following:
        page = client.get(following, headers=basic(token), query_string=params or None)
        params = {}
        rows += page.json["data"]
        following = page.json["links"]["next"]
    return rows


class TestTheSameRowsAsTheRegister:
    def test_csv_with_basic_authentication_and_no_cookies(
        self, app, clients, powerbi, eqias, token
    ):
        response = powerbi.get("/api/v1/eqias.csv", headers=basic(token))
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "Set-Cookie" not in response.headers
        feed = {row["reference"]: row for row in csv_rows(response)}
        register = csv_rows(clients["auditor"].get("/records/register.csv"))
        assert (
            sorted(feed) == sorted(row["Reference"] for row in register) == sorted(eqias.values())
        )
        for row in register:
            mine = feed[row["Reference"]]
            assert mine["title"] == row["Title"]
            assert mine["directorate"] == row["Directorate"]
            assert mine["lead"] == row["Project lead"]
            assert mine["status_label"] == row["Status"]
            assert mine["proposal_type_label"] == row["Type of proposal"]
            assert mine["outcome_label"] == row["Outcome"]
            assert mine["summary"] == row["Summary"]
            assert mine["signed_off_by"] == row["Signed off by"]
            assert mine["review_date"] == row["Review date"]
            for field, column in (
                ("submitted_at", "Submitted (UK time)"),
                ("signed_off_at", "Signed off (UK time)"),
            ):
                value = mine[field]
                assert (sortable(datetime.fromisoformat(value)) if value else "") == row[column]

    def test_json_has_the_same_rows_typed(self, app, powerbi, eqias, token):
        data = get_json(powerbi, "/api/v1/eqias.json", token)
        csv_feed = csv_rows(powerbi.get("/api/v1/eqias.csv", headers=basic(token)))
        assert [r["reference"] for r in data["data"]] == [r["reference"] for r in csv_feed]
        assert data["meta"] == {
            "dataset": "eqias",
            "reach": "internal",
            "per_page": 100,
            "total": 5,
        }
        libraries = next(r for r in data["data"] if r["reference"] == eqias["libraries"])
        assert libraries["signed_off_at"] == "2026-03-15T10:00:00Z"
        assert libraries["signed_off_revision"] == 1
        assert libraries["status"] == "approved"
        assert libraries["directorate_id"] > 0
        draft = next(r for r in data["data"] if r["reference"] == eqias["hybrid"])
        assert draft["signed_off_at"] is None and draft["signed_off_revision"] is None

    def test_bearer_works_too(self, powerbi, eqias, token):
        response = powerbi.get("/api/v1/eqias.json", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
        assert response.json["meta"]["total"] == 5

    def test_the_public_reach_is_the_public_register(self, app, clients, powerbi, eqias):
        secret = issue(app, reach=Reach.PUBLIC)
        data = get_json(powerbi, "/api/v1/eqias.json", secret)["data"]
        csv_feed = csv_rows(powerbi.get("/api/v1/eqias.csv", headers=basic(secret)))
        register = table_rows(soup(clients["anonymous"].get("/public/eqias")), "#register")
        with app.app_context():
            expected = db.session.scalars(select(Assessment.reference).where(published())).all()
        assert [r["reference"] for r in data] == [r["reference"] for r in csv_feed]
        assert [r["reference"] for r in data] == [row[0] for row in register]
        assert [r["reference"] for r in data] == expected == [eqias["transport"]]
        assert csv_feed[0]["title"] == data[0]["title"] == "School transport eligibility"
        row = data[0]
        assert "status" not in row and "submitted_at" not in row
        # Officers as the public register names them: by job title, unless the admin chose names.
        assert row["lead"] == "Transport Planner"
        assert row["signed_off_by"] == "Officer"
        with app.app_context():
            PublishingPolicy(officers="names").save(None)
            db.session.commit()
        row = get_json(powerbi, "/api/v1/eqias.json", secret)["data"][0]
        assert (row["lead"], row["signed_off_by"]) == ("Tom Okafor", "Marek Nowak")

    def test_the_public_reach_refuses_a_status_filter(self, app, powerbi, eqias):
        secret = issue(app, reach=Reach.PUBLIC)
        response = powerbi.get("/api/v1/eqias.json?status=draft", headers=basic(secret))
        assert response.status_code == 400
        assert response.json["error"]["parameter"] == "status"


class TestFilters:
    def refs(self, client, token, **params) -> set[str]:
        return {
            r["reference"] for r in get_json(client, "/api/v1/eqias.json", token, **params)["data"]
        }

    def test_status_once_or_repeated(self, powerbi, eqias, token):
        assert self.refs(powerbi, token, status="approved") == {
            eqias["libraries"],
            eqias["transport"],
        }
        both = self.refs(powerbi, token, status=["submitted", "returned"])
        assert both == {eqias["recycling"], eqias["learning"]}

    def test_directorate(self, app, powerbi, eqias, token):
        with app.app_context():
            children = db.session.scalar(
                select(Assessment.directorate_id).where(Assessment.reference == eqias["transport"])
            )
        assert self.refs(powerbi, token, directorate=str(children)) == {eqias["transport"]}

    def test_signed_off_between_two_days_in_uk_time(self, powerbi, eqias, token):
        assert self.refs(powerbi, token, signed_off_from="2026-06-30") == {eqias["transport"]}
        assert self.refs(powerbi, token, signed_off_to="2026-06-29") == {eqias["libraries"]}
        both = self.refs(powerbi, token, signed_off_from="2026-03-15", signed_off_to="2026-06-30")
        assert both == {eqias["libraries"], eqias["transport"]}

    def test_the_filters_apply_to_every_dataset(self, powerbi, eqias, token):
        rows = get_json(
            powerbi, "/api/v1/objective-links.json", token, signed_off_from="2026-06-01"
        )
        assert {r["reference"] for r in rows["data"]} == {eqias["transport"]}

    @pytest.mark.parametrize(
        "query, parameter",
        [
            ("colour=red", "colour"),
            ("status=signed-off", "status"),
            ("signed_off_from=2026-02-30", "signed_off_from"),
            ("signed_off_from=15/03/2026", "signed_off_from"),
            ("signed_off_to=yesterday", "signed_off_to"),
            ("signed_off_from=2026-06-01&signed_off_to=2026-05-01", "signed_off_to"),
            ("signed_off_from=2026-01-01&signed_off_from=2026-02-01", "signed_off_from"),
            ("directorate=places", "directorate"),
            ("directorate=-1", "directorate"),
            ("directorate=0", "directorate"),
            ("directorate=" + "9" * 40, "directorate"),
            ("directorate=2147483648", "directorate"),  # past any id: never a query
            ("signed_off_to=9999-12-31", "signed_off_to"),
            ("per_page=0", "per_page"),
            ("per_page=1001", "per_page"),
            ("per_page=ten", "per_page"),
            ("after=abc", "after"),
            ("after=1.2.3", "after"),
            ("after=%00", "after"),
            ("after=2147483648", "after"),
        ],
    )
    @pytest.mark.parametrize("kind", ["json", "csv"])
    def test_a_bad_parameter_is_named(self, powerbi, eqias, token, query, parameter, kind):
        response = powerbi.get(f"/api/v1/eqias.{kind}?{query}", headers=basic(token))
        assert response.status_code == 400
        assert response.mimetype == "application/json"
        error = response.json["error"]
        assert error["parameter"] == parameter
        assert error["code"] in ("bad_parameter", "unknown_parameter")
        assert parameter in error["message"]


class TestRefusals:
    def refused(self, client, headers, security_log, reason):
        response = client.get("/api/v1/eqias.csv", headers=headers)
        assert response.status_code == 401
        assert response.mimetype == "application/json"
        assert response.headers["WWW-Authenticate"] == 'Bearer, Basic realm="EqIA data feed"'
        assert "Set-Cookie" not in response.headers
        assert set(response.json["error"]) == {"status", "code", "message"}
        assert security_log.one("api.refused")["reason"] == reason
        return response.json["error"]["message"]

    def test_no_token(self, powerbi, token, security_log):
        self.refused(powerbi, {}, security_log, "missing")

    @pytest.mark.parametrize(
        "header",
        ["Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Digest abc", "Bearer "],
    )
    def test_a_malformed_header(self, powerbi, token, security_log, header):
        self.refused(powerbi, {"Authorization": header}, security_log, "missing")

    def test_an_unknown_token(self, powerbi, token, security_log):
        message = self.refused(powerbi, basic(token + "x"), security_log, "unknown")
        assert message == "The API token is not one this service issued"
        assert token not in security_log.text

    def test_a_revoked_token(self, app, powerbi, token, security_log):
        with app.app_context():
            row = db.session.scalar(select(ApiToken))
            tokens.revoke(row, User.by_email("admin@example.org"))
            db.session.commit()
        assert (
            self.refused(powerbi, basic(token), security_log, "revoked")
            == "The API token has been revoked"
        )
        assert security_log.one("api.refused")["token_name"] == "Power BI"

    def test_an_expired_token(self, app, powerbi, users, security_log):
        secret = issue(app, name="Last year's")
        with app.app_context():
            db.session.scalar(select(ApiToken)).expires_at = utcnow() - timedelta(seconds=1)
            db.session.commit()
        assert (
            self.refused(powerbi, basic(secret), security_log, "expired")
            == "The API token has expired"
        )

    def test_a_session_is_not_a_token(self, clients, eqias):
        assert clients["admin"].get("/api/v1/eqias.json").status_code == 401

    def test_a_session_cookie_is_left_alone(self, clients, eqias, token, security_log):
        response = clients["admin"].get("/api/v1/eqias.json", headers=basic(token))
        assert response.status_code == 200
        response.get_data()
        assert "Set-Cookie" not in response.headers
        assert security_log.one("api.used")["user_id"] is None

    def test_a_dataset_the_token_may_not_read(self, app, powerbi, eqias, security_log):
        secret = issue(app, datasets=[Dataset.EQIAS])
        assert powerbi.get("/api/v1/eqias.json", headers=basic(secret)).status_code == 200
        for name in ("impacts", "actions", "objective-links"):
            for kind in ("json", "csv"):
                response = powerbi.get(f"/api/v1/{name}.{kind}", headers=basic(secret))
                assert response.status_code == 403, name
                assert response.json["error"]["code"] == "forbidden"
        assert {e["dataset"] for e in security_log.events("api.refused")} == {
            "impacts",
            "actions",
            "objective-links",
        }

    def test_too_many_requests(self, app, powerbi, eqias, token):
        app.config["API_RATE_LIMIT"] = "2 per minute"
        for _ in range(2):
            assert powerbi.get("/api/v1/eqias.json", headers=basic(token)).status_code == 200
        response = powerbi.get("/api/v1/eqias.json", headers=basic(token))
        assert response.status_code == 429
        assert response.json["error"]["code"] == "too_many_requests"
        assert 1 <= int(response.headers["Retry-After"]) <= 61
        # Another token has its own count.
        other = issue(app, name="Another")
        assert powerbi.get("/api/v1/eqias.json", headers=basic(other)).status_code == 200


class TestEachUse:
    def test_logged_with_the_token_path_query_status_and_rows(
        self, app, powerbi, eqias, token, security_log
    ):
        powerbi.get("/api/v1/eqias.csv?status=approved", headers=basic(token)).get_data()
        used = security_log.one("api.used")
        with app.app_context():
            row = db.session.scalar(select(ApiToken))
            assert row.last_used_at is not None
        assert (used["token_id"], used["token_name"]) == (row.id, "Power BI")
        assert (used["path"], used["query"]) == ("/api/v1/eqias.csv", "status=approved")
        assert (used["status"], used["rows"]) == (200, 2)
        assert token not in security_log.text

    def test_a_client_that_stops_reading_is_logged_too(self, powerbi, eqias, token, security_log):
        response = powerbi.get("/api/v1/eqias.csv", headers=basic(token), buffered=False)
        assert next(iter(response.response)).startswith("\ufeffreference,".encode())
        response.close()
        used = security_log.one("api.used")
        assert (used["status"], used["rows"], used["complete"]) == (200, 0, False)

    def test_a_refused_request_is_logged_with_its_status(self, powerbi, eqias, token, security_log):
        powerbi.get("/api/v1/eqias.csv?colour=red", headers=basic(token))
        assert security_log.one("api.used")["status"] == 400


class TestPages:
    def test_json_pages_follow_links_next(self, powerbi, eqias, token):
        first = get_json(powerbi, "/api/v1/eqias.json", token, per_page="2", status="approved")
        assert len(first["data"]) == 2
        everything = every_page(powerbi, "/api/v1/eqias.json", token, per_page="2")
        assert [r["reference"] for r in everything] == sorted(eqias.values())
        one = get_json(powerbi, "/api/v1/eqias.json", token, per_page="5")
        assert one["links"]["next"] is None

    def test_the_next_link_keeps_the_filters(self, powerbi, eqias, token):
        page = get_json(powerbi, "/api/v1/eqias.json", token, per_page="1", status="approved")
        assert "status=approved" in page["links"]["next"]
        assert page["links"]["next"].startswith("http://localhost/api/v1/eqias.json?")

    def test_rows_of_one_eqia_split_across_pages(self, powerbi, eqias, token):
        whole = get_json(powerbi, "/api/v1/impacts.json", token, per_page="1000")["data"]
        assert len(whole) > 3
        paged = every_page(powerbi, "/api/v1/impacts.json", token, per_page="3")
        assert paged == whole

    def test_a_csv_page_has_a_link_header(self, powerbi, eqias, token):
        response = powerbi.get("/api/v1/eqias.csv?per_page=2", headers=basic(token))
        assert len(csv_rows(response)) == 2
        assert response.headers["Link"].endswith('; rel="next"')
        following = response.headers["Link"][1:].split(">")[0]
        rest = csv_rows(powerbi.get(following, headers=basic(token)))
        assert len(rest) == 2


class TestWhatIsRead:
    def test_text_exact_in_json_and_neutralised_as_the_register_in_csv(
        self, clients, powerbi, eqias, token
    ):
        data = get_json(powerbi, "/api/v1/eqias.json", token)["data"]
        row = next(r for r in data if r["reference"] == eqias["libraries"])
        assert row["summary"] == TYPED
        csv_row = next(
            r
            for r in csv_rows(powerbi.get("/api/v1/eqias.csv", headers=basic(token)))
            if r["reference"] == eqias["libraries"]
        )
        register = next(
            r
            for r in csv_rows(clients["auditor"].get("/records/register.csv"))
            if r["Reference"] == eqias["libraries"]
        )
        assert csv_row["summary"] == neutralise(TYPED) == register["Summary"] == "'" + TYPED

    def test_impacts_actions_and_links_from_the_signed_off_revision(
        self, app, powerbi, eqias, token
    ):
        with app.app_context():
            assessment = Assessment.by_reference(eqias["libraries"])
            snapshot = assessment.approved_revision.read()

        def mine(name: str) -> list[dict]:
            rows = get_json(powerbi, f"/api/v1/{name}.json", token)["data"]
            return [r for r in rows if r["reference"] == eqias["libraries"]]

        impacts = mine("impacts")
        assert [(r["characteristic"], r["evidence"]) for r in impacts] == [
            (i.characteristic, i.evidence) for i in snapshot.section("impacts").impacts
        ]
        actions = mine("actions")
        assert [(r["number"], r["action"], r["due_date"]) for r in actions] == [
            (n, a.action, a.due_date) for n, a in enumerate(snapshot.section("actions").actions, 1)
        ]
        links = mine("objective-links")
        assert [(r["objective_number"], r["how"]) for r in links] == [
            (int(o.number), o.how) for o in snapshot.section("objectives").objectives
        ]

    def test_only_links_the_super_user_confirmed(self, app, powerbi, users, token):
        with app.app_context():
            factories.make_directorate(PLACE)
            ref = factories.make_eqia(
                "Two links", stage="submitted", objectives={7: "Villages", 9: "Due regard"}
            ).reference
        factories.decide(
            app,
            ref,
            users["super_user"].id,
            DecisionKind.APPROVED,
            links={7: True, 9: False},
        )
        rows = get_json(powerbi, "/api/v1/objective-links.json", token)["data"]
        assert [(r["reference"], r["objective_number"], r["how"]) for r in rows] == [
            (ref, 7, "Villages")
        ]

    def test_a_drafts_answers_never_in_the_feed(self, app, powerbi, eqias, token):
        with app.app_context():
            assessment = Assessment.by_reference(eqias["transport"])
            workflow.start_review(assessment, User.by_email("lead2@example.org"))
            for impact in db.session.scalars(select(Impact)):
                impact.evidence = "Draft words, not signed off"
            db.session.commit()
        for name in ("impacts", "actions", "objective-links"):
            body = powerbi.get(f"/api/v1/{name}.csv", headers=basic(token)).get_data(as_text=True)
            assert "Draft words" not in body
            # EqIAs never signed off have no impacts, actions or links in the feed.
            refs = {
                r["reference"] for r in get_json(powerbi, f"/api/v1/{name}.json", token)["data"]
            }
            assert refs <= {eqias["libraries"], eqias["transport"]}
        # Under review, the transport EqIA's signed-off record is still the one read.
        links = get_json(powerbi, "/api/v1/objective-links.json", token)["data"]
        assert any(r["reference"] == eqias["transport"] for r in links)


class TestTheSchema:
    def test_open_to_anyone_with_every_path_and_both_schemes(self, client):
        schema = client.get("/api/v1/openapi.json").json
        assert schema["openapi"] == "3.1.0"
        assert set(schema["paths"]) == {f"/{d.value}.{k}" for d in Dataset for k in ("json", "csv")}
        assert set(schema["components"]["securitySchemes"]) == {"bearer", "basic"}
        parameters = {p["name"] for p in schema["paths"]["/eqias.json"]["get"]["parameters"]}
        assert parameters == {
            "signed_off_from",
            "signed_off_to",
            "status",
            "directorate",
            "per_page",
            "after",
        }

    @pytest.mark.parametrize("reach", list(Reach))
    @pytest.mark.parametrize("dataset", list(Dataset))
    def test_every_field_a_response_has_is_in_the_schema_and_back(
        self, app, client, powerbi, eqias, dataset, reach
    ):
        secret = issue(app, reach=reach, name=f"{dataset} {reach}")
        described = client.get("/api/v1/openapi.json").json["components"]["schemas"][dataset.value][
            "properties"
        ]
        expected = {
            n
            for n, p in described.items()
            if reach is Reach.INTERNAL or not p.get("x-eqia-internal")
        }
        rows = get_json(powerbi, f"/api/v1/{dataset.value}.json", secret)["data"]
        assert rows
        for row in rows:
            assert set(row) == expected
            for name, value in row.items():
                kinds = described[name]["type"]
                kinds = kinds if isinstance(kinds, list) else [kinds]
                python = {"string": str, "integer": int, "boolean": bool, "null": type(None)}
                assert any(isinstance(value, python[k]) for k in kinds), (name, value)
        header = csv_rows(powerbi.get(f"/api/v1/{dataset.value}.csv", headers=basic(secret)))[0]
        assert list(header) == list(rows[0])
