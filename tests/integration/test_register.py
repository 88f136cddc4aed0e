"""The register: every EqIA, filtered, searched, sorted and paged through the URL."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from eqia import workflow
from eqia.extensions import db
from eqia.models import Assessment, Decision, Directorate, Objective, Role, Status, User
from eqia.models.catalogue import Characteristic
from eqia.records import generate
from eqia.records.forms import parse_date
from eqia.records.register import PER_PAGE, neutralise, requested_page
from tests import factories
from tests.helpers import (
    error_summary,
    h1,
    queries_for,
    soup,
    table_rows,
    text,
    title,
)
from tests.journeys import OUTCOME, save

PLACE, CHILDREN = "Place & Sustainability", "Children, Education & Families"


def approve_on(reference: str, when: datetime) -> None:
    """As if the record in force had been signed off at that moment."""
    assessment = db.session.scalar(select(Assessment).where(Assessment.reference == reference))
    db.session.execute(
        update(Decision)
        .where(Decision.revision_id == assessment.approved_revision_id)
        .values(decided_at=when)
    )
    assessment.approved_at = when
    db.session.commit()


@pytest.fixture
def eqias(app, users, once):
    """Five EqIAs at different stages; their references by a short name."""

    def build():
        with app.app_context():
            factories.make_directorate(PLACE)
            factories.make_directorate(CHILDREN)
            factories.make_user("lead2@example.org", "Tom Okafor")
            factories.make_user("super2@example.org", "Marek Nowak", roles={Role.SUPER_USER})
            made = {
                "libraries": factories.make_eqia("Mobile library routes"),
                "transport": factories.make_eqia(
                    "School transport eligibility",
                    directorate=CHILDREN,
                    reviewer="super2@example.org",
                    proposal_type="policy",
                    outcome="no-major-change",
                    summary="Zażółć gęślą jaźń: no change for families",
                    impacts={},
                    objectives={1: "Fairer access to school transport"},
                ),
                "recycling": factories.make_eqia(
                    "Recycling centre hours 100% reviewed",
                    stage="submitted",
                    proposal_type="budget",
                    outcome="continue",
                    objectives={7: "Keeps services local"},
                ),
                "hybrid": factories.make_eqia(
                    "Hybrid working policy",
                    owner="lead2@example.org",
                    stage="complete",
                    proposal_type="workforce",
                    outcome="stop",
                    summary="Stop: it would disadvantage carers",
                ),
                "learning": factories.make_eqia("Adult learning online", stage="returned"),
            }
            refs = {name: a.reference for name, a in made.items()}
            approve_on(refs["libraries"], datetime(2026, 3, 15, 10, 0, tzinfo=UTC))
            # 30 June 2026 at 11:30pm in the UK (BST): still 30 June for the filter.
            approve_on(refs["transport"], datetime(2026, 6, 30, 22, 30, tzinfo=UTC))
        return refs

    return once(build)


def refs_on(client, query: str = "", **params) -> list[str]:
    response = client.get("/records/" + query, query_string=params or None)
    assert response.status_code == 200
    return [row[0] for row in table_rows(soup(response), "#register")]


def ids(app, model, **where) -> int:
    with app.app_context():
        column = next(iter(where))
        return db.session.scalar(select(model.id).where(getattr(model, column) == where[column]))


class TestTheRegister:
    def test_every_eqia_with_what_an_auditor_needs(self, clients, eqias):
        page = soup(clients["auditor"].get("/records/"))
        assert h1(page) == "Register of EqIAs"
        assert text(page.select_one("#result-count")) == "5 EqIAs"
        rows = {row[0]: row for row in table_rows(page, "#register")}
        assert set(rows) == set(eqias.values())
        libraries = rows[eqias["libraries"]]
        assert libraries[1] == "Mobile library routes Place & Sustainability; lead Lee Lead"
        assert libraries[2] == "Signed off Adjust the proposal"
        assert libraries[4] == "15 March 2026 by Sue Super"
        assert libraries[5] == "30 November 2027"
        transport = rows[eqias["transport"]]
        assert transport[4] == "30 June 2026 by Marek Nowak"
        assert rows[eqias["recycling"]][2] == "Awaiting sign-off Continue despite adverse impact"
        assert rows[eqias["recycling"]][4] == "Not signed off"
        assert rows[eqias["hybrid"]][3] == "Not submitted"
        assert rows[eqias["hybrid"]][1].endswith("lead Tom Okafor")
        link = page.select_one(f"#register a[href='/eqia/{eqias['libraries']}']")
        assert link is not None

    @pytest.mark.parametrize("who", ["auditor", "admin", "super_user"])
    def test_auditors_admins_and_super_users_see_it(self, clients, eqias, who):
        assert len(refs_on(clients[who])) == 5

    def test_the_auditor_finds_it_in_the_navigation(self, clients):
        page = soup(clients["auditor"].get("/"))
        assert page.select_one(".govuk-service-navigation a[href='/records/']")


class TestFilters:
    def test_status_one_or_several(self, clients, eqias):
        auditor = clients["auditor"]
        assert set(refs_on(auditor, status="approved")) == {eqias["libraries"], eqias["transport"]}
        both = refs_on(auditor, "?status=submitted&status=returned")
        assert set(both) == {eqias["recycling"], eqias["learning"]}
        page = soup(auditor.get("/records/?status=submitted&status=returned"))
        checked = {i["value"] for i in page.select("input[name=status][checked]")}
        assert checked == {"submitted", "returned"}

    def test_directorate_type_and_outcome(self, app, clients, eqias):
        auditor = clients["auditor"]
        children = ids(app, Directorate, name=CHILDREN)
        assert refs_on(auditor, directorate=children) == [eqias["transport"]]
        assert refs_on(auditor, proposal_type="workforce") == [eqias["hybrid"]]
        assert refs_on(auditor, outcome="continue") == [eqias["recycling"]]
        assert refs_on(auditor, outcome="adjust", status="approved") == [eqias["libraries"]]

    def test_a_negative_impact_on_a_characteristic(self, app, clients, eqias):
        age = ids(app, Characteristic, code="age")
        found = set(refs_on(clients["auditor"], negative=age))
        assert eqias["transport"] not in found  # every impact neutral
        assert found == {eqias[n] for n in ("libraries", "recycling", "hybrid", "learning")}
        carers = ids(app, Characteristic, code="carers")  # positive only
        assert refs_on(clients["auditor"], negative=carers) == []

    def test_confirmed_links_of_signed_off_eqias_support_an_objective(self, app, clients, eqias):
        seven = ids(app, Objective, number=7)
        # The recycling EqIA proposes objective 7, but nobody has confirmed it yet; the
        # super user who returned the adult learning one confirmed its link, but it has
        # never been signed off, so it does not count (as on the objective's page).
        assert refs_on(clients["auditor"], objective=seven) == [eqias["libraries"]]
        one = ids(app, Objective, number=1)
        assert refs_on(clients["auditor"], objective=one) == [eqias["transport"]]

    def test_who_signed_it_off(self, app, clients, eqias):
        marek = ids(app, User, email="super2@example.org")
        assert refs_on(clients["auditor"], approved_by=marek) == [eqias["transport"]]
        page = soup(clients["auditor"].get("/records/"))
        options = [text(o) for o in page.select("select[name=approved_by] option")]
        assert options == ["Anyone", "Marek Nowak", "Sue Super"]

    @pytest.mark.parametrize(
        "start, end, expected",
        [
            ("2026-03-15", "2026-03-15", ["libraries"]),
            ("15/3/2026", "", ["libraries", "transport"]),
            ("2026-03-16", "2026-06-30", ["transport"]),
            ("", "29/06/2026", ["libraries"]),
            ("2026-07-01", "", []),
        ],
    )
    def test_signed_off_between_two_days_in_uk_time(self, clients, eqias, start, end, expected):
        found = refs_on(clients["auditor"], approved_from=start, approved_to=end, sort="title")
        assert sorted(found) == sorted(eqias[name] for name in expected)

    @pytest.mark.parametrize(
        "term, expected",
        [
            ("library", ["libraries"]),
            ("MOBILE", ["libraries"]),
            ("gęślą", ["transport"]),  # in the outcome's summary
            ("disadvantage carers", ["hybrid"]),
            ("100%", ["recycling"]),  # % is a character, not a wildcard
            ("1_0", []),
        ],
    )
    def test_search_over_reference_title_and_summary(self, clients, eqias, term, expected):
        assert refs_on(clients["auditor"], q=term) == [eqias[name] for name in expected]

    def test_search_by_reference(self, clients, eqias):
        auditor = clients["auditor"]
        assert refs_on(auditor, q=eqias["hybrid"].lower()) == [eqias["hybrid"]]  # exact
        assert refs_on(auditor, q=f" {eqias['hybrid']} ") == [eqias["hybrid"]]
        part = eqias["hybrid"][-6:]  # "6-0004": part of a reference
        assert refs_on(auditor, q=part) == [eqias["hybrid"]]

    def test_filters_combine_and_stay_in_the_form_and_links(self, app, clients, eqias):
        age = ids(app, Characteristic, code="age")
        url = f"/records/?status=approved&status=submitted&negative={age}&q=r&sort=title&order=asc"
        page = soup(clients["auditor"].get(url))
        refs = [row[0] for row in table_rows(page, "#register")]
        assert refs == [eqias["libraries"], eqias["recycling"]]
        assert page.select_one("input[name=q]")["value"] == "r"
        assert page.select_one(f"select[name=negative] option[value='{age}']").has_attr("selected")
        csv_link = page.select_one("#downloads a")["href"]
        assert csv_link.startswith("/records/register.csv?")
        for part in ("status=approved", "status=submitted", f"negative={age}", "q=r"):
            assert part in csv_link
        assert "export.zip?" in page.select("#downloads a")[1]["href"]

    def test_the_zip_link_is_for_auditors_only(self, clients, eqias):
        links = [text(a) for a in soup(clients["admin"].get("/records/")).select("#downloads a")]
        assert links == ["Download as CSV"]

    def test_nothing_matches(self, clients, eqias):
        page = soup(clients["auditor"].get("/records/?q=nothing-like-this"))
        assert text(page.select_one("#result-count")) == "0 EqIAs"
        assert "No EqIAs match these filters" in text(page.select_one("main"))


class TestBadInput:
    @pytest.mark.parametrize(
        "params, message",
        [
            (
                {"approved_from": "2026-13-45"},
                "Signed off from must be a real date, like 31/3/2027",
            ),
            ({"approved_to": "31/02/2026"}, "Signed off to must be a real date, like 31/3/2027"),
            ({"approved_from": "yesterday"}, "Signed off from must be a real date, like 31/3/2027"),
            (
                {"approved_from": "0001-01-01"},
                "Signed off from must be a real date, like 31/3/2027",
            ),
            (
                {"approved_from": "2026-06-01", "approved_to": "2026-05-01"},
                "Signed off to must be the same as or after signed off from",
            ),
            ({"status": "archived"}, "Select a status from the list"),
            ({"status": ["approved", "<script>"]}, "Select a status from the list"),
            ({"directorate": "abc"}, "Select a directorate from the list"),
            ({"directorate": "999999"}, "Select a directorate from the list"),
            ({"negative": "-1"}, "Select a characteristic from the list"),
            ({"objective": "1e9"}, "Select an objective from the list"),
            ({"approved_by": "0x10"}, "Select a super user from the list"),
            ({"proposal_type": "anything"}, "Select a type of proposal from the list"),
            ({"outcome": "maybe"}, "Select an outcome from the list"),
            ({"q": "x" * 201}, "Search must be 200 characters or fewer"),
        ],
    )
    def test_a_gov_uk_error_and_the_rest_of_the_filter_still_applies(
        self, clients, eqias, params, message
    ):
        response = clients["auditor"].get("/records/", query_string=params)
        assert response.status_code == 200
        page = soup(response)
        assert error_summary(page) == [message]
        assert title(page).startswith("Error: Register of EqIAs")
        # The filter in error is ignored; a valid start date still applies.
        expected = "1 EqIA" if params.get("approved_to") == "2026-05-01" else "5 EqIAs"
        assert text(page.select_one("#result-count")) == expected

    def test_good_filters_apply_beside_a_bad_one(self, clients, eqias):
        found = refs_on(clients["auditor"], status="approved", approved_from="2026-13-45")
        assert set(found) == {eqias["libraries"], eqias["transport"]}

    @pytest.mark.parametrize("sort, order", [("owner_id", "asc"), ("reference", "sideways")])
    def test_an_unknown_sort_is_ignored(self, clients, eqias, sort, order):
        assert len(refs_on(clients["auditor"], sort=sort, order=order)) == 5

    @pytest.mark.parametrize(
        "raw, expected",
        [
            ("1", 1),
            ("3", 3),
            ("-1", 1),
            ("0", 1),
            ("abc", 1),
            ("", 1),
            ("²", 1),
            ("10" * 30, 10**18),
        ],
    )
    def test_any_page_number_a_person_can_type(self, raw, expected):
        assert requested_page(raw) == expected

    @pytest.mark.parametrize(
        "raw, expected",
        [
            ("2027-03-31", (2027, 3, 31)),
            ("31/3/2027", (2027, 3, 31)),
            ("31.03.2027", (2027, 3, 31)),
        ],
    )
    def test_dates_as_people_type_them(self, raw, expected):
        assert parse_date(raw).timetuple()[:3] == expected


class TestSortingAndPages:
    @pytest.fixture
    def many(self, app, users):
        """31 generated EqIAs: two pages."""
        with app.app_context():
            generate.generate(31, seed=7)

    def test_sort_by_title_both_ways(self, clients, eqias):
        auditor = clients["auditor"]
        up = refs_on(auditor, sort="title", order="asc")
        names = ["learning", "hybrid", "libraries", "recycling", "transport"]
        assert up == [eqias[name] for name in names]
        assert refs_on(auditor, sort="title", order="desc") == list(reversed(up))

    def test_newest_reference_first_by_default(self, clients, eqias):
        assert refs_on(clients["auditor"]) == sorted(eqias.values(), reverse=True)

    @pytest.mark.parametrize("order", ["asc", "desc"])
    def test_eqias_never_signed_off_come_last_either_way(self, clients, eqias, order):
        found = refs_on(clients["auditor"], sort="approved", order=order)
        first_two = [eqias["libraries"], eqias["transport"]]
        assert found[:2] == (first_two if order == "asc" else list(reversed(first_two)))

    def test_sort_links_toggle_and_keep_the_filter(self, clients, eqias):
        page = soup(clients["auditor"].get("/records/?status=approved&sort=title&order=asc"))
        header = page.select_one("#register th[aria-sort]")
        assert text(header) == "Title ▲" and header["aria-sort"] == "ascending"
        link = header.select_one("a")["href"]
        assert "sort=title" in link and "order=desc" in link and "status=approved" in link
        other = page.select_one("#register th a[href*='sort=submitted']")["href"]
        assert "order=desc" in other  # the newest first on a first click

    def test_pages_and_their_links(self, clients, many):
        auditor = clients["auditor"]
        first = soup(
            auditor.get(
                "/records/?status=approved&status=draft&status=submitted"
                "&status=returned&status=withdrawn&sort=reference&order=asc"
            )
        )
        assert text(first.select_one("#result-count")) == "31 EqIAs"
        assert len(table_rows(first, "#register")) == PER_PAGE
        next_link = first.select_one(".govuk-pagination__next a")["href"]
        assert "page=2" in next_link and "sort=reference" in next_link
        assert next_link.count("status=") == 5
        second = soup(auditor.get(next_link))
        assert len(table_rows(second, "#register")) == 31 - PER_PAGE
        assert not set(map(tuple, table_rows(first, "#register"))) & set(
            map(tuple, table_rows(second, "#register"))
        )

    @pytest.mark.parametrize(
        "page, rows", [("-1", PER_PAGE), ("0", PER_PAGE), ("1000000000000", 6), ("2", 6), ("x", 25)]
    )
    def test_a_page_that_does_not_exist(self, clients, many, page, rows):
        response = clients["auditor"].get("/records/", query_string={"page": page})
        assert response.status_code == 200
        assert len(table_rows(soup(response), "#register")) == rows


class TestQueryCount:
    """Any filter and any page runs the same number of queries, however many EqIAs."""

    URLS = [
        "/records/",
        "/records/?page=2",
        "/records/?status=approved&sort=approved&order=asc",
        "/records/?q=library&sort=title",
        "/records/?negative={age}&objective={seven}&directorate={place}",
        "/records/?approved_from=2020-01-01&approved_to=2030-12-31&approved_by={sue}",
        "/records/?approved_from=2026-13-45&status=nonsense&page=999999999",
    ]

    def count(self, app, client, url: str) -> int:
        return queries_for(app, client, url)

    def test_three_or_thirty_eqias(self, app, clients, users):
        with app.app_context():
            place = factories.make_directorate(PLACE).id
            age = ids(app, Characteristic, code="age")
            seven = ids(app, Objective, number=7)
            generate.generate(3, seed=1)
        values = {"age": age, "seven": seven, "place": place, "sue": users["super_user"].id}
        urls = [url.format(**values) for url in self.URLS]
        auditor = clients["auditor"]
        few = {url: self.count(app, auditor, url) for url in urls}
        with app.app_context():
            generate.generate(27, seed=2)
        many = {url: self.count(app, auditor, url) for url in urls}
        assert many == few
        assert max(few.values()) <= 9  # session, the filter's four lists, count, rows


class TestTheWorkflowKeepsTheRegisterCurrent:
    def test_submitted_approved_and_a_review_started(self, app, clients, users, eqias):
        lead = clients["lead"]
        ref = eqias["libraries"]
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            approved_at, approved_by = assessment.approved_at, assessment.approved_by_id
            assert approved_by == users["super_user"].id
            assert assessment.submitted_at is not None
            assert assessment.summary == "Keep Tuesday mornings at two libraries."
            workflow.start_review(assessment, db.session.get(User, users["lead"].id))
            db.session.commit()
        save(lead, ref, "outcome", {**OUTCOME, "summary": "=Now with a Saturday bus"})
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            # The signed-off record stays in force while the review is a draft.
            assert (assessment.approved_at, assessment.approved_by_id) == (approved_at, approved_by)
            assert assessment.status is Status.DRAFT
            assert assessment.summary == "=Now with a Saturday bus"

    def test_a_return_is_not_a_sign_off(self, app, eqias):
        with app.app_context():
            returned = Assessment.by_reference(eqias["learning"])
            assert returned.submitted_at is not None
            assert returned.approved_at is None and returned.approved_by_id is None


def test_cells_that_a_spreadsheet_would_run_are_neutralised():
    assert neutralise('=HYPERLINK("http://x","y")') == '\'=HYPERLINK("http://x","y")'
    for start in ("+", "-", "@", "\t", "\r"):
        assert neutralise(start + "1") == "'" + start + "1"
    assert neutralise("Zażółć") == "Zażółć"
    assert neutralise(None) == ""
    assert neutralise(3) == "3"


def test_the_generator_refuses_in_production(app):
    app.config["PRODUCTION"] = True
    result = app.test_cli_runner().invoke(args=["generate-eqias", "--count", "1"])
    assert result.exit_code != 0
    assert "refused under the production configuration" in result.output


def test_the_migration_fills_in_the_register_for_existing_eqias(tmp_path):
    """Down to 0004 (the columns go) and up again: 0005 fills them in from the revisions,
    decisions and answers, as the workflow had set them."""
    from flask_migrate import downgrade, upgrade

    from eqia import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrated.sqlite3'}"})

    def register_columns() -> dict:
        query = select(
            Assessment.reference,
            Assessment.submitted_at,
            Assessment.approved_at,
            Assessment.approved_by_id,
            Assessment.summary,
        )
        return {
            row.reference: tuple(row) for row in db.session.execute(query.order_by(Assessment.id))
        }

    with app.app_context():
        upgrade()
        factories.make_directorate(PLACE)
        factories.make_user("lead@example.org", "Lee Lead")
        factories.make_user("super@example.org", "Sue Super", roles={Role.SUPER_USER})
        factories.make_eqia("Signed off", summary="Kept as typed: «Zażółć»")
        factories.make_eqia("Returned", stage="returned")
        factories.make_eqia("Draft", stage="complete")
        before = register_columns()
        db.session.remove()
        downgrade(revision="0004")
        upgrade()
        after = register_columns()
        db.session.remove()
        db.engine.dispose()
    assert after == before
    signed, returned, draft = before.values()
    assert signed[2] is not None and signed[4] == "Kept as typed: «Zażółć»"
    assert returned[1] is not None and returned[2] is None
    assert draft[1:4] == (None, None, None)
