"""The timeout warning in a real browser, with an idle timeout of seconds instead of an hour.

Before the idle timeout a signed-in page opens a modal dialog that says how long is left;
"Stay signed in" (Enter, or Escape) keeps the session, "Sign out" signs out, and when the
time runs out the browser goes to sign in again, keeping a question page's typed answers;
using the service in another tab puts the warning off.
Timings have seconds of margin on each side: the server and the page count the same
interval from the same request, a few milliseconds apart.
"""

import re
import time
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Assessment
from tests.browser.conftest import BROWSER_MARKS, PASSWORD, assert_accessible, sign_in, visit

pytestmark = BROWSER_MARKS

LEAD = "lead@example.org"
TITLE = "You’re about to be signed out"


@pytest.fixture
def timeout(app):
    """Set the idle timeout and the warning's lead time, in seconds, for the live server."""

    def configure(idle: int, warning: int) -> None:
        app.config.update(
            IDLE_TIMEOUT=timedelta(seconds=idle), IDLE_WARNING=timedelta(seconds=warning)
        )

    return configure


def warning(page: Page):
    return page.get_by_role("dialog", name=TITLE)


def stay_button(page: Page):
    return warning(page).get_by_role("button", name="Stay signed in")


def sign_out_button(page: Page):
    return warning(page).get_by_role("button", name="Sign out")


def loaded(page: Page, path: str) -> float:
    """Visit a page; when it loaded (the server counted its request as use just before)."""
    visit(page, path)
    return time.monotonic()


