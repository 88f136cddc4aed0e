"""An authenticator app in a browser: setting one up from the key on the page, saving the
recovery codes, signing in with a code and with a recovery code, and the break-glass
sign-in while local passwords are off. Every page passes axe."""

import re

from playwright.sync_api import Page, expect

from eqia.auth import mfa, second_factor
from eqia.extensions import db
from eqia.models import User
from eqia.settings import SignInPolicy
from tests.browser.conftest import PASSWORD, authenticator_code, follow, sign_in, sign_out, visit

EMAIL = "superuser2@example.org"


def heading(page: Page):
    return page.get_by_role("heading", level=1)


def password_step(page: Page, email: str) -> None:
    visit(page, "/auth/sign-in")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Sign in"))


def test_setting_up_an_app_and_signing_in_with_it(page: Page, app):
    with app.app_context():
        second_factor.remove(User.by_email(EMAIL))  # as an admin would, from the user form
        db.session.commit()

    password_step(page, EMAIL)
    expect(heading(page)).to_have_text("Set up an authenticator app")
    expect(page.get_by_role("img", name=re.compile("QR code for adding EqIA"))).to_be_visible()
    key = page.locator(".eqia-manual-key").inner_text()
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{4}", key)
    secret = key.replace(" ", "")

    # a mistyped code: the error, and the same key to try again with
    step = mfa.current_step()
    right = {mfa.code_at(secret, s) for s in range(step - 2, step + 3)}
    wrong = next(c for c in ("000000", "999999") if c not in right)
    page.get_by_label("Code", exact=True).fill(wrong)
    follow(page, page.get_by_role("button", name="Continue"))
    expect(page).to_have_title(re.compile(r"^Error: Set up an authenticator app"))
    expect(page.locator(".eqia-manual-key")).to_have_text(key)

    page.get_by_label("Code", exact=True).fill(mfa.code_at(secret, mfa.current_step()))
    follow(page, page.get_by_role("button", name="Continue"))
    expect(heading(page)).to_have_text("Save your recovery codes")
    codes = page.locator(".eqia-recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    expect(page.get_by_role("link", name="Download the codes as a text file")).to_be_visible()
    follow(page, page.get_by_role("button", name="Continue"))
    expect(heading(page)).not_to_have_text("Save your recovery codes")
    sign_out(page)

    # next time: the password, then the code the app shows
    password_step(page, EMAIL)
    expect(heading(page)).to_have_text("Enter the code from your authenticator app")
    page.get_by_label("Code", exact=True).fill(authenticator_code(EMAIL))
    follow(page, page.get_by_role("button", name="Continue"))
    expect(page).not_to_have_url(re.compile(r"/auth/sign-in"))
    visit(page, "/auth/account")
    expect(page.get_by_text("You have 10 recovery codes left")).to_be_visible()
    sign_out(page)

    # without the app: a recovery code, once
    password_step(page, EMAIL)
    follow(page, page.get_by_role("link", name="Use a recovery code instead"))
    expect(heading(page)).to_have_text("Enter a recovery code")
    page.get_by_label("Recovery code").fill(codes[0])
    follow(page, page.get_by_role("button", name="Continue"))
    expect(page.get_by_text("You have 9 recovery codes left")).to_be_visible()
    sign_out(page)


def test_the_break_glass_sign_in_while_local_passwords_are_off(page: Page, app):
    with app.app_context():
        SignInPolicy(local_passwords=False).save(None)
        db.session.commit()
    visit(page, "/auth/sign-in")
    expect(page.get_by_label("Password", exact=True)).to_have_count(0)
    follow(page, page.get_by_role("link", name="Sign in with a break-glass admin account"))
    expect(heading(page)).to_have_text("Sign in with a break-glass admin account")
    # the demo admin is a break-glass account; sign_in enters the code from its app
    sign_in(page, "admin@example.org", path="/auth/sign-in/break-glass")
    visit(page, "/auth/account")
    expect(heading(page)).to_have_text("Your account")
    follow(page, page.get_by_role("button", name="Get new recovery codes"))
    expect(heading(page)).to_have_text("Get new recovery codes")
    page.get_by_label("Your password").fill(PASSWORD)
    follow(page, page.get_by_role("button", name="Get new recovery codes"))
    expect(page.locator(".eqia-recovery-codes li")).to_have_count(10)
    visit(page, "/auth/account")
    follow(page, page.get_by_role("button", name="Replace your authenticator app"))
    expect(heading(page)).to_have_text("Replace your authenticator app")
    expect(page.get_by_label("Your password")).to_be_visible()
