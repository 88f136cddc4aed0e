"""Hostile input, everywhere: every form posted one field at a time, every filter and id in
a URL, with NUL, control characters, huge and odd numbers, bad dates and 1 MB of text.
No answer is a server error, and every value accepted reads back exactly as typed."""

import re

import pytest
from bs4 import BeautifulSoup

from eqia.api import feed
from eqia.extensions import db
from eqia.models import Assessment, Dataset, DecisionKind, Programme
from eqia.public import register as public_register
from eqia.records.register import FILTERS
from tests import factories
from tests.helpers import soup
from tests.integration.test_api_feed import basic, issue

HOSTILE = [
    "\x00",
    "before\x00after",
    "\x1b[31mred",
    "one line\r\nBcc: someone@example.org",
    "\u202eevil.exe",
    "x" * 1_000_000,
    "99999999999999999999",
    "2147483648",
    "9" * 5000,
    "-1",
    "²",
    "9999-12-31",
]
# In a URL: all but the megabyte (longer than any URL a browser sends), and odd dates.
IN_A_URL = [v for v in HOSTILE if len(v) <= 10_000] + ["0000-01-01", "2027-02-30"]
# Typed by real people: each must be kept and read back exactly.
AS_TYPED = "Zażółć «gęślą» <b>jaźń</b> & ŵ ŷ — Ελληνικά, Кириллица, اردو, 中文 😀"
LEAD, SUPER, ADMIN, AUDITOR = "lead", "super_user", "admin", "auditor"


@pytest.fixture
def world(app, users, ref):
    """A draft of the lead's with an action, a thin one the due-regard checks warn about, one
    awaiting sign-off, one signed off."""
    with app.app_context():
        factories.make_directorate("Place & Sustainability")
        db.session.add(Programme(name="Budget 2027/28"))
        db.session.commit()
        draft = factories.make_eqia("A full draft", stage="complete")
        submitted = factories.make_eqia("Waiting", stage="submitted").reference
        approved = factories.make_eqia("Signed off").reference
        thin = factories.make_eqia("Thin", stage="complete", impacts={}).reference
        action_id = draft.actions[0].id
        return {
            "draft": draft.reference,
            "action": action_id,
            "submitted": submitted,
            "approved": approved,
            "thin": thin,
        }


def forms(world) -> list[tuple[str, str, bool]]:
    """(who, the page with the form, whether a saved answer shows again on that page)."""
    draft = world["draft"]
    questions = [
        "screening",
        "about",
        "who",
        "evidence",
        "impacts/age",
        "aims",
        "objectives",
        "outcome",
    ]
    return [
        *[(LEAD, f"/eqia/{draft}/questions/{key}", True) for key in questions],
        (LEAD, f"/eqia/{draft}/actions/{world['action']}", True),
        (LEAD, f"/eqia/{draft}/actions/new", False),
        (LEAD, f"/eqia/{draft}/actions", False),
        (LEAD, f"/eqia/{draft}/co-authors", False),
        (LEAD, f"/eqia/{draft}/check", False),
        (LEAD, f"/eqia/{world['thin']}/check", False),
        (LEAD, f"/eqia/{draft}/withdraw", False),
        (LEAD, "/eqia/start", False),
        (LEAD, "/auth/account", False),
        (LEAD, "/auth/account/authenticator", False),
        ("anonymous", "/auth/sign-in", False),
        (SUPER, f"/reviews/{world['submitted']}", False),
        (ADMIN, "/admin/users/new", False),
        (ADMIN, "/admin/users/1", True),
        (ADMIN, "/admin/users/1/eqias", False),
        (ADMIN, "/admin/sign-in", False),
        (ADMIN, "/admin/due-regard-checks", False),
        (ADMIN, "/admin/directorates/new", False),
        (ADMIN, "/admin/directorates/1", True),
        (ADMIN, "/admin/programmes/new", False),
        (ADMIN, "/admin/programmes/1", True),
        (ADMIN, "/admin/characteristics/new", False),
        (ADMIN, "/admin/characteristics/1", True),
        (ADMIN, "/plan/objectives/new", False),
        (ADMIN, "/plan/objectives/1/change", True),
        (ADMIN, "/plan/actions/new", False),
        (ADMIN, "/plan/actions/1/change", True),
        (ADMIN, "/plan/actions/1/progress", True),
    ]


