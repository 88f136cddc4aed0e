"""Reflow (WCAG 1.4.10): at 320 CSS pixels wide, no page scrolls sideways as a whole.

For each demo account (and for someone not signed in), every page it can reach with a
GET is loaded in a 320 px wide window: the pages come from the app's url_map, filled in
with the demo data's references and ids, so a new page is measured without being listed
here. A page passes when ``document.documentElement`` is no wider than the window. Wide
tables scroll inside a labelled region of their own (the ``scroll_region`` macro), whose
overflow does not widen the page; any element that scrolls sideways must be such a
region: role=region, an accessible name and tabindex=0, so keyboard and screen reader
users can reach what is hidden.

The demo data has no evidence files, so the pages of one (its download, its removal) are
not loaded here; it gains a co-author, so that the co-authors table has a Remove link and
the page to remove one is loaded. Every page loaded is checked with axe too (``visit`` and
``follow``, see conftest.py). What several roles are shown alike below the header (a
record, the public register) is loaded for the first of them only (``below_header``).
"""

import hashlib
import itertools
import re
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path

import pytest
from flask import url_for
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from eqia import sections
from eqia.extensions import db
from eqia.models import (
    Assessment,
    Characteristic,
    Directorate,
    Objective,
    PlanAction,
    Programme,
    Theme,
    User,
)
from tests import factories
from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, visit
from tests.browser.test_plan_journeys import ROW, write_plan

pytestmark = BROWSER_MARKS

VIEWPORT = {"width": 320, "height": 800}

# One demo account per role (eqia/demo.py); None: nobody signed in.
ACCOUNTS = {
    "anonymous": None,
    "lead": "lead@example.org",
    "super_user": "superuser@example.org",
    "auditor": "auditor@example.org",
    "admin": "admin@example.org",
}

# GET routes this test does not load, and why. Routes that only take a POST (signing out,
# assigning a review, cancelling an import, ...) are not pages and never listed.
SKIPPED = {
    "static": "files, not pages",
    "main.healthz": "a plain-text health check for the load balancer, not a page",
    "main.liveness": "a plain-text health check for the load balancer, not a page",
    "assessments.download_file": "an evidence file, downloaded",
    "plan.export": "a spreadsheet download",
    "plan.template": "a spreadsheet download",
    "plan.report_csv": "a CSV download",
    "plan.report_pdf": "a PDF download",
    "records.record_pdf": "a PDF download",
    "records.revision_pdf": "a PDF download",
    "programmes.programme_pdf": "a PDF download",
    "records.register_csv": "a CSV download",
    "records.export_zip": "a ZIP download",
    "public.eqia_pdf": "a PDF download",
    "public.feed": "an Atom feed, not a page",
    "api.feed_json": "the data feed: JSON for reports, not a page",
    "api.feed_csv": "the data feed: CSV for reports, not a page",
    "api.openapi": "the data feed's schema: JSON, not a page",
    "admin.revoke_api_token": "the demo makes no API token: tests/integration/test_api_tokens.py "
    "loads its page",
    "plan.preview_import": "its token comes from uploading a file (a POST): "
    "test_the_plan_import_preview_reflows uploads one",
}


@dataclass
class DemoEqIA:
    ref: str
    action_ids: list[int] = field(default_factory=list)
    revision_numbers: list[int] = field(default_factory=list)
    co_author_ids: list[int] = field(default_factory=list)
    file_ids: list[int] = field(default_factory=list)
    question_keys: list[str] = field(default_factory=list)


# What fills in each argument of a route: under an EqIA's reference, from that EqIA;
# anywhere else, from the demo data as a whole.
EQIA_ARGUMENTS = {
    "action_id": "action_ids",
    "number": "revision_numbers",
    "user_id": "co_author_ids",
    "file_id": "file_ids",
    "key": "question_keys",
}


@dataclass
class Demo:
    eqias: list[DemoEqIA]
    others: dict[str, list]

    @classmethod
    def load(cls) -> "Demo":
        eqias = []
        for assessment in db.session.scalars(select(Assessment).order_by(Assessment.id)):
            ctx = sections.Context.load(assessment)
            eqias.append(
                DemoEqIA(
                    ref=assessment.reference,
                    action_ids=[a.id for a in assessment.actions],
                    revision_numbers=[r.number for r in assessment.revisions],
                    co_author_ids=[c.user_id for c in assessment.co_authors],
                    file_ids=[f.id for f in assessment.files],
                    question_keys=[
                        page.key
                        for section in sections.applicable(assessment)
                        for page in section.pages(assessment, ctx)
                        if page.is_question
                    ],
                )
            )
        others = {
            "action_id": PlanAction.id,
            "number": Objective.number,
            "theme_id": Theme.id,
            "user_id": User.id,
            "characteristic_id": Characteristic.id,
            "directorate_id": Directorate.id,
            "programme_id": Programme.id,
        }
        return cls(
            eqias=eqias,
            others={
                name: list(db.session.scalars(select(c).order_by(c))) for name, c in others.items()
            },
        )

    def bindings(self, arguments: set[str]) -> list[dict] | None:
        """Every way the demo data fills in these arguments; None if one is unknown."""
        if "ref" in arguments:
            rest = sorted(arguments - {"ref"})
            if any(name not in EQIA_ARGUMENTS for name in rest):
                return None
            return [
                {"ref": eqia.ref, **dict(zip(rest, values, strict=True))}
                for eqia in self.eqias
                for values in itertools.product(
                    *(getattr(eqia, EQIA_ARGUMENTS[name]) for name in rest)
                )
            ]
        names = sorted(arguments)
        if any(name not in self.others for name in names):
            return None
        return [
            dict(zip(names, values, strict=True))
            for values in itertools.product(*(self.others[name] for name in names))
        ]


