"""Signing in with a council account, in a browser: through the loopback OpenID provider's
own form, a first sign-in makes the account with exactly the roles the claims give, and
signing out goes through the provider back to "You have signed out"."""

import re

import pytest
from playwright.sync_api import Page, expect

from eqia.extensions import db
from eqia.settings import SignInPolicy
from tests.browser.conftest import assert_accessible, follow, visit
from tests.oidc_provider import settings

ROLE_MAP = ("EqIA.SuperUser=super_user", "EqIA.Auditor=auditor", "EqIA.Admin=admin")


@pytest.fixture
def sso(app, live_server, provider, not_ours):
    app.config.update(settings(provider, OIDC_ROLES_CLAIM="roles", OIDC_ROLE_MAP=ROLE_MAP))
    with app.app_context():
        SignInPolicy(new_accounts="anyone", allowed_domains=("example.org",)).save(None)
        db.session.commit()
        db.session.remove()
    not_ours(provider.url)
    return provider


def at_the_provider(page: Page, control) -> None:
    """Click through to, or on, the provider's own page (not ours: axe is not asked)."""
    with page.expect_navigation():
        control.click()


def sign_in_with_council_account(page: Page, sso, sub: str) -> None:
    visit(page, "/auth/sign-in")
    at_the_provider(page, page.get_by_role("button", name="Sign in with your council account"))
    expect(page).to_have_url(re.compile(rf"^{re.escape(sso.url)}/oauth2/authorize"))
    page.locator("input[name=sub]").first.fill(sub)
    follow(page, page.get_by_role("button", name="Authorize"))


def test_a_first_sign_in_with_a_council_account(page: Page, sso):
    sso.person("bea", email="bea.browne@example.org", name="Bea Browne", roles=["EqIA.SuperUser"])
    sign_in_with_council_account(page, sso, "bea")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Sign-off queue")).to_be_visible()
    expect(navigation.get_by_role("link", name="Admin")).to_have_count(0)
    follow(page, navigation.get_by_role("link", name="Sign-off queue"))
    expect(page).to_have_url(re.compile(r"/reviews"))

    at_the_provider(page, page.get_by_role("button", name="Sign out"))
    expect(page).to_have_url(re.compile(rf"^{re.escape(sso.url)}/oauth2/end_session"))
    follow(page, page.get_by_role("button", name="End session"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    follow(page, page.get_by_role("link", name="Sign in again"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Sign in to Equality Impact Assessments"
    )


def test_an_admin_from_the_claims_sees_where_roles_come_from(page: Page, sso):
    sso.person("ade", email="ade.admin@example.org", name="Ade Admin", roles=["EqIA.Admin"])
    sign_in_with_council_account(page, sso, "ade")
    navigation = page.get_by_role("navigation", name="Menu")
    expect(navigation.get_by_role("link", name="Sign-off queue")).to_have_count(0)
    follow(page, navigation.get_by_role("link", name="Admin"))
    expect(page.locator(".govuk-inset-text")).to_contain_text(
        "Roles come from people's council account (the roles claim), at each sign-in"
    )
    follow(page, page.get_by_role("link", name="Ade Admin"))
    expect(page.get_by_role("checkbox", name="Admin")).to_be_disabled()
    assert_accessible(page)