def defaults(form) -> dict[str, list[str]]:
    """What the form sends as it stands: its values, checked boxes and chosen options."""
    data: dict[str, list[str]] = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        name, kind = field["name"], field.get("type", "text")
        if field.name == "textarea":
            value = field.get_text()
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            value = chosen.get("value", chosen.get_text()) if chosen else ""
        elif kind in ("radio", "checkbox"):
            if not field.has_attr("checked"):
                continue
            value = field.get("value", "y")
        elif kind in ("submit", "file"):
            continue
        else:
            value = field.get("value", "")
        data.setdefault(name, []).append(value)
    return data


def page_form(client, url: str):
    page = soup(client.get(url))
    found = [f for f in page.select("main form") if f.get("method", "get").lower() == "post"]
    return max(found, key=lambda f: len(f.select("[name]")))


def post(client, url: str, data: dict) -> int:
    response = client.post(url, data=data)
    response.close()
    return response.status_code


def field_names(form) -> list[str]:
    """Each field once (a group of radios or boxes is one field), and of fields numbered alike
    (the objectives' "how_1" to "how_12", the review's "objective_7" and "objective_9") only
    the first: the server reads them all with the same code."""
    names = [n for n in defaults(form) if n != "csrf_token"]
    names += [f["name"] for f in form.select("input[type=radio][name], input[type=checkbox][name]")]
    families = {re.sub(r"\d+", "#", name): name for name in reversed(names)}
    return [name for name in dict.fromkeys(names) if name in families.values()]


def test_every_form_survives_hostile_input_one_field_at_a_time(clients, world):
    errors = []
    for who, url, _ in forms(world):
        client = clients[who]
        form = page_form(client, url)
        names = field_names(form)
        assert names, f"{url} has a form with no fields"
        sent = defaults(form)  # a save moves a version on: later posts still get checked
        for name in names:
            for value in HOSTILE:
                data = {**sent, name: [value]}
                status = post(client, url, data)
                if status >= 500:
                    errors.append((url, name, value[:20], status))
    assert errors == []


def _shown(form, name: str) -> str | None:
    field = form.select_one(f"[name='{name}']")
    if field is None:
        return None
    return field.get_text() if field.name == "textarea" else field.get("value")


def test_what_is_typed_into_any_text_field_reads_back_exactly(clients, world):
    wrong = []
    for who, url, shown_again in forms(world):
        if not shown_again:
            continue
        client = clients[who]
        form = page_form(client, url)
        for field in form.select("textarea[name], input[type=text][name]"):
            if field.find_parent(class_=re.compile("conditional--hidden")):
                continue  # a follow-up to an answer not given: not kept, by design
            name = field["name"]
            data = defaults(page_form(client, url))
            limit = int(field.get("maxlength", 0) or 0) or None
            typed = AS_TYPED if limit is None or limit >= len(AS_TYPED) else AS_TYPED[:limit]
            data[name] = [typed]
            if post(client, url, data) == 302:
                shown = _shown(page_form(client, url), name)
                if shown != typed:
                    wrong.append((url, name, shown))
    assert wrong == [], "\n".join(map(str, wrong))


def url_params(world) -> list[tuple[str, str, list[str]]]:
    """(who, path, the query parameters it reads)."""
    register = [*FILTERS, "sort", "order", "page"]
    period = ["period", "start", "end"]
    return [
        (AUDITOR, "/records/", register),
        (AUDITOR, "/records/register.csv", register),
        (AUDITOR, "/records/export.zip", ["approved_from", "approved_to", "q", "directorate"]),
        (LEAD, "/plan/report", period),
        (LEAD, "/plan/report.csv", period),
        (LEAD, "/plan/report.pdf", period),
        (AUDITOR, "/plan/insight", period),
        (AUDITOR, "/plan/insight/eqias", [*period, "characteristic", "impact", "directorate"]),
        (SUPER, "/reviews/", ["directorate", "page"]),
        (ADMIN, "/admin/users", ["page", "q"]),
        (LEAD, "/plan/objectives/1", ["page"]),
        (LEAD, "/eqia/", ["page", "show"]),
        (LEAD, f"/eqia/{world['draft']}/history", ["page"]),
        (ADMIN, "/admin/directorates", ["page"]),
        (ADMIN, "/admin/programmes", ["page"]),
        (AUDITOR, "/programmes/", ["page"]),
        (ADMIN, "/admin/users/1/eqias", ["page"]),
        ("anonymous", "/public/eqias", [*public_register.FILTERS, "page"]),
    ]


