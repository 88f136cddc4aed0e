"""Signing in with the council's own accounts: OpenID Connect (README "Single sign-on").

On only when ``OIDC_ISSUER`` and ``OIDC_CLIENT_ID`` are set. The provider is found from
``{issuer}/.well-known/openid-configuration`` (Authlib's Flask client). Signing in is the
authorization code flow with PKCE (S256), ``state`` and ``nonce``, all kept in the Flask
session until the provider sends the person back, and used once. The ID token's signature
(the provider's published keys, fetched again once for a key id not seen before, so a
provider's key rotation works), issuer, audience, expiry and nonce are checked before
eqia.auth.sso_accounts says whose account it is. Anything that goes wrong is one GOV.UK
page saying what happened and what to do, a ``sign_in.sso_failed`` line in the security
log (its reason, never a token), and no session.
"""

from urllib.parse import urlencode

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, abort, current_app, redirect, render_template, request, session, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)

from eqia import sessions
from eqia.auth import bp, sso_accounts
from eqia.auth.sso_accounts import SignInRefused, check_settings, enabled, identity_from, person_for
from eqia.extensions import db
from eqia.permissions import ANYONE, allow, is_safe_next
from eqia.security_log import security_event

EXTENSION = "eqia.sso"
NEXT_KEY = "sso_next"
# What each reason for refusing looks like: the status, the heading, and what to do.
PROBLEMS = {
    "state": (
        400,
        "Signing in did not finish",
        "The page you came back to had expired, had been used already or had been changed.",
    ),
    "id_token": (
        400,
        "We could not check who you are",
        "Your {account} sent us something we could not check.",
    ),
    "provider_error": (400, "You have not been signed in", "Your {account} did not sign you in."),
    "provider_unreachable": (
        502,
        "Sorry, we cannot reach your {account} at the moment",
        "This is usually a short problem at the service that checks your {account}.",
    ),
    "email_missing": (
        403,
        "Your {account} has no email address we can use",
        "Ask your IT service desk to add your work email address to your {account}.",
    ),
    "email_unverified": (
        403,
        "Your email address has not been confirmed",
        "Your {account} says your email address has not been confirmed. "
        "Ask your IT service desk to confirm it.",
    ),
    "domain_not_allowed": (
        403,
        "You cannot use this email address with this service",
        "Only email addresses of the organisations this service is for can be used.",
    ),
    "not_invited": (
        403,
        "You do not have an account yet",
        "Ask an admin of this service to add you, with the email address of your {account}.",
    ),
    "email_linked_elsewhere": (
        403,
        "Your email address is used by another account",
        "An account in this service with your email address belongs to someone else's "
        "{account}. Ask an admin of this service to check it.",
    ),
    "deactivated": (
        403,
        "Your account has been deactivated",
        "Ask an admin of this service to reactivate it if you still need it.",
    ),
}
ID_TOKEN_CLAIM_REASONS = {"iss": "issuer", "aud": "audience", "nonce": "nonce", "exp": "expired"}
# Reasons that share another's page.
SAME_PAGE = {
    "email_taken": "email_linked_elsewhere",
    **dict.fromkeys(
        ["signature", "unknown_key", "subject_missing", *ID_TOKEN_CLAIM_REASONS.values()],
        "id_token",
    ),
}


@bp.record_once
def _check(state: BlueprintSetupState) -> None:
    check_settings(state.app.config)


def _register(app: Flask):
    """The app's OpenID Connect client, made when first needed (its discovery document is
    fetched then, and kept)."""
    config = app.config
    oauth = OAuth(app)
    return oauth.register(
        "oidc",
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"] or None,
        server_metadata_url=f"{config['OIDC_ISSUER']}/.well-known/openid-configuration",
        client_kwargs={
            "scope": config["OIDC_SCOPES"],
            "code_challenge_method": "S256",
            "default_timeout": config["OIDC_TIMEOUT"],
        },
    )


@bp.app_context_processor
def _sso_globals() -> dict:
    """For the sign-in page's button and the admin pages' word on where roles come from."""
    return {"sso": sso_accounts}


