"""Sign-off in a real browser: returned with a section to fix, fixed, resubmitted, approved.

Every page the journey loads is checked with axe (see conftest.py).
"""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, sign_out, visit

pytestmark = BROWSER_MARKS

TITLE = "Changes to library opening hours"  # the demo lead's complete, unsubmitted EqIA
FIX = "Section 3 needs the age profile of library users, not only visit counts."
NEW_EVIDENCE = "Visit counts by hour and by age band (2022 to 2023), and the user survey."


def rate_every_section(page: Page, fixed: dict[int, str] | None = None) -> None:
    """Acceptable for every section, except those given with a comment as to be fixed."""
    fixed = fixed or {}
    for group in page.get_by_role("group", name=re.compile(r"^How well does section")).all():
        number = int(re.search(r"section (\d+)", group.locator("legend").inner_text()).group(1))
        group.get_by_label("To be fixed" if number in fixed else "Acceptable").check()
    for number, comment in fixed.items():
        page.get_by_label(f"Comment on section {number} (optional)").fill(comment)


def confirm_every_objective(page: Page) -> None:
    for option in page.get_by_label("Confirm this link").all():
        option.check()


def open_eqia(page: Page) -> None:
    """From "Your EqIAs": the task list while it can be changed, else the EqIA itself."""
    visit(page, "/eqia/")
    follow(page, page.locator("tr", has_text=TITLE).get_by_role("link"))


def open_review(page: Page) -> None:
    visit(page, "/reviews/")
    follow(page, page.locator("tr", has_text=TITLE).get_by_role("link").first)


def test_returned_fixed_resubmitted_and_approved(page: Page):
    # The lead submits their EqIA to Sarah, the demo super user.
    sign_in(page, "lead@example.org")
    open_eqia(page)
    follow(page, page.get_by_role("link", name="Check your answers"))
    page.get_by_label("I confirm the information in this EqIA is correct").check()
    follow(page, page.get_by_role("button", name="Submit for sign-off"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("submitted")
    sign_out(page)

    # The super user returns it, with section 3 to be fixed.
    sign_in(page, "superuser@example.org")
    open_review(page)
    follow(page, page.get_by_role("button", name="Pick up"))
    rate_every_section(page, {3: FIX})
    confirm_every_objective(page)
    page.get_by_label("Return it to the project lead with comments").check()
    page.get_by_label("Comment for the project lead").fill("Nearly there.")
    follow(page, page.get_by_role("button", name="Record decision"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have returned")
    sign_out(page)

    # The lead sees the comment on the task list and on the section, fixes it, resubmits.
    sign_in(page, "lead@example.org")
    open_eqia(page)
    expect(page.get_by_role("region", name="Returned with comments")).to_contain_text(
        "Nearly there."
    )
    expect(page.locator(".govuk-task-list__item", has_text="3. ")).to_contain_text(FIX)
    follow(page, page.locator(".govuk-task-list__item", has_text="3. ").get_by_role("link"))
    expect(page.locator(".govuk-inset-text").first).to_contain_text(FIX)
    page.get_by_label("What data and evidence have you used?").fill(NEW_EVIDENCE)
    follow(page, page.get_by_role("button", name="Save and come back later"))
    follow(page, page.get_by_role("link", name="Check your answers"))
    page.get_by_label("I confirm the information in this EqIA is correct").check()
    follow(page, page.get_by_role("button", name="Submit for sign-off"))
    sign_out(page)

    # The super user sees the answer before and after, and approves.
    sign_in(page, "superuser@example.org")
    open_review(page)
    changes = page.locator("#changes-evidence")
    expect(changes).to_contain_text(NEW_EVIDENCE)
    expect(page.get_by_text("Earlier evaluation").first).to_be_visible()
    rate_every_section(page)
    confirm_every_objective(page)
    page.get_by_label("Approve and sign off").check()
    follow(page, page.get_by_role("button", name="Record decision"))
    sign_out(page)

    # The lead reads the clearance text for their committee report.
    sign_in(page, "lead@example.org")
    open_eqia(page)
    clearance = page.get_by_role("region", name="Text for your committee report")
    expect(clearance).to_contain_text(
        "Have the equality and diversity implications been cleared by your EqIA Super User? Yes."
    )
    expect(clearance).to_contain_text("Name of Officer: ")
    expect(clearance).to_contain_text("revision 2")

    # The history shows every step, and the lead can start the next review.
    follow(page, page.get_by_role("link", name=re.compile(r"^View history")))
    for step in ["Submitted for sign-off", "Returned with comments", "Resubmitted", "Signed off"]:
        expect(page.get_by_role("main")).to_contain_text(step)
    open_eqia(page)
    follow(page, page.get_by_role("link", name="Start a review"))
    follow(page, page.get_by_role("button", name="Start the review"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You have started revision 3"
    )
