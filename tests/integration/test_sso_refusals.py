"""Single sign-on that must go no further: each case is a GOV.UK page saying what went
wrong and what to do, a ``sign_in.sso_failed`` line with its reason (and no token), and
nobody signed in or half-made account left behind. The provider on loopback misbehaves
for real: ID tokens changed and signed again, a key nobody published, a token endpoint
too slow to wait for, a provider that is not there."""

import time

import pytest
from sqlalchemy import func, select

from eqia.extensions import db
from eqia.models import SignIn, User
from eqia.settings import SignInPolicy
from tests import factories
from tests.helpers import h1, soup
from tests.integration.test_sso import signed_in_as, sso_sign_in, start
from tests.oidc_provider import foreign_key, path_and_query, settings
from tests.processes import free_port


@pytest.fixture
def refused(app, client, security_log):
    """Checks a response is the refusal it should be, and that nobody was signed in."""

    def check(response, status: int, heading: str, reason: str) -> dict:
        __tracebackhide__ = True
        return _refused(app, client, security_log, response, status, heading, reason)

    return check


def _refused(app, client, security_log, response, status, heading, reason):
    __tracebackhide__ = True
    assert response.status_code == status
    page = soup(response)
    assert h1(page) == heading
    assert page.select_one("main h2").get_text() == "What to do"
    assert page.select_one("main a[href='/auth/sign-in']") is not None
    event = security_log.one("sign_in.sso_failed")
    assert event["reason"] == reason
    assert signed_in_as(client) is None
    with app.app_context():
        assert db.session.scalar(select(func.count(SignIn.id))) == 0
        assert db.session.scalar(select(User).where(User.oidc_subject.is_not(None))) is None
    return event


def claims_without(name):
    return lambda claims: {k: v for k, v in claims.items() if k != name}


def claims_with(**changes):
    return lambda claims: {**claims, **changes}


NOT_CHECKED = "We could not check who you are"
UNREACHABLE = "Sorry, we cannot reach your council account at the moment"


@pytest.mark.parametrize(
    "rewrite, reason",
    [
        (claims_with(aud="another-service"), "audience"),
        (claims_with(exp=int(time.time()) - 3600, iat=int(time.time()) - 7200), "expired"),
        (claims_with(iss="https://impostor.example"), "issuer"),
        (claims_with(nonce="not-the-one-we-sent"), "nonce"),
    ],
    ids=["audience", "expired", "issuer", "nonce"],
)
def test_an_id_token_that_fails_its_checks_is_refused(
    refused, app, client, sso, anyone, security_log, rewrite, reason
):
    sso.tamper(rewrite)
    response = sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    refused(response, 400, NOT_CHECKED, reason)


def test_an_id_token_signed_with_a_key_nobody_published_is_refused(
    refused, app, client, sso, anyone, security_log
):
    sso.tamper(lambda claims: claims, key=foreign_key())
    response = sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    refused(response, 400, NOT_CHECKED, "unknown_key")


def test_an_id_token_signed_with_another_key_under_the_providers_key_id_is_refused(
    refused, app, client, sso, anyone, security_log
):
    impostor = foreign_key()
    impostor_with_their_kid = type(impostor).import_key(
        {**impostor.as_dict(private=True), "kid": sso.key().kid}
    )
    sso.tamper(lambda claims: claims, key=impostor_with_their_kid)
    response = sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    refused(response, 400, NOT_CHECKED, "signature")


def test_a_tampered_state_is_refused(refused, app, client, sso, anyone, security_log):
    sso.person("sub-1", email="kai@example.org")
    callback = path_and_query(sso.authorize(start(client), "sub-1"))
    response = client.get(callback.replace("state=", "state=x"))
    refused(response, 400, "Signing in did not finish", "state")


def test_the_same_callback_used_twice_is_refused_the_second_time(
    app, client, sso, anyone, security_log
):
    sso.person("sub-1", email="kai@example.org")
    callback = path_and_query(sso.authorize(start(client), "sub-1"))
    assert client.get(callback).location == "/"
    response = client.get(callback)
    assert response.status_code == 400
    assert h1(soup(response)) == "Signing in did not finish"
    assert security_log.one("sign_in.sso_failed")["reason"] == "state"
    with app.app_context():
        assert db.session.scalar(select(func.count(SignIn.id))) == 1


def test_a_missing_email_claim_is_refused(refused, app, client, sso, anyone, security_log):
    sso.tamper(claims_without("email"))
    response = sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    heading = "Your council account has no email address we can use"
    refused(response, 403, heading, "email_missing")


def test_an_email_domain_not_allowed_is_refused(refused, app, client, sso, anyone, security_log):
    response = sso_sign_in(client, sso, "sub-1", email="kai@elsewhere.example")
    heading = "You cannot use this email address with this service"
    refused(response, 403, heading, "domain_not_allowed")
    with app.app_context():
        assert User.by_email("kai@elsewhere.example") is None


