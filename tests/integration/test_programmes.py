"""Programmes: admins keep them, leads put an EqIA in one, and the programme page, its PDF
and the review page's panel show the cumulative negative impact of the programme's EqIAs,
signed off and awaiting sign-off apart."""

import pytest
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import (
    Assessment,
    Characteristic,
    Event,
    EventKind,
    Programme,
    User,
)
from tests import factories, pdfs
from tests.helpers import (
    counting_queries,
    error_summary,
    h1,
    queries_for,
    soup,
    submit,
    table_rows,
    text,
    title,
)
from tests.journeys import ABOUT, complete, save

NAME = "Budget 2027/28"
HOSTILE = "<script>alert(1)</script> & ü 漢字"


def negative(evidence: str, mitigation: str, residual: str = "medium") -> tuple:
    return ("negative", evidence, mitigation, residual, "")


@pytest.fixture
def programme_id(app) -> int:
    with app.app_context():
        programme = Programme(name=NAME, description="The budget proposals for 2027/28.")
        db.session.add(programme)
        db.session.commit()
        return programme.id


@pytest.fixture
def world(app, users, programme_id):
    """In the programme: one signed off (age, disability negative; carers positive), one
    awaiting sign-off (age, socio-economic negative), one draft (age negative). Outside
    it: one signed off (age negative)."""
    with app.app_context():
        factories.make_directorate("Place & Sustainability")
        made = {
            "buses": factories.make_eqia(
                "Rural bus subsidy",
                proposal_type="budget",
                programme_id=programme_id,
                impacts={
                    "age": negative("Most passengers are over 65", "Dial-a-ride on Saturdays"),
                    "disability": negative("Few accessible taxis", "Accessible vehicles", "low"),
                    "carers": ("positive", "Carers keep a Saturday service", "", "", ""),
                },
            ),
            "charges": factories.make_eqia(
                "Care at home charges",
                stage="submitted",
                proposal_type="budget",
                programme_id=programme_id,
                impacts={
                    "age": negative("82% of payers are over 65", "A benefits check"),
                    "socio-economic": negative("Just above the threshold", "Hardship fund"),
                },
            ),
            "meals": factories.make_eqia(
                "Meals service draft",
                stage="complete",
                programme_id=programme_id,
                impacts={"age": negative("Draft evidence, not yet submitted", "Draft plan")},
            ),
            "outside": factories.make_eqia(
                "Library hours",
                impacts={"age": negative("Evidence from outside the programme", "Lockers")},
            ),
        }
        return {key: eqia.reference for key, eqia in made.items()}


def cards(page, selector: str) -> list[str]:
    """The EqIAs listed under a heading's section, by their card titles."""
    return [text(t) for t in page.select(f"{selector} .govuk-summary-card__title")]


# --- Admin -----------------------------------------------------------------------------