def wait_until(page: Page, moment: float) -> None:
    page.wait_for_timeout(max(0, moment - time.monotonic()) * 1000)


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def test_the_warning_opens_before_the_timeout_and_stay_signed_in_keeps_the_session(
    page: Page, timeout
):
    timeout(idle=14, warning=8)
    sign_in(page, LEAD)
    start = loaded(page, "/")
    where_i_was = page.get_by_role("link", name="Start a new EqIA")
    where_i_was.focus()
    expect(warning(page)).to_be_hidden()

    # Six seconds after the page loaded (the timeout less the warning), the dialog opens.
    expect(warning(page)).to_be_visible(timeout=12_000)
    assert time.monotonic() - start > 5
    expect(warning(page)).to_have_attribute("aria-modal", "true")
    expect(warning(page)).to_contain_text(
        re.compile(r"For your security, we will sign you out in \d seconds?\.")
    )
    expect(stay_button(page)).to_be_focused()
    assert_accessible(page)

    # Focus is held in the dialog: Tab and Shift+Tab go round its two buttons.
    page.keyboard.press("Tab")
    expect(sign_out_button(page)).to_be_focused()
    page.keyboard.press("Tab")
    expect(stay_button(page)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(sign_out_button(page)).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(stay_button(page)).to_be_focused()

    # Enter on "Stay signed in": the session is used again, the dialog closes, focus returns.
    with page.expect_response(re.compile(r"/auth/stay-signed-in$")) as stayed:
        page.keyboard.press("Enter")
    assert stayed.value.status == 200
    stayed_at = time.monotonic()
    expect(warning(page)).to_be_hidden()
    expect(where_i_was).to_be_focused()

    # After the first timeout has passed, the next page is still signed in.
    wait_until(page, start + 14 + 2)
    assert time.monotonic() < stayed_at + 14 - 2, "too slow to tell a kept session apart"
    visit(page, "/auth/account")
    expect(heading(page)).to_have_text("Your account")


def test_escape_stays_signed_in_and_sign_out_signs_out(page: Page, timeout):
    timeout(idle=10, warning=6)
    sign_in(page, LEAD)
    loaded(page, "/")
    expect(warning(page)).to_be_visible(timeout=10_000)
    expect(stay_button(page)).to_be_focused()

    with page.expect_response(re.compile(r"/auth/stay-signed-in$")) as stayed:
        page.keyboard.press("Escape")
    assert stayed.value.status == 200
    expect(warning(page)).to_be_hidden()

    # It comes back before the new timeout; Tab to "Sign out" and Enter signs out.
    expect(warning(page)).to_be_visible(timeout=10_000)
    page.keyboard.press("Tab")
    expect(sign_out_button(page)).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert_accessible(page)
    expect(heading(page)).to_have_text("Sign in to Equality Impact Assessments")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out.")
    visit(page, "/auth/account")
    expect(page).to_have_url(re.compile(r"/auth/sign-in\?next=/auth/account$"))


def test_using_the_service_in_another_tab_closes_the_warning(page: Page, timeout):
    timeout(idle=12, warning=6)
    sign_in(page, LEAD)
    loaded(page, "/")
    expect(warning(page)).to_be_visible(timeout=10_000)

    other_tab = page.context.new_page()
    visit(other_tab, "/plan/")
    expect(warning(page)).to_be_hidden(timeout=3_000)
    # It opens again only when neither tab has been used for the timeout less the warning.
    page.wait_for_timeout(2_000)
    expect(warning(page)).to_be_hidden()
    expect(warning(page)).to_be_visible(timeout=8_000)
    expect(warning(other_tab)).to_be_visible(timeout=2_000)


def test_when_the_time_runs_out_answers_typed_are_kept_to_check_after_signing_in(
    page: Page, timeout, app
):
    timeout(idle=24, warning=21)
    with app.app_context():
        ref = db.session.scalar(
            select(Assessment.reference).where(Assessment.title == "Hybrid working policy")
        )
    sign_in(page, "lead2@example.org")
    path = f"/eqia/{ref}/questions/evidence"
    loaded(page, path)
    typed = "Staff survey, 2026: 1,200 replies"
    page.get_by_label("What data and evidence have you used?").fill(typed)

    # Opened with 21 seconds left; "20 seconds" is read out; then the time runs out.
    expect(warning(page)).to_be_visible(timeout=10_000)
    announcement = warning(page).locator("[aria-live=polite]")
    expect(announcement).to_have_text("We will sign you out in 20 seconds.", timeout=5_000)
    page.wait_for_url(re.compile(r"/auth/sign-in"), timeout=30_000)
    assert_accessible(page)
    expect(page).to_have_url(re.compile(rf"/auth/sign-in\?next={re.escape(path)}$"))
    banners = page.locator(".govuk-notification-banner")
    expect(banners.first).to_contain_text("You were signed out because you had not used")
    expect(banners.last).to_contain_text("Sign in again and we will put them back")

    # Signing in again goes back to the page, with the answers to check and save.
    page.get_by_label("Email address").fill("lead2@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    assert_accessible(page)
    expect(page).to_have_url(re.compile(rf"{re.escape(path)}$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "These answers were sent after you were signed out, and have not been saved"
    )
    expect(page.get_by_label("What data and evidence have you used?")).to_have_value(typed)


def test_when_the_time_runs_out_on_any_other_page_it_goes_to_sign_in(page: Page, timeout):
    timeout(idle=8, warning=5)
    sign_in(page, LEAD)
    loaded(page, "/plan/")
    expect(warning(page)).to_be_visible(timeout=8_000)
    page.wait_for_url(re.compile(r"/auth/sign-in"), timeout=15_000)
    assert_accessible(page)
    expect(page).to_have_url(re.compile(r"/auth/sign-in\?next=/plan/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You were signed out because you had not used the service for a while."
    )
    expect(warning(page)).to_have_count(0)


def test_without_javascript_nothing_opens(new_context, timeout):
    timeout(idle=8, warning=6)
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page, LEAD)
    loaded(page, "/plan/")
    page.wait_for_timeout(4_000)  # past the moment the warning would open
    expect(page.locator("#timeout-warning")).to_be_hidden()
    expect(heading(page)).to_have_text("EDI action plan")