def page_urls(app) -> list[str]:
    """Every GET page of the app, with the demo data's references and ids."""
    assert set(SKIPPED) <= set(app.view_functions), set(SKIPPED) - set(app.view_functions)
    urls, unknown = [], []
    with app.test_request_context():
        demo = Demo.load()
        for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
            if "GET" not in rule.methods or rule.endpoint in SKIPPED:
                continue
            bindings = demo.bindings(set(rule.arguments))
            if bindings is None:
                unknown.append(f"{rule.endpoint} ({rule.rule})")
                continue
            urls += [url_for(rule.endpoint, **values) for values in bindings]
    assert not unknown, (
        "Say how the demo data fills in these routes' arguments, or skip them (SKIPPED) "
        "saying why: " + ", ".join(unknown)
    )
    return list(dict.fromkeys(urls))


# How wide the page is, what sticks out of it, and every element that scrolls sideways
# (which must be a labelled, focusable region).
_MEASURE = """() => {
    const root = document.documentElement;
    const viewport = root.clientWidth;
    const describe = (element) => {
        let text = element.tagName.toLowerCase();
        if (element.id) text += "#" + element.id;
        for (const name of element.classList) text += "." + name;
        return text;
    };
    const scrolls = (element) => {
        const overflow = getComputedStyle(element).overflowX;
        return (overflow === "auto" || overflow === "scroll")
            && element.scrollWidth > element.clientWidth;
    };
    const nameOf = (element) => {
        const ids = (element.getAttribute("aria-labelledby") || "").split(/\\s+/).filter(Boolean);
        const labelled = ids.map((id) => document.getElementById(id)?.textContent || "").join(" ");
        return (labelled || element.getAttribute("aria-label") || "").trim();
    };
    const all = [...document.body.querySelectorAll("*")];
    const scrollers = all.filter(
        (element) => element.matches(".eqia-table-scroll")
            || (scrolls(element) && !element.matches("textarea, select, input"))
    );
    // Inside a region, only what is positioned against something outside it escapes it.
    const inScroller = (element) => scrollers.some(
        (s) => s !== element && s.contains(element)
            && (!["absolute", "fixed"].includes(getComputedStyle(element).position)
                || s.contains(element.offsetParent))
    );
    const sticksOut = (element) => element.getBoundingClientRect().right > viewport + 0.5;
    const outermost = all.filter(
        (element) => sticksOut(element) && !inScroller(element)
            && !(element.parentElement && sticksOut(element.parentElement))
    );
    return {
        width: root.scrollWidth,
        viewport,
        sticksOut: outermost.slice(0, 5).map(
            (element) => `${describe(element)} (right edge ${
                Math.round(element.getBoundingClientRect().right)} px)`
        ),
        scrollers: scrollers.map((element) => ({
            element: describe(element),
            role: element.getAttribute("role"),
            name: nameOf(element),
            tabindex: element.getAttribute("tabindex"),
        })),
    };
}"""


def problems_on(page: Page) -> list[str]:
    """What breaks reflow on the page now loaded: [] when nothing does."""
    measured = page.evaluate(_MEASURE)
    found = []
    assert measured["viewport"] <= VIEWPORT["width"], measured
    if measured["width"] > measured["viewport"]:
        found.append(
            f"{measured['width']} px wide; sticking out: " + ", ".join(measured["sticksOut"])
        )
    for region in measured["scrollers"]:
        if region["role"] != "region" or not region["name"] or region["tabindex"] != "0":
            found.append(
                f"{region['element']} scrolls sideways but is not a labelled, focusable "
                f"region (role={region['role']!r}, name={region['name']!r}, "
                f"tabindex={region['tabindex']!r})"
            )
    return found


def narrow_context(new_context) -> tuple[BrowserContext, Page]:
    context = new_context(viewport=VIEWPORT)
    return context, context.new_page()


def _links(html: str) -> list[str]:
    """The paths on this site the page links to."""
    hrefs = [unescape(href) for href in re.findall(r'<a\b[^>]*\bhref="([^"]*)"', html)]
    return [
        href.split("#")[0] for href in hrefs if href.startswith("/") and not href.startswith("//")
    ]