class TestAdmin:
    def test_an_admin_adds_a_programme_and_it_is_audited(self, app, clients, users):
        admin = clients["admin"]
        response = submit(
            admin,
            "/admin/programmes/new",
            {"name": f"  {NAME} ", "description": "Savings proposals", "active": "y"},
        )
        assert response.location == "/admin/programmes"
        page = soup(admin.get("/admin/programmes"))
        assert table_rows(page) == [[NAME, "Open"]]
        with app.app_context():
            programme = db.session.scalar(select(Programme))
            assert (programme.name, programme.description, programme.active) == (
                NAME,
                "Savings proposals",
                True,
            )
            event = db.session.scalar(select(Event).order_by(Event.seq.desc()))
            assert event.kind is EventKind.PROGRAMME_ADDED
            assert event.actor_id == users["admin"].id
            assert event.note.splitlines()[:2] == [NAME, f"Name: {NAME}"]

    def test_an_admin_closes_a_programme_and_the_change_is_audited(
        self, app, clients, programme_id
    ):
        admin = clients["admin"]
        url = f"/admin/programmes/{programme_id}"
        assert h1(soup(admin.get(url))) == f"Change {NAME}"
        response = submit(admin, url, {"name": NAME, "description": "Closed in March"})
        assert response.location == "/admin/programmes"
        assert table_rows(soup(admin.get("/admin/programmes"))) == [[NAME, "Closed"]]
        with app.app_context():
            event = db.session.scalar(select(Event).order_by(Event.seq.desc()))
            assert event.kind is EventKind.PROGRAMME_CHANGED
            assert "Leads can choose it: yes → no" in event.note
            assert "Description: The budget proposals for 2027/28. → Closed in March" in event.note

    @pytest.mark.parametrize(
        "name, message",
        [
            ("   ", "Enter a programme name"),
            ("x" * 121, "Programme name must be 120 characters or fewer"),
            (NAME, "A programme with this name already exists"),
        ],
    )
    def test_bad_input_gets_a_message_and_nothing_typed_is_lost(
        self, app, clients, programme_id, name, message
    ):
        response = submit(
            clients["admin"],
            "/admin/programmes/new",
            {"name": name, "description": "Typed & kept", "active": "y"},
        )
        page = soup(response)
        assert response.status_code == 200
        assert error_summary(page) == [message]
        assert title(page).startswith("Error:")
        assert page.select_one("textarea[name=description]").get_text() == "Typed & kept"
        if name.strip():
            assert page.select_one("input[name=name]")["value"] == name
        with app.app_context():
            assert len(db.session.scalars(select(Programme)).all()) == 1

    def test_the_admin_list_is_paginated_in_a_fixed_number_of_queries(self, app, clients):
        with app.app_context():
            db.session.add_all(Programme(name=f"Programme {n:02}") for n in range(3))
            db.session.commit()
        few = queries_for(app, clients["admin"], "/admin/programmes")
        with app.app_context():
            db.session.add_all(Programme(name=f"Programme {n:02}") for n in range(3, 40))
            db.session.commit()
        assert queries_for(app, clients["admin"], "/admin/programmes") == few
        page = soup(clients["admin"].get("/admin/programmes?page=2"))
        assert len(table_rows(page)) == 15

    def test_programmes_are_in_the_admin_links(self, clients):
        links = [a["href"] for a in soup(clients["admin"].get("/admin/users")).select("main a")]
        assert "/admin/programmes" in links


# --- Who may see what ---------------------------------------------------------------------


PROGRAMME_PAGES = ["/programmes/", "/programmes/{id}", "/programmes/{id}.pdf"]
ADMIN_PAGES = ["/admin/programmes", "/admin/programmes/new", "/admin/programmes/{id}"]


@pytest.mark.parametrize("path", PROGRAMME_PAGES + ADMIN_PAGES)
@pytest.mark.parametrize("who", ["anonymous", "lead", "super_user", "auditor", "admin"])
def test_who_may_open_each_programme_page(clients, programme_id, path, who):
    url = path.format(id=programme_id)
    response = clients[who].get(url)
    if who == "anonymous":
        assert response.status_code == 302
        assert response.location.startswith("/auth/sign-in")
    elif who == "lead" or (path in ADMIN_PAGES and who != "admin"):
        assert response.status_code == 403
    else:
        assert response.status_code == 200


@pytest.mark.parametrize("who, shown", [("lead", False), ("auditor", True), ("super_user", True)])
def test_the_navigation_links_the_programmes_for_those_who_may_see_them(clients, who, shown):
    links = [a["href"] for a in soup(clients[who].get("/")).select("header a")]
    assert ("/programmes/" in links) is shown


def test_a_missing_programme_is_not_found(clients, programme_id):
    assert clients["auditor"].get(f"/programmes/{programme_id + 1}").status_code == 404
    assert clients["auditor"].get(f"/programmes/{programme_id + 1}.pdf").status_code == 404


# --- Membership ---------------------------------------------------------------------------


