"""The auditor's register in a real browser: filter, sort, and the export links follow.

Every page the journey loads is checked with axe (see conftest.py).
"""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, visit

pytestmark = BROWSER_MARKS


def references(page: Page) -> list[str]:
    return page.locator("#register tbody tr td:first-child").all_inner_texts()


def test_the_auditor_filters_and_sorts_the_register(page: Page):
    sign_in(page, "auditor@example.org")
    follow(page, page.get_by_role("link", name="Register", exact=True))
    expect(page.get_by_role("heading", level=1)).to_have_text("Register of EqIAs")
    everything = len(references(page))
    assert everything >= 6

    # The demo's four signed-off EqIAs, through the filter form.
    page.get_by_label("Signed off", exact=True).check()
    follow(page, page.get_by_role("button", name="Apply filters"))
    expect(page.locator("#result-count")).to_have_text("4 EqIAs")
    expect(page).to_have_url(re.compile(r"status=approved"))
    expect(page.get_by_label("Signed off", exact=True)).to_be_checked()

    # Sort by title; the filter stays.
    follow(page, page.get_by_role("link", name="Title"))
    expect(page.locator("#register th[aria-sort=ascending]")).to_contain_text("Title")
    titles = page.locator("#register tbody tr td:nth-child(2) span:first-child").all_inner_texts()
    assert titles == sorted(titles) and len(titles) == 4
    csv_href = page.get_by_role("link", name="Download as CSV").get_attribute("href")
    assert "status=approved" in csv_href and "sort=title" in csv_href
    zip_href = page.get_by_role("link", name="Download signed PDFs (ZIP)").get_attribute("href")
    assert zip_href.startswith("/records/export.zip?") and "status=approved" in zip_href

    # A date that does not exist is a GOV.UK error, not a failure.
    page.get_by_label("Signed off from").fill("2026-13-45")
    follow(page, page.get_by_role("button", name="Apply filters"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Signed off from must be a real date"
    )
    expect(page).to_have_title(re.compile(r"^Error: Register of EqIAs"))

    visit(page, "/records/?q=warm+spaces")
    assert len(references(page)) == 1
