"""Admins add, reword, reorder and retire the characteristics EqIAs ask about."""

import pytest
from sqlalchemy import select, update

from eqia.admin.characteristics import slugify
from eqia.extensions import db
from eqia.models import Assessment, Characteristic, Impact
from tests.helpers import (
    banners,
    csrf_token,
    error_summary,
    h1,
    inline_errors,
    soup,
    submit,
    table_rows,
    title,
)

SEEDED = [
    "Age",
    "Disability",
    "Gender reassignment",
    "Marriage and civil partnership",
    "Pregnancy and maternity",
    "Race",
    "Religion or belief",
    "Sex",
    "Sexual orientation",
    "Care experience",
    "Socio-economic disadvantage",
    "Carers",
    "Rural isolation",
    "Armed forces community",
]

NEW = {
    "name": "Digital exclusion",
    "guidance": "People who cannot get online, or who lack the skills or confidence to.",
    "kind": "local",
    "active": "y",
}


def listed(client) -> list[list[str]]:
    return table_rows(soup(client.get("/admin/characteristics")))


def names(client) -> list[str]:
    return [row[0] for row in listed(client)]


def characteristic(app, name: str) -> Characteristic:
    with app.app_context():
        found = db.session.scalar(select(Characteristic).where(Characteristic.name == name))
        db.session.expunge(found)
        return found


def move(client, characteristic_id: int, direction: str):
    token = csrf_token(soup(client.get("/admin/characteristics")))
    return client.post(
        f"/admin/characteristics/{characteristic_id}/move",
        data={"direction": direction, "csrf_token": token},
    )


def test_the_seeded_catalogue_is_listed_in_order(clients):
    rows = listed(clients["admin"])
    assert [row[0] for row in rows] == SEEDED
    assert {row[1] for row in rows[:9]} == {"Protected characteristic"}
    assert {row[1] for row in rows[9:]} == {"Local characteristic"}
    assert {row[2] for row in rows} == {"Active"}
    assert rows[0][3:] == ["Change Age", "Move down Age"]
    assert rows[1][3:] == ["Change Disability", "Move up Disability Move down Disability"]
    assert rows[-1][4] == "Move up Armed forces community"


@pytest.mark.parametrize(
    "url", ["/admin/characteristics", "/admin/characteristics/new", "/admin/characteristics/1"]
)
@pytest.mark.parametrize(
    "who, expected",
    [("anonymous", 302), ("lead", 403), ("super_user", 403), ("auditor", 403), ("admin", 200)],
)
def test_only_admins_manage_the_catalogue(clients, url, who, expected):
    assert clients[who].get(url).status_code == expected


@pytest.mark.parametrize("who", ["lead", "super_user", "auditor"])
def test_only_admins_change_the_catalogue(app, clients, who):
    token = csrf_token(soup(clients[who].get("/")))
    responses = [
        clients[who].post("/admin/characteristics/new", data={**NEW, "csrf_token": token}),
        clients[who].post(
            "/admin/characteristics/1", data={**NEW, "name": "Years", "csrf_token": token}
        ),
        clients[who].post(
            "/admin/characteristics/2/move", data={"direction": "up", "csrf_token": token}
        ),
    ]
    assert [r.status_code for r in responses] == [403, 403, 403]
    assert names(clients["admin"]) == SEEDED


class TestAdding:
    def test_a_new_characteristic_comes_last_and_is_asked_about(self, app, clients, ref):
        response = submit(clients["admin"], "/admin/characteristics/new", NEW)
        assert response.location == "/admin/characteristics"
        page = soup(clients["admin"].get(response.location))
        assert banners(page) == ["Digital exclusion has been added."]
        assert table_rows(page)[-1][:3] == ["Digital exclusion", "Local characteristic", "Active"]

        added = characteristic(app, "Digital exclusion")
        assert added.code == "digital-exclusion"
        assert added.position == 15
        assert added.guidance == NEW["guidance"]

        response = clients["lead"].get(f"/eqia/{ref}/questions/impacts/digital-exclusion")
        assert response.status_code == 200
        page = soup(response)
        assert h1(page) == "Digital exclusion"
        assert NEW["guidance"] in page.get_text()

    def test_codes_are_unique_and_never_change(self, app, clients):
        submit(clients["admin"], "/admin/characteristics/new", NEW)
        first = characteristic(app, "Digital exclusion")
        submit(
            clients["admin"],
            f"/admin/characteristics/{first.id}",
            {**NEW, "name": "Digital exclusion (2019 wording)"},
        )
        submit(clients["admin"], "/admin/characteristics/new", NEW)
        with app.app_context():
            codes = db.session.scalars(
                select(Characteristic.code).where(Characteristic.code.like("digital-exclusion%"))
            ).all()
        assert sorted(codes) == ["digital-exclusion", "digital-exclusion-2"]
        assert characteristic(app, "Digital exclusion (2019 wording)").code == "digital-exclusion"

    def test_the_form_starts_included_in_new_assessments(self, clients):
        page = soup(clients["admin"].get("/admin/characteristics/new"))
        assert page.select_one("input[name=active]").has_attr("checked")
        labels = [label.get_text(strip=True) for label in page.select(".govuk-radios__label")]
        assert labels == ["Protected characteristic (Equality Act 2010)", "Local characteristic"]
        assert page.select_one(".govuk-character-count")["data-maxlength"] == "2000"


