"""The foundation in a real browser: signing in and out, navigation by role, admin pages.

Every page these journeys load is checked with axe (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import Page, expect

from eqia.demo import ACCOUNTS
from eqia.models import Role
from tests.browser.conftest import BROWSER_MARKS, follow, sign_in, sign_out, visit

pytestmark = BROWSER_MARKS

INCORRECT = "Email address or password is incorrect"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def navigation_links(page: Page) -> list[str]:
    menu = page.get_by_role("navigation", name="Menu")
    return [" ".join(text.split()) for text in menu.get_by_role("link").all_inner_texts()]


def expect_error_summary(page: Page, *messages: str) -> None:
    summary = page.locator(".govuk-error-summary")
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.get_by_role("listitem")).to_have_text(list(messages))
    expect(page).to_have_title(re.compile(r"^Error: "))


def test_sign_in_page_passes_axe_also_when_showing_errors(page: Page):
    visit(page, "/auth/sign-in")
    expect(heading(page)).to_have_text("Sign in to Equality Impact Assessments")

    follow(page, page.get_by_role("button", name="Sign in"))
    expect_error_summary(page, "Enter your email address", "Enter your password")

    page.get_by_label("Email address").fill("lead@example.org")
    page.get_by_label("Password", exact=True).fill("not the password")
    follow(page, page.get_by_role("button", name="Sign in"))
    expect_error_summary(page, INCORRECT)
    expect(page.get_by_label("Email address")).to_have_value("lead@example.org")
    expect(page.get_by_label("Password", exact=True)).to_have_value("")


@pytest.mark.parametrize(
    "email, name, roles",
    [(email, name, roles) for email, name, _title, _directorate, roles in ACCOUNTS],
    ids=[account[0] for account in ACCOUNTS],
)
def test_each_demo_account_signs_in_sees_its_navigation_and_signs_out(
    page: Page, email, name, roles
):
    sign_in(page, email)

    expect(heading(page)).to_have_text(f"Hello, {name}")
    assert page.url.endswith("/")
    links = navigation_links(page)
    assert {"Home", "Your account"} <= set(links), links
    assert ("Admin" in links) == (Role.ADMIN in roles), links
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    sign_out(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


# What makes a header link look like one: computed styles compared between the controls.
_LOOK = """control => {
    const style = getComputedStyle(control);
    return [style.color, style.backgroundColor, style.textDecorationLine, style.fontFamily,
        style.fontSize, style.fontWeight, style.lineHeight, style.boxShadow];
}"""


def test_sign_out_is_a_post_that_looks_and_focuses_like_the_other_header_links(page: Page):
    sign_in(page, "lead@example.org")
    menu = page.get_by_role("navigation", name="Menu")
    link = menu.get_by_role("link", name="Your account")
    button = menu.get_by_role("button", name="Sign out")

    form = button.locator("xpath=ancestor::form")
    expect(form).to_have_attribute("method", "post")
    expect(form.locator("input[type=hidden][name=csrf_token]")).to_have_count(1)

    assert button.evaluate(_LOOK) == link.evaluate(_LOOK)
    link.focus()
    focused_link = link.evaluate(_LOOK)
    button.focus()
    assert button.evaluate(_LOOK) == focused_link
    assert button.evaluate(_LOOK) != link.evaluate(_LOOK)  # the focus style shows


def test_admin_pages_pass_axe(page: Page):
    sign_in(page, "admin@example.org")

    follow(page, page.get_by_role("navigation", name="Menu").get_by_role("link", name="Admin"))
    expect(heading(page)).to_have_text("Users")
    assert page.url.endswith("/admin/users")

    follow(page, page.get_by_role("link", name="Add a user"))
    expect(heading(page)).to_have_text("Add a user")
    follow(page, page.get_by_role("button", name="Save"))
    expect(heading(page)).to_have_text("Add a user")
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    expect(page).to_have_title(re.compile(r"^Error: Add a user"))

    visit(page, "/admin/users")
    follow(page, page.get_by_role("link", name="Priya Shah"))
    expect(heading(page)).to_have_text("Change Priya Shah")
    page.get_by_label("Job title").fill("Head of Equality <and> Inclusion")
    follow(page, page.get_by_role("button", name="Save"))
    expect(heading(page)).to_have_text("Users")

    follow(page, page.get_by_role("link", name="Admin audit trail"))
    expect(heading(page)).to_have_text("Admin audit trail")
    expect(page.locator("#audit tbody tr").first).to_contain_text(
        "Job title: Library Services Manager → Head of Equality <and> Inclusion"
    )

    visit(page, "/admin/directorates")
    expect(heading(page)).to_have_text("Directorates")
    follow(page, page.get_by_role("link", name="Add a directorate"))
    expect(heading(page)).to_have_text("Add a directorate")


def test_account_statement_privacy_and_not_found_pages_pass_axe(page: Page):
    visit(page, "/accessibility")
    expect(heading(page)).to_have_text("Accessibility statement for Equality Impact Assessments")
    visit(page, "/no-such-page", status=404)
    expect(heading(page)).to_have_text("Page not found")

    sign_in(page, "lead@example.org")
    follow(page, page.get_by_role("link", name="Your account"))
    expect(heading(page)).to_have_text("Your account")
    visit(page, "/accessibility")
    follow(page, page.get_by_role("link", name="Privacy notice"))
    expect(heading(page)).to_contain_text("Privacy")
    visit(page, "/no-such-page", status=404)
    expect(heading(page)).to_have_text("Page not found")


def test_signing_in_and_out_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()

    sign_in(page, "superuser@example.org")
    expect(heading(page)).to_have_text("Hello, Gwen Ellis")
    # The page really is running without JavaScript: GOV.UK Frontend never marked it up.
    expect(page.locator("body")).not_to_have_class(re.compile(r"\bjs-enabled\b"))

    sign_out(page)
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")


def test_sign_in_settings_and_moving_a_leavers_eqias_pass_axe(page: Page):
    sign_in(page, "admin@example.org")
    visit(page, "/admin/users")
    follow(page, page.get_by_role("link", name="Sign-in settings"))
    expect(heading(page)).to_have_text("Sign-in settings")
    page.get_by_label("Allowed email domains").fill("cambridgeshire.gov.uk\n<not a domain>")
    follow(page, page.get_by_role("button", name="Save sign-in settings"))
    expect(page.locator(".govuk-error-summary")).to_contain_text("“<not a domain>” is not one")

    visit(page, "/admin/users")
    follow(page, page.get_by_role("link", name="Priya Shah"))
    follow(page, page.get_by_role("link", name="Move the EqIAs Priya Shah leads to someone else"))
    expect(heading(page)).to_have_text("Move Priya Shah’s EqIAs")
    page.get_by_label("Email address of their new project lead").fill("lead2@example.org")
    follow(page, page.get_by_role("button", name="Move EqIAs"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "moved from Priya Shah to Tom Okafor"
    )
    expect(page.get_by_text("Priya Shah does not lead any EqIAs")).to_be_visible()
