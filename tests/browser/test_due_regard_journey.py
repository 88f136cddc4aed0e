"""Due-regard checks in a real browser: the lead sees the warnings on check answers, gives
reasons and submits; the super user sees them on the review page; the record prints them;
an admin makes a check blocking. Every page the journey loads is checked with axe.
"""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, sign_out, visit
from tests.pdfs import poppler_text

pytestmark = BROWSER_MARKS

TITLE = "Whittlesey recycling centre: weekday closures"  # the demo lead's thin draft
NEUTRAL = "Nobody is affected more than another: the site stays open five days a week & 漢字."
REASON = "We are short of time; the site staff will tell us who uses it."


def test_the_lead_goes_past_the_warnings_with_reasons_and_the_super_user_sees_them(
    page: Page, tmp_path
):
    sign_in(page, "lead@example.org")
    visit(page, "/eqia/")
    follow(page, page.locator("tr", has_text=TITLE).get_by_role("link"))
    follow(page, page.get_by_role("link", name="Check your answers"))
    cards = page.locator("[id^=check-]")
    expect(cards).to_have_count(7)
    neutral = page.locator("#check-all-neutral")
    expect(neutral).to_contain_text("Every characteristic (14) is marked neutral.")
    expect(neutral).to_contain_text("[2008] EWHC 3158 (Admin), paragraph 92")

    # Submitting with one reason missing: an error for that one, nothing lost.
    reasons = page.get_by_label("Why are you going on despite this warning?")
    for index in range(reasons.count()):
        reasons.nth(index).fill(NEUTRAL if index == 0 else REASON)
    reasons.nth(6).fill("")
    page.get_by_label("I confirm the information in this EqIA is correct").check()
    follow(page, page.get_by_role("button", name="Submit for sign-off"))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text(
        "Explain why you are going on despite the warning: No review date, or one too far away"
    )
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.get_by_label("Why are you going on despite this warning?").first).to_have_value(
        NEUTRAL
    )
    summary.get_by_role("link").click()
    expect(page.locator("#reason_review_date")).to_be_focused()
    page.locator("#reason_review_date").fill("A small change: five years is enough.")
    page.get_by_label("I confirm the information in this EqIA is correct").check()
    follow(page, page.get_by_role("button", name="Submit for sign-off"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("submitted")
    sign_out(page)

    sign_in(page, "superuser@example.org")
    visit(page, "/reviews/")
    follow(page, page.locator("tr", has_text=TITLE).get_by_role("link").first)
    panel = page.locator("main")
    expect(panel).to_contain_text("The lead went past 7 warnings, giving these reasons.")
    expect(panel).to_contain_text(NEUTRAL)
    expect(panel).to_contain_text("A small change: five years is enough.")

    reference = re.search(r"/reviews/([^/?#]+)", page.url).group(1)
    visit(page, f"/eqia/{reference}/revisions/1")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the record (PDF)").click()
    record = tmp_path / "record.pdf"
    download.value.save_as(record)
    printed = " ".join(poppler_text(record.read_bytes()).split())
    assert "Due regard checks" in printed
    assert "The lead's reason for going on: " + NEUTRAL in printed


def test_an_admin_makes_a_check_blocking(page: Page):
    sign_in(page, "admin@example.org")
    visit(page, "/admin/due-regard-checks")
    card = page.locator("#check-all-neutral")
    card.get_by_label("On: stop the EqIA being submitted until it is put right").check()
    page.get_by_label("Fewest words of evidence").fill("0")
    follow(page, page.get_by_role("button", name="Save the checks"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "The fewest words of evidence must be between 1 and 500 words"
    )
    expect(
        card.get_by_label("On: stop the EqIA being submitted until it is put right")
    ).to_be_checked()
    page.get_by_label("Fewest words of evidence").fill("20")
    follow(page, page.get_by_role("button", name="Save the checks"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The due regard checks have been saved."
    )
    sign_out(page)

    sign_in(page, "lead@example.org")
    visit(page, "/eqia/")
    follow(page, page.locator("tr", has_text=TITLE).get_by_role("link"))
    follow(page, page.get_by_role("link", name="Check your answers"))
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "You cannot submit this EqIA until these are put right"
    )
    expect(page.get_by_role("button", name="Submit for sign-off")).to_have_count(0)