class TestChanging:
    def test_rewording_changes_the_question_but_not_the_code(self, app, clients, ref):
        age = characteristic(app, "Age")
        url = f"/admin/characteristics/{age.id}"
        page = soup(clients["admin"].get(url))
        assert h1(page) == "Change Age"
        assert page.select_one("#name")["value"] == "Age"
        assert page.select_one("input[name=kind][value=protected]").has_attr("checked")

        response = submit(
            clients["admin"],
            url,
            {
                "name": "Age group",
                "guidance": "Children, adults and older people.",
                "kind": "protected",
                "active": "y",
            },
        )
        assert response.location == "/admin/characteristics"
        assert names(clients["admin"])[0] == "Age group"
        changed = characteristic(app, "Age group")
        assert (changed.code, changed.guidance) == ("age", "Children, adults and older people.")
        page = soup(clients["lead"].get(f"/eqia/{ref}/questions/impacts/age"))
        assert h1(page) == "Age group"
        assert "Children, adults and older people." in page.get_text()

    def test_keeping_its_own_name_is_fine(self, app, clients):
        age = characteristic(app, "Age")
        response = submit(
            clients["admin"],
            f"/admin/characteristics/{age.id}",
            {"name": "Age", "guidance": "New guidance", "kind": "protected", "active": "y"},
        )
        assert response.location == "/admin/characteristics"

    def test_an_unknown_characteristic_is_not_found(self, clients):
        assert clients["admin"].get("/admin/characteristics/99999").status_code == 404


class TestOrdering:
    def test_move_up_and_down(self, app, clients):
        disability = characteristic(app, "Disability")
        response = move(clients["admin"], disability.id, "up")
        assert response.location == f"/admin/characteristics#characteristic-{disability.id}"
        page = soup(clients["admin"].get("/admin/characteristics"))
        assert banners(page) == ["Disability has been moved up."]
        assert [row[0] for row in table_rows(page)][:3] == [
            "Disability",
            "Age",
            "Gender reassignment",
        ]

        move(clients["admin"], disability.id, "down")
        move(clients["admin"], disability.id, "down")
        assert names(clients["admin"])[:3] == ["Age", "Gender reassignment", "Disability"]
        with app.app_context():
            positions = [c.position for c in Characteristic.active_in_order()]
        assert positions == list(range(1, 15))

    def test_the_order_is_the_order_eqias_ask_in(self, app, clients):
        move(clients["admin"], characteristic(app, "Armed forces community").id, "up")
        with app.app_context():
            codes = [c.code for c in Characteristic.active_in_order()]
        assert codes[-2:] == ["armed-forces", "rural-isolation"]

    def test_the_ends_stay_put(self, app, clients):
        move(clients["admin"], characteristic(app, "Age").id, "up")
        move(clients["admin"], characteristic(app, "Armed forces community").id, "down")
        assert names(clients["admin"]) == SEEDED

    def test_moves_need_a_direction_and_the_csrf_token(self, app, clients):
        age = characteristic(app, "Age")
        url = f"/admin/characteristics/{age.id}/move"
        assert move(clients["admin"], age.id, "sideways").status_code == 400
        assert clients["admin"].post(url, data={"direction": "down"}).status_code == 400
        assert clients["admin"].get(url).status_code == 405
        assert move(clients["admin"], 99999, "up").status_code == 404
        assert names(clients["admin"]) == SEEDED