class TestMembership:
    QUESTION = "Is this proposal part of a programme?"

    @pytest.fixture
    def codes(self, app):
        with app.app_context():
            return [c.code for c in Characteristic.active_in_order()]

    def test_not_asked_when_there_is_no_programme(self, clients, ref):
        page = soup(clients["lead"].get(f"/eqia/{ref}/questions/about"))
        assert page.select_one("select[name=programme_id]") is None
        assert self.QUESTION not in page.get_text()

    def test_the_lead_chooses_it_and_it_is_frozen_in_the_revision(
        self, app, clients, users, ref, directorate_id, codes, programme_id
    ):
        lead = clients["lead"]
        page = soup(lead.get(f"/eqia/{ref}/questions/about"))
        options = [text(o) for o in page.select("select[name=programme_id] option")]
        assert options == ["Not part of a programme", NAME]
        complete(lead, ref, codes, directorate_id)
        about = {**ABOUT, "directorate_id": str(directorate_id), "programme_id": str(programme_id)}
        save(lead, ref, "about", about)
        check = soup(lead.get(f"/eqia/{ref}/check"))
        rows = {
            text(row.select_one(".govuk-summary-list__key")): text(
                row.select_one(".govuk-summary-list__value")
            )
            for row in check.select(".govuk-summary-list__row")
        }
        assert rows[self.QUESTION] == NAME
        with app.app_context():
            assessment = Assessment.by_reference(ref)
            assert assessment.programme_id == programme_id
            factories.submit(assessment, db.session.get(User, users["lead"].id))
            db.session.commit()
            revision = Assessment.by_reference(ref).revisions[-1]
            assert revision.snapshot["programme"] == {"code": str(programme_id), "label": NAME}
            assert revision.read().programme == NAME
            # Renaming the programme later does not change what was frozen.
            db.session.get(Programme, programme_id).name = "Renamed"
            db.session.commit()
            assert Assessment.by_reference(ref).revisions[-1].read().programme == NAME

    def test_a_closed_programme_is_offered_only_to_the_eqias_already_in_it(
        self, app, clients, ref, directorate_id, programme_id
    ):
        lead = clients["lead"]
        save(lead, ref, "screening", {"could_affect": "yes"})
        about = {**ABOUT, "directorate_id": str(directorate_id), "programme_id": str(programme_id)}
        save(lead, ref, "about", about)
        with app.app_context():
            db.session.get(Programme, programme_id).active = False
            db.session.add(Programme(name="Another programme"))
            db.session.commit()
            other = factories.make_assessment(User.by_email("lead@example.org")).reference
        mine = soup(lead.get(f"/eqia/{ref}/questions/about"))
        chosen = mine.select_one("select[name=programme_id] option[selected]")
        assert text(chosen) == NAME
        theirs = soup(lead.get(f"/eqia/{other}/questions/about"))
        options = [text(o) for o in theirs.select("select[name=programme_id] option")]
        assert options == ["Not part of a programme", "Another programme"]

    def test_not_part_of_a_programme_is_kept_as_no_programme(
        self, app, clients, ref, directorate_id, programme_id
    ):
        about = {**ABOUT, "directorate_id": str(directorate_id), "programme_id": ""}
        save(clients["lead"], ref, "about", about)
        with app.app_context():
            assert Assessment.by_reference(ref).programme_id is None
        check = soup(clients["lead"].get(f"/eqia/{ref}/check"))
        row = next(
            r
            for r in check.select(".govuk-summary-list__row")
            if text(r.select_one(".govuk-summary-list__key")) == self.QUESTION
        )
        assert text(row.select_one(".govuk-summary-list__value")) == "Not part of a programme"


# --- The programme page -------------------------------------------------------------------