def test_someone_not_invited_is_refused(refused, app, client, sso, security_log):
    response = sso_sign_in(client, sso, "sub-1", email="kai@example.org", name="Kai")
    page = soup(response)
    refused(response, 403, "You do not have an account yet", "not_invited")
    assert "Ask an admin of this service to add you" in page.get_text()
    with app.app_context():
        assert User.by_email("kai@example.org") is None


def test_a_deactivated_person_is_refused(refused, app, client, sso, security_log):
    with app.app_context():
        gone = factories.make_user(email="gone@example.org", active=False).id
    response = sso_sign_in(client, sso, "sub-1", email="gone@example.org")
    heading = "Your account has been deactivated"
    event = refused(response, 403, heading, "deactivated")
    assert event["account_id"] == gone


def test_an_unverified_email_does_not_take_over_an_invited_account(
    refused, app, client, sso, security_log
):
    with app.app_context():
        factories.make_user(email="ola@example.org")
    response = sso_sign_in(client, sso, "sub-1", email="ola@example.org", email_verified=False)
    heading = "Your email address has not been confirmed"
    refused(response, 403, heading, "email_unverified")


def test_an_email_linked_to_someone_else_is_refused(app, client, sso, security_log):
    with app.app_context():
        taken = factories.make_user(email="ola@example.org")
        taken.oidc_issuer, taken.oidc_subject = sso.url, "the-real-ola"
        db.session.commit()
    response = sso_sign_in(client, sso, "impostor", email="ola@example.org")
    assert response.status_code == 403
    assert h1(soup(response)) == "Your email address is used by another account"
    assert security_log.one("sign_in.sso_failed")["reason"] == "email_linked_elsewhere"
    assert signed_in_as(client) is None


def test_a_new_email_another_account_has_is_refused(app, client, sso, anyone, security_log):
    sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    with app.app_context():
        factories.make_user(email="someone@example.org")
    client = app.test_client()
    response = sso_sign_in(client, sso, "sub-1", email="someone@example.org")
    assert response.status_code == 403
    assert h1(soup(response)) == "Your email address is used by another account"
    assert security_log.events("sign_in.sso_failed")[-1]["reason"] == "email_taken"
    assert signed_in_as(client) is None
    with app.app_context():
        assert User.by_email("kai@example.org").oidc_subject == "sub-1"


def test_the_provider_saying_no_is_shown(refused, app, client, sso, anyone, security_log):
    callback = sso.deny(start(client))
    response = client.get(path_and_query(callback))
    event = refused(response, 400, "You have not been signed in", "provider_error")
    assert event["error"] == "access_denied"


def test_a_provider_that_cannot_be_reached_is_shown_at_the_start(
    refused, app, client, security_log
):
    app.config.update(OIDC_ISSUER=f"http://127.0.0.1:{free_port()}", OIDC_CLIENT_ID="eqia")
    response = client.get("/auth/sign-in/sso")
    event = refused(response, 502, UNREACHABLE, "provider_unreachable")
    assert event["stage"] == "discovery"


def test_a_token_endpoint_too_slow_to_answer_is_shown(
    refused, app, client, sso, anyone, security_log
):
    app.config.update(settings(sso, OIDC_TIMEOUT=1))
    sso.slow_down(1.5)
    response = sso_sign_in(client, sso, "sub-1", email="kai@example.org")
    event = refused(response, 502, UNREACHABLE, "provider_unreachable")
    assert event["stage"] == "token"


def test_no_token_reaches_the_log(app, client, sso, anyone, security_log):
    sso.tamper(claims_with(aud="another-service"))
    sso.person("sub-1", email="kai@example.org")
    callback = path_and_query(sso.authorize(start(client), "sub-1"))
    client.get(callback)
    code = callback.split("code=")[1].split("&")[0]
    assert code not in security_log.text
    assert "eyJ" not in security_log.text  # no JWT


def test_anyone_from_any_domain_when_none_is_listed(app, client, sso):
    with app.app_context():
        SignInPolicy(new_accounts="anyone").save(None)
        db.session.commit()
    assert sso_sign_in(client, sso, "sub-1", email="kai@elsewhere.example").location == "/"


@pytest.mark.parametrize("name", ["state", "code", "error", "next"])
@pytest.mark.parametrize(
    "value", ["\x00", "before\x00after", "²", "99999999999999999999", "x" * 5000, "%FF%FE"]
)
def test_hostile_callback_and_start_parameters_get_a_page_not_an_error(
    app, client, sso, anyone, name, value
):
    start(client)
    response = client.get("/auth/sign-in/sso/callback", query_string={name: value})
    assert response.status_code in (302, 400), response.status_code
    assert client.get("/auth/sign-in/sso", query_string={"next": value}).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(SignIn.id))) == 0
