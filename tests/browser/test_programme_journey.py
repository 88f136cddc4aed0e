"""The demo programme (seed-demo's "Budget 2027/28") in a real browser: the admin pages that
keep programmes, the programme page with its overlapping negative impacts, and the review
page's panel. Every page is checked with axe; the programme page reflows at 320 px."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, visit
from tests.browser.test_reflow import VIEWPORT, problems_on

pytestmark = BROWSER_MARKS

NAME = "Budget 2027/28"


def test_an_admin_keeps_the_programmes(page: Page):
    sign_in(page, "admin@example.org")
    follow(page, page.get_by_role("link", name="Admin", exact=True))
    follow(page, page.get_by_role("link", name="Manage programmes"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Programmes")
    follow(page, page.get_by_role("link", name=NAME))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Change {NAME}")
    page.get_by_label("Programme name").fill("")
    page.get_by_label("Description (optional)").fill("Kept as typed & not lost")
    follow(page, page.get_by_role("button", name="Save"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a programme name")
    expect(page.get_by_label("Description (optional)")).to_have_value("Kept as typed & not lost")
    page.get_by_label("Programme name").fill(NAME)
    follow(page, page.get_by_role("button", name="Save"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"{NAME} has been updated")
    follow(page, page.get_by_role("link", name="Add a programme"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a programme")


def test_the_demo_programme_shows_its_overlapping_impacts_and_reflows(page: Page, new_context):
    sign_in(page, "auditor@example.org")
    follow(page, page.get_by_role("link", name="Programmes", exact=True))
    follow(page, page.get_by_role("link", name=NAME))
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    summary = page.locator("#summary")
    expect(summary.locator("tbody tr").first).to_have_text(re.compile(r"Age\s*2\s*1"))
    expect(summary.locator("tr", has_text="Disability")).to_have_text(
        re.compile(r"Disability\s*2\s*1")
    )
    chart = page.get_by_role("img", name="Negative impacts on each characteristic")
    expect(chart).to_be_visible()
    age = page.locator("section[aria-labelledby=impacts-age]")
    expect(age).to_contain_text("Reduce the subsidy for rural bus routes")
    expect(age).to_contain_text("Close the Fenland community meals service")
    url = page.url

    context = new_context(viewport=VIEWPORT)
    narrow = context.new_page()
    sign_in(narrow, "auditor@example.org")
    visit(narrow, url)
    assert problems_on(narrow) == []


def test_the_review_page_shows_the_other_negative_impacts_in_the_programme(page: Page):
    sign_in(page, "superuser@example.org")
    follow(page, page.get_by_role("link", name="Sign-off queue", exact=True))
    row = page.locator("tr", has_text="Close the Fenland community meals service")
    follow(page, row.get_by_role("link", name=re.compile(r"^EQIA-")))
    panel = page.locator("section[aria-labelledby=programme-impacts]")
    expect(panel.get_by_role("heading", level=2)).to_have_text(f"Other negative impacts in {NAME}")
    expect(panel).to_contain_text("Reduce the subsidy for rural bus routes")
    expect(panel).to_contain_text("Review of charges for care at home")
    expect(panel).not_to_contain_text("Rural isolation")  # not this EqIA's negative impact
    follow(page, panel.get_by_role("link", name=f"See the cumulative impact of {NAME}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