class TestProgrammePage:
    def test_negative_impacts_by_characteristic_signed_off_and_awaiting_apart(
        self, clients, world, programme_id
    ):
        page = soup(clients["super_user"].get(f"/programmes/{programme_id}"))
        assert h1(page) == NAME
        assert table_rows(page, "#summary") == [
            ["Age", "1", "1"],
            ["Disability", "1", "0"],
            ["Socio-economic disadvantage", "0", "1"],
        ]
        section = page.select_one("section[aria-labelledby=impacts-age]")
        assert [text(h) for h in section.select("h3")] == [
            "Signed off (1)",
            "Awaiting sign-off (1)",
        ]
        assert cards(page, "section[aria-labelledby=impacts-age]") == [
            f"{world['buses']}: Rural bus subsidy",
            f"{world['charges']}: Care at home charges",
        ]
        values = [text(v) for v in section.select(".govuk-summary-list__value")]
        assert values == [
            "Most passengers are over 65",
            "Dial-a-ride on Saturdays",
            "Medium",
            "82% of payers are over 65",
            "A benefits check",
            "Medium",
        ]
        link = section.select_one(".govuk-summary-card__title a")
        assert link["href"] == f"/eqia/{world['buses']}"
        body = page.get_text()
        assert "Draft evidence" not in body  # a draft counts for nothing
        assert "outside the programme" not in body
        assert "Carers keep a Saturday service" not in body  # a positive impact is not listed
        assert "1 signed off and 1 awaiting sign-off" in body
        assert page.select_one("a[href='#impacts-age']") is not None

    def test_the_chart_has_a_text_alternative(self, clients, world, programme_id):
        page = soup(clients["auditor"].get(f"/programmes/{programme_id}"))
        svg = page.select_one("figure#chart-programme-impacts svg")
        assert svg["role"] == "img"
        assert text(svg.select_one("title")) == "Negative impacts on each characteristic"
        assert "The table that follows gives the same figures" in text(svg.select_one("desc"))
        bars = [text(t) for t in svg.select("g > title")]
        assert (
            "Age, signed off: 1" in bars
            and "Socio-economic disadvantage, awaiting sign-off: 1" in bars
        )

    def test_the_list_of_programmes_links_each_page(self, clients, programme_id):
        page = soup(clients["auditor"].get("/programmes/"))
        assert table_rows(page) == [[NAME, "Open"]]
        assert page.select_one("main table a")["href"] == f"/programmes/{programme_id}"

    def test_a_programme_without_negative_impacts_says_so(self, clients, programme_id):
        page = soup(clients["admin"].get(f"/programmes/{programme_id}"))
        assert "has found a negative impact" in page.get_text()
        assert page.select_one("#summary") is None

    def test_a_constant_number_of_queries_whatever_the_number_of_eqias(
        self, app, clients, users, programme_id
    ):
        def add(count: int, start: int) -> None:
            with app.app_context():
                for n in range(start, start + count):
                    factories.make_eqia(
                        f"Budget proposal {n}",
                        stage="approved" if n % 2 else "submitted",
                        programme_id=programme_id,
                        impacts={"age": negative(f"Evidence {n}", f"Mitigation {n}")},
                    )

        with app.app_context():
            factories.make_directorate("Place & Sustainability")
        add(2, 0)
        url = f"/programmes/{programme_id}"
        two = queries_for(app, clients["auditor"], url)
        add(4, 2)
        with counting_queries(app) as statements:
            page = soup(clients["auditor"].get(url))
        assert len(statements) == two
        assert table_rows(page, "#summary") == [["Age", "3", "3"]]

    def test_hostile_text_comes_back_exactly(self, app, clients, users):
        with app.app_context():
            factories.make_directorate("Place & Sustainability")
            programme = Programme(name=HOSTILE, description=HOSTILE)
            db.session.add(programme)
            db.session.commit()
            pid = programme.id
            factories.make_eqia(
                HOSTILE, programme_id=pid, impacts={"age": negative(HOSTILE, HOSTILE)}
            )
        response = clients["auditor"].get(f"/programmes/{pid}")
        body = response.get_data(as_text=True)
        assert "<script>alert(1)</script>" not in body
        page = soup(response)
        assert h1(page) == HOSTILE
        values = [text(v) for v in page.select(".govuk-summary-list__value")]
        assert values[:2] == [HOSTILE, HOSTILE]
        assert text(page.select_one(".govuk-summary-card__title")).endswith(f": {HOSTILE}")
        content = clients["auditor"].get(f"/programmes/{pid}.pdf").data
        words = " ".join(pdfs.poppler_text(content).split())
        assert words.count(HOSTILE) >= 4  # the title, the card, the evidence, the mitigation