def test_every_url_parameter_survives_hostile_input(clients, world):
    errors = []
    for who, path, params in url_params(world):
        for name in params:
            for value in IN_A_URL:
                response = clients[who].get(path, query_string={name: value})
                status = response.status_code
                response.close()
                if status >= 500:
                    errors.append((path, name, value[:20], status))
    assert errors == []


def test_every_data_feed_parameter_gets_its_json_error(app, world):
    """Each dataset, in JSON or CSV: a hostile value of any parameter is a 400 naming it, or
    (a date that exists) an answer."""
    app.config["API_RATE_LIMIT"] = "10000 per minute"
    headers = basic(issue(app))
    powerbi = app.test_client(use_cookies=False)
    wrong = []
    paths = [f"/api/v1/{d}.{kind}" for d, kind in zip(Dataset, ["json", "csv"] * 2, strict=True)]
    for path in paths:
        for name in feed.PARAMETERS:
            for value in IN_A_URL:
                response = powerbi.get(path, query_string={name: value}, headers=headers)
                named = response.status_code == 400 and response.json["error"]["parameter"]
                if response.status_code != 200 and named != name:
                    wrong.append((path, name, value[:20], response.status_code, named))
                response.close()
    assert wrong == []


def test_every_id_and_reference_in_a_path_survives_hostile_input(app, clients, world):
    references = [
        f"{world['draft']}%00",
        "EQIA-2026-0001\x00",
        "²",
        "EQIA-9999999999999999-1",
        "x" * 5000,
        "%FF%FE",
    ]
    numbers = ["2147483648", "9" * 5000, "99999999999999999999", "²", "-1"]
    paths = []
    for reference in references:
        paths += [f"/eqia/{reference}", f"/records/{reference}.pdf", f"/reviews/{reference}"]
        paths += [f"/public/eqias/{reference}", f"/public/eqias/{reference}.pdf"]
    for number in numbers:
        paths += [
            f"/admin/users/{number}",
            f"/admin/users/{number}/eqias",
            f"/admin/directorates/{number}",
            f"/admin/programmes/{number}",
            f"/programmes/{number}",
            f"/programmes/{number}.pdf",
            f"/admin/characteristics/{number}",
            f"/plan/objectives/{number}",
            f"/plan/themes/{number}",
            f"/plan/actions/{number}/change",
            f"/eqia/{world['draft']}/revisions/{number}",
            f"/eqia/{world['draft']}/actions/{number}",
            f"/eqia/{world['draft']}/evidence/files/{number}",
            f"/records/{world['approved']}/revisions/{number}.pdf",
        ]
    answers = {}
    for path in paths:
        who = ADMIN if path.startswith(("/admin", "/plan")) else AUDITOR
        response = clients[who].get(path)
        response.close()
        answers[path[:80]] = response.status_code
    assert {p: s for p, s in answers.items() if s >= 500} == {}
    assert set(answers.values()) <= {403, 404}


def test_a_decision_with_hostile_comments_is_refused_or_kept_as_typed(app, clients, world):
    ref = world["submitted"]
    with app.app_context():
        assert Assessment.by_reference(ref) is not None
    client = clients[SUPER]
    form = page_form(client, f"/reviews/{ref}")
    data = defaults(form)
    data |= {n: ["acceptable"] for n in {i["name"] for i in form.select("input[name^=rating_]")}}
    data |= {n: ["yes"] for n in {i["name"] for i in form.select("input[name^=objective_]")}}
    data["decision"] = [DecisionKind.RETURNED.value]
    data["comment"] = ["Kept\x00with a NUL"]
    response = client.post(f"/reviews/{ref}", data=data)
    assert response.status_code == 200
    assert "Your comment must not contain" in BeautifulSoup(response.data, "html.parser").get_text()
    assert re.search("NUL|control character", response.get_data(as_text=True))