class TestRetiring:
    def test_a_retired_characteristic_leaves_drafts_but_answers_stay(self, app, clients, ref):
        lead = clients["lead"]
        page_url = f"/eqia/{ref}/questions/impacts/carers"
        response = submit(
            lead, page_url, {"version": "0", "kinds": ["neutral"], "evidence": "No effect found"}
        )
        assert response.status_code == 302

        carers = characteristic(app, "Carers")
        response = submit(
            clients["admin"],
            f"/admin/characteristics/{carers.id}",
            {"name": "Carers", "guidance": carers.guidance, "kind": "local", "active": ""},
        )
        assert response.location == "/admin/characteristics"
        assert listed(clients["admin"])[11][:3] == ["Carers", "Local characteristic", "Retired"]

        assert lead.get(page_url).status_code == 404
        with app.app_context():
            assert "carers" not in [c.code for c in Characteristic.active_in_order()]
            impact = db.session.scalar(
                select(Impact).where(Impact.assessment_id == Assessment.by_reference(ref).id)
            )
            assert impact.characteristic_id == carers.id
        assert "Carers (retired)" in soup(lead.get(f"/eqia/{ref}")).get_text()

    def test_a_retired_characteristic_can_come_back(self, app, clients, ref):
        carers = characteristic(app, "Carers")
        url = f"/admin/characteristics/{carers.id}"
        submit(clients["admin"], url, {**NEW, "name": "Carers", "active": ""})
        page = soup(clients["admin"].get(url))
        assert not page.select_one("input[name=active]").has_attr("checked")
        submit(clients["admin"], url, {**NEW, "name": "Carers", "active": "y"})
        assert clients["lead"].get(f"/eqia/{ref}/questions/impacts/carers").status_code == 200

    def test_the_last_active_one_cannot_be_retired(self, app, clients):
        with app.app_context():
            db.session.execute(
                update(Characteristic).where(Characteristic.code != "age").values(active=False)
            )
            db.session.commit()
        age = characteristic(app, "Age")
        response = submit(
            clients["admin"],
            f"/admin/characteristics/{age.id}",
            {**NEW, "name": "Age", "active": ""},
        )
        assert error_summary(soup(response)) == [
            "At least one characteristic must be included in new assessments"
        ]
        assert characteristic(app, "Age").active is True


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"name": ""}, "Enter the name of the characteristic"),
        ({"name": "   "}, "Enter the name of the characteristic"),
        ({"name": "x" * 201}, "Name must be 200 characters or fewer"),
        ({"name": "Carers"}, "A characteristic with this name already exists"),
        ({"name": "  rural ISOLATION "}, "A characteristic with this name already exists"),
        ({"guidance": ""}, "Enter guidance for project leads"),
        ({"guidance": "y" * 2_001}, "Guidance must be 2,000 characters or fewer"),
        ({"kind": ""}, "Select whether it is a protected or a local characteristic"),
        ({"kind": "imaginary"}, "Not a valid choice."),
    ],
)
def test_bad_input_is_explained_and_kept(app, clients, change, expected):
    response = submit(clients["admin"], "/admin/characteristics/new", {**NEW, **change})
    page = soup(response)
    assert response.status_code == 200
    assert error_summary(page) == [expected]
    assert inline_errors(page) == [expected]
    assert title(page).startswith("Error: ")
    if "guidance" not in change:
        assert page.select_one("textarea[name=guidance]").get_text() == NEW["guidance"]
    assert names(clients["admin"]) == SEEDED


def test_renaming_to_another_ones_name_is_refused(app, clients):
    age = characteristic(app, "Age")
    response = submit(
        clients["admin"], f"/admin/characteristics/{age.id}", {**NEW, "name": "Disability"}
    )
    assert error_summary(soup(response)) == ["A characteristic with this name already exists"]
    assert characteristic(app, "Age").name == "Age"


def test_text_comes_back_exactly_as_typed(app, clients, ref):
    name = "<script>alert(1)</script> O'Brien & Zażółć"
    guidance = "<b>not bold</b> & <i>not italic</i>"
    submit(
        clients["admin"], "/admin/characteristics/new", {**NEW, "name": name, "guidance": guidance}
    )
    body = clients["admin"].get("/admin/characteristics").get_data(as_text=True)
    assert "<script>" not in body
    assert names(clients["admin"])[-1] == name
    added = characteristic(app, name)
    assert added.code == "script-alert-1-script-o-brien-zazoc"
    response = clients["lead"].get(f"/eqia/{ref}/questions/impacts/{added.code}")
    body = response.get_data(as_text=True)
    assert "<script>" not in body and "<b>" not in body
    assert h1(soup(response)) == name
    edit = soup(clients["admin"].get(f"/admin/characteristics/{added.id}"))
    assert edit.select_one("#name")["value"] == name
    assert edit.select_one("textarea[name=guidance]").get_text() == guidance


@pytest.mark.parametrize(
    "name, code",
    [
        ("Armed forces community", "armed-forces-community"),
        ("  Carers & young carers!  ", "carers-young-carers"),
        ("Care-experienced people (any age)", "care-experienced-people-any-age"),
        ("???", "characteristic"),
        ("x" * 300, "x" * 56),
    ],
)
def test_codes_are_made_from_names(name, code):
    assert slugify(name) == code
