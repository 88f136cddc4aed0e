"""Admins choose who may sign in for the first time and how: the settings page, its
checks, and its audit trail."""

import pytest
from sqlalchemy import select

from eqia.extensions import db
from eqia.models import Event, EventKind, Role, Setting
from eqia.settings import SignInPolicy
from tests import factories
from tests.helpers import error_summary, h1, soup, submit

SSO = {
    "OIDC_ISSUER": "https://login.microsoftonline.com/tenant/v2.0",
    "OIDC_CLIENT_ID": "eqia",
    "OIDC_ACCOUNT_NAME": "Cambridgeshire account",
}
SAVE = {"new_accounts": "invited", "allowed_domains": "", "local_passwords": "yes"}


def _policy(app) -> SignInPolicy:
    with app.app_context():
        return SignInPolicy.load()


def test_the_defaults_are_the_safe_ones(app, clients):
    page = soup(clients["admin"].get("/admin/sign-in"))
    assert h1(page) == "Sign-in settings"
    assert page.select_one("input[name=new_accounts][checked]")["value"] == "invited"
    assert page.select_one("input[name=local_passwords][checked]")["value"] == "yes"
    assert "Single sign-on is not set up" in page.get_text()
    assert "Roles are managed here: people have the roles an admin gives them." in page.get_text()
    assert _policy(app) == SignInPolicy()


def test_an_admin_changes_them_and_the_change_is_audited(app, clients):
    form = {
        **SAVE,
        "new_accounts": "anyone",
        "allowed_domains": "@Cambridgeshire.gov.uk\npeterborough.gov.uk, cambridgeshire.gov.uk",
        "mfa_for_everyone": "y",
    }
    response = submit(clients["admin"], "/admin/sign-in", form)
    assert response.location == "/admin/sign-in"
    assert _policy(app) == SignInPolicy(
        new_accounts="anyone",
        allowed_domains=("cambridgeshire.gov.uk", "peterborough.gov.uk"),
        local_passwords=True,
        mfa_for_everyone=True,
    )
    page = soup(clients["admin"].get("/admin/sign-in"))
    assert page.select_one("textarea[name=allowed_domains]").text.split() == [
        "cambridgeshire.gov.uk",
        "peterborough.gov.uk",
    ]
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.kind == EventKind.SETTINGS_CHANGED))
        assert event.actor.email == "admin@example.org"
        assert event.note.splitlines() == [
            "First sign-in: only people an admin has added → anyone at an allowed domain",
            "Allowed email domains: any → cambridgeshire.gov.uk, peterborough.gov.uk",
            "Authenticator app for everyone with a password: no → yes",
        ]
    trail = soup(clients["admin"].get("/admin/audit")).get_text()
    assert "Sign-in settings changed" in trail


@pytest.mark.parametrize(
    "change, message",
    [
        ({"new_accounts": ""}, "Select who can sign in for the first time"),
        ({"local_passwords": ""}, "Select whether people can sign in with a password"),
        (
            {"allowed_domains": "cambridgeshire.gov.uk\nnot a domain"},
            "Enter domains like cambridgeshire.gov.uk, one to a line: “not a domain” is not one",
        ),
        (
            {"allowed_domains": "<script>alert(1)</script>"},
            "Enter domains like cambridgeshire.gov.uk, one to a line: "
            "“<script>alert(1)</script>” is not one",
        ),
    ],
)
def test_wrong_settings_are_explained_and_nothing_is_lost(app, clients, change, message):
    form = {**SAVE, "new_accounts": "anyone", **change}
    response = submit(clients["admin"], "/admin/sign-in", form)
    assert response.status_code == 200
    page = soup(response)
    assert error_summary(page) == [message]
    assert page.select_one("textarea[name=allowed_domains]").text == form["allowed_domains"]
    assert _policy(app) == SignInPolicy()


def test_passwords_stay_on_until_single_sign_on_is_set_up(app, clients):
    response = submit(clients["admin"], "/admin/sign-in", {**SAVE, "local_passwords": "no"})
    assert error_summary(soup(response)) == [
        "Single sign-on is not set up, so nobody could sign in without a password: set it up "
        "first (README, “Single sign-on”)"
    ]
    assert _policy(app).local_passwords


def test_passwords_stay_on_until_there_is_a_break_glass_admin(app, clients, users):
    app.config.update(SSO)
    response = submit(clients["admin"], "/admin/sign-in", {**SAVE, "local_passwords": "no"})
    assert error_summary(soup(response)) == [
        "Make at least one admin with a password a break-glass account first (on their page "
        "under Users), so someone can sign in if the council's sign-in service is down"
    ]
    with app.app_context():
        factories.make_user("glass@example.org", "Gail Glass", {Role.ADMIN}).break_glass = True
        db.session.commit()
    response = submit(clients["admin"], "/admin/sign-in", {**SAVE, "local_passwords": "no"})
    assert response.status_code == 302
    assert not _policy(app).local_passwords
    page = soup(clients["admin"].get("/admin/sign-in"))
    assert "There is 1 break-glass admin now." in page.get_text()
    assert "People can sign in with their Cambridgeshire account" in page.get_text()


def test_the_page_says_when_roles_come_from_the_council_account(app, clients):
    app.config.update(
        SSO,
        OIDC_ROLES_CLAIM="roles",
        OIDC_ROLE_MAP=("EqIA.SuperUser=super_user", "EqIA.Admin=admin"),
    )
    text = soup(clients["admin"].get("/admin/sign-in")).get_text(" ", strip=True)
    assert "Roles come from people's Cambridgeshire account (the roles claim)" in text
    assert "EqIA.SuperUser: EqIA super user" in text
    assert "EqIA.Admin: Admin" in text


@pytest.mark.parametrize("who", ["lead", "super_user", "auditor"])
def test_only_admins_see_the_settings(clients, who):
    assert clients[who].get("/admin/sign-in").status_code == 403


def test_a_setting_stored_by_an_older_version_reads_as_its_default(app):
    with app.app_context():
        db.session.add(Setting(key="sign-in", value={"local_passwords": False, "gone": 1}))
        db.session.commit()
        assert SignInPolicy.load() == SignInPolicy(local_passwords=False)