def _client():
    if not enabled():
        abort(404)
    app = current_app._get_current_object()
    if EXTENSION not in app.extensions:
        app.extensions[EXTENSION] = _register(app)
    return app.extensions[EXTENSION]


def _problem(reason: str, **fields):
    """The page for a single sign-on that went no further, and its security log line."""
    db.session.rollback()
    security_event("sign_in.sso_failed", reason=reason, **fields)
    status, heading, explanation = PROBLEMS[SAME_PAGE.get(reason, reason)]
    account = current_app.config["OIDC_ACCOUNT_NAME"]
    return render_template(
        "auth/sso_problem.html",
        heading=heading.format(account=account),
        explanation=explanation.format(account=account),
        reason=reason,
        status=status,
    ), status


@bp.route("/sign-in/sso")
@allow(ANYONE)
def sso_start():
    """Send the person to their provider to sign in."""
    client = _client()
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    target = request.args.get("next")
    session[NEXT_KEY] = target if is_safe_next(target) else None
    try:
        return client.authorize_redirect(url_for("auth.sso_callback", _external=True))
    except (requests.RequestException, ValueError, KeyError, RuntimeError) as error:
        return _problem("provider_unreachable", stage="discovery", error=type(error).__name__)


def _provider_code(value: str | None) -> str:
    """An error code the provider sent, safe to log: letters, digits and _ only."""
    kept = "".join(c for c in (value or "") if c.isalnum() or c == "_")
    return kept[:60] or "none"


def _finish(client) -> dict:
    """The checked ID token's claims and the raw token; SignInRefused if not."""
    if "error" in request.args:
        raise SignInRefused("provider_error", error=_provider_code(request.args.get("error")))
    config = current_app.config
    options = {
        "iss": {"essential": True, "values": [config["OIDC_ISSUER"]]},
        "aud": {"essential": True, "values": [config["OIDC_CLIENT_ID"]]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=options)
    except MismatchingStateError:
        raise SignInRefused("state") from None
    except OAuthError as error:
        raise SignInRefused("provider_error", error=_provider_code(error.error)) from None
    except (requests.RequestException, ValueError, RuntimeError) as error:
        raise SignInRefused(
            "provider_unreachable", stage="token", error=type(error).__name__
        ) from None
    except InvalidKeyIdError:
        raise SignInRefused("unknown_key") from None
    except BadSignatureError:
        raise SignInRefused("signature") from None
    except ExpiredTokenError:
        raise SignInRefused("expired") from None
    except ClaimError as error:
        reason = ID_TOKEN_CLAIM_REASONS.get(error.claim, "id_token")
        raise SignInRefused(reason, claim=error.claim) from None
    except JoseError as error:
        raise SignInRefused("id_token", error=error.error or type(error).__name__) from None
    if not token.get("userinfo") or not token.get("id_token"):
        raise SignInRefused("id_token", error="no_id_token")
    return token


@bp.route("/sign-in/sso/callback")
@allow(ANYONE)
def sso_callback():
    """The provider sends the person back here: check who they are, and sign them in."""
    client = _client()
    target = session.pop(NEXT_KEY, None)
    try:
        token = _finish(client)
        user = person_for(identity_from(dict(token["userinfo"])))
    except SignInRefused as refused:
        return _problem(refused.reason, **refused.fields)
    sessions.begin(user, id_token=token["id_token"])
    security_event("sign_in.succeeded", authentication="sso")
    return redirect(target if is_safe_next(target) else url_for("main.dashboard"))


def logout_url() -> str | None:
    """Where to send someone signing out of a session begun by single sign-on, to sign out
    at their provider too (and come back to "You have signed out"); None otherwise. Read
    before the session ends."""
    if not enabled() or (id_token := sessions.id_token()) is None:
        return None
    try:
        metadata = _client().load_server_metadata()
    except (requests.RequestException, ValueError):
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": current_app.config["OIDC_CLIENT_ID"],
            "post_logout_redirect_uri": url_for("auth.signed_out", _external=True),
        }
    )
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"


@bp.route("/signed-out")
@allow(ANYONE)
def signed_out():
    """Where the provider sends people back to once they have signed out there too."""
    return render_template("auth/signed_out.html")