class TestPdf:
    def test_the_pdf_says_what_the_page_says_and_is_tagged(self, clients, world, programme_id):
        response = clients["auditor"].get(f"/programmes/{programme_id}.pdf")
        assert response.status_code == 200
        assert response.content_type == "application/pdf"
        assert "attachment" in response.headers["Content-Disposition"]
        content = response.data
        assert pdfs.tagging_problems(content, f"{NAME}: cumulative impact") == []
        words = " ".join(pdfs.poppler_text(content).split())
        assert f"{NAME}: cumulative impact" in words
        assert "1 signed off and 1 awaiting sign-off" in words
        assert "Age 1 1 Disability 1 0 Socio-economic disadvantage 0 1" in words
        assert "Most passengers are over 65" in words and "A benefits check" in words
        assert "Draft evidence" not in words and "outside the programme" not in words
        assert "Carers keep a Saturday service" not in words
        assert words.index(f"{world['buses']}: Rural bus subsidy") < words.index(
            f"{world['charges']}: Care at home charges"
        )


# --- The review page's panel ----------------------------------------------------------------


class TestReviewPanel:
    def test_the_other_eqias_negative_impacts_on_the_same_characteristics(
        self, clients, world, programme_id
    ):
        page = soup(clients["super_user"].get(f"/reviews/{world['charges']}"))
        panel = page.select_one("section[aria-labelledby=programme-impacts]")
        assert text(panel.select_one("h2")) == f"Other negative impacts in {NAME}"
        # This EqIA is negative on age and socio-economic disadvantage; the bus subsidy
        # (signed off) on age and disability: only age is shown, and not this EqIA itself.
        assert [text(h) for h in panel.select("h3")] == ["Age"]
        assert [text(h) for h in panel.select("h4")] == ["Signed off (1)", "Awaiting sign-off (0)"]
        assert cards(page, "section[aria-labelledby=programme-impacts]") == [
            f"{world['buses']}: Rural bus subsidy"
        ]
        values = [text(v) for v in panel.select(".govuk-summary-list__value")]
        assert values == ["Most passengers are over 65", "Dial-a-ride on Saturdays", "Medium"]
        assert "Few accessible taxis" not in panel.get_text()  # disability: not this EqIA's
        assert "Draft evidence" not in panel.get_text()
        link = panel.select("a")[-1]
        assert link["href"] == f"/programmes/{programme_id}"

    def test_an_eqia_awaiting_sign_off_shows_in_anothers_panel(
        self, app, clients, users, world, programme_id
    ):
        with app.app_context():
            later = factories.make_eqia(
                "Youth service budget",
                stage="submitted",
                programme_id=programme_id,
                impacts={"socio-economic": negative("Fewer free sessions", "Targeted offer")},
            ).reference
        page = soup(clients["super_user"].get(f"/reviews/{later}"))
        panel = page.select_one("section[aria-labelledby=programme-impacts]")
        assert [text(h) for h in panel.select("h3")] == ["Socio-economic disadvantage"]
        assert [text(h) for h in panel.select("h4")] == ["Signed off (0)", "Awaiting sign-off (1)"]
        assert "Just above the threshold" in panel.get_text()

    def test_no_panel_for_an_eqia_in_no_programme(self, app, clients, users, world):
        with app.app_context():
            lone = factories.make_eqia("Not in a programme", stage="submitted").reference
        page = soup(clients["super_user"].get(f"/reviews/{lone}"))
        assert page.select_one("section[aria-labelledby=programme-impacts]") is None

    def test_the_panel_costs_the_same_queries_however_many_eqias(
        self, app, clients, users, world, programme_id
    ):
        url = f"/reviews/{world['charges']}"
        before = queries_for(app, clients["super_user"], url)
        with app.app_context():
            for n in range(4):
                factories.make_eqia(
                    f"More proposal {n}",
                    programme_id=programme_id,
                    impacts={"age": negative(f"More evidence {n}", "More mitigation")},
                )
        assert queries_for(app, clients["super_user"], url) == before