# What each page measured in this run showed below the header, as served (form tokens left
# out). A page showing the same as one measured already, for another role, is not loaded
# again: the same content lays out and passes axe the same under any header, and each
# role's first page is always loaded, so its own header is measured.
_measured: set[bytes] = set()
_HEADER = re.compile(r'<header class="govuk-template__header">.*?</header>', re.S)
_CSRF_TOKEN = re.compile(r'(name="csrf_token" value=")[^"]*')


def below_header(html: str) -> bytes:
    html = _CSRF_TOKEN.sub(r"\1", _HEADER.sub("", html, count=1))
    return hashlib.sha256(html.encode()).digest()


@pytest.fixture
def co_author(app, live_server) -> None:
    """Tom Okafor co-authors Priya Shah's draft (the demo's first EqIA)."""
    with app.app_context():
        draft = db.session.scalars(select(Assessment).order_by(Assessment.id)).first()
        factories.add_co_author(draft, User.by_email("lead2@example.org").id)
        db.session.remove()


@pytest.mark.usefixtures("co_author")
@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_every_page_reflows_at_320_pixels(app, new_context, role):
    routes = app.url_map.bind("localhost")
    context, page = narrow_context(new_context)
    failures: dict[str, list[str]] = {}
    if email := ACCOUNTS[role]:
        sign_in(page, email)
    else:
        visit(page, "/auth/sign-in")
        failures["/auth/sign-in"] = problems_on(page)

    def endpoint(url: str) -> str | None:
        try:
            return routes.match(url.split("?")[0], method="GET")[0]
        except HTTPException:
            return None

    queue: list[str] = []
    seen: set[str] = set()

    def ask_for(url: str) -> None:
        if url not in seen:
            seen.add(url)
            queue.append(url)

    for url in page_urls(app):
        ask_for(url)
    # Each URL is asked for first, without rendering, so only pages this person can open
    # are loaded; a redirect is followed to its page. A route that answers only with a
    # query string (the EqIAs behind one number of the insight) is reached by the first
    # link to it on the pages loaded.
    loaded: set[str | int | None] = set()
    links: list[str] = []
    while queue:
        url = queue.pop(0)
        response = context.request.get(url, max_redirects=0)
        if 300 <= response.status < 400:
            ask_for(response.headers["location"].split("?")[0])
        elif response.status == 409 and 409 in loaded:
            pass  # the page saying why this EqIA cannot be changed now: measured once
        elif response.status not in (403, 404):  # not theirs to open, or needs a query
            assert response.status in (200, 409), f"{url} answered {response.status}"
            assert response.headers["content-type"].startswith("text/html"), (
                f"{url} is a download ({response.headers['content-type']}): add it to SKIPPED"
            )
            html = response.text()
            content = below_header(html)
            if content not in _measured or not failures:
                _measured.add(content)
                visit(page, url, status=response.status)
                failures[url] = problems_on(page)
            loaded.add(endpoint(url) if response.status == 200 else response.status)
            links += _links(html)
        if not queue:
            for link in links:
                name = endpoint(link)
                if name and name not in loaded and name not in SKIPPED:
                    loaded.add(name)
                    ask_for(link)
            links = []

    failures = {url: found for url, found in failures.items() if found}
    assert not failures, f"{len(failures)} page(s) do not reflow at 320 px as {role}:\n" + (
        "\n".join(f"  {url}: " + "; ".join(found) for url, found in failures.items())
    )


def test_the_plan_import_preview_reflows(app, new_context, tmp_path: Path):
    _context, page = narrow_context(new_context)
    sign_in(page, "admin@example.org")
    visit(page, "/plan/import")

    bad = write_plan(tmp_path / "plan.csv", {**ROW, "End date": "2025-01-01"})
    page.get_by_label("Upload the action plan").set_input_files(bad)
    follow(page, page.get_by_role("button", name="Check the file"))
    expect(page.get_by_role("heading", level=1)).to_have_text("There are problems with your file")
    assert problems_on(page) == []

    changed = {**ROW, "Action reference": "A7.2", "Objective number": "7"}
    good = write_plan(tmp_path / "plan-fixed.csv", ROW, changed)
    page.get_by_label("Upload the corrected file").set_input_files(good)
    follow(page, page.get_by_role("button", name="Check the file"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Check the changes before you import them"
    )
    assert problems_on(page) == []


def test_a_wide_table_scrolls_by_keyboard_inside_its_region(new_context):
    _context, page = narrow_context(new_context)
    sign_in(page, "superuser@example.org")
    visit(page, "/reviews/")
    region = page.get_by_role("region", name="4 EqIAs waiting for sign-off")
    expect(region).to_have_attribute("tabindex", "0")

    page.get_by_role("button", name="Filter").focus()
    page.keyboard.press("Tab")
    expect(region).to_be_focused()
    assert region.evaluate("e => getComputedStyle(e).boxShadow") != "none"  # focus shows
    page.keyboard.press("ArrowRight")
    page.wait_for_function("region => region.scrollLeft > 0", arg=region.element_handle())
    assert page.evaluate("window.scrollX") == 0
