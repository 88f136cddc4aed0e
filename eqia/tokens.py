"""API tokens: made once, kept as hashes, checked on every request to the data feed.

A token is ``eqia_`` and 43 random URL-safe characters. The feed takes it as a Bearer
token (``Authorization: Bearer eqia_…``) or as the password of HTTP Basic authentication
(any user name), which is what Power BI's and Excel's "From Web" send. Each request looks
the token's hash up afresh, so a revoked or expired token stops at once, on every
instance. No cookie is read or set: ``enforce`` runs instead of the session's sign-in for
views that ``@allow(TOKEN)``.

Each request counts against its token's limit (``EQIA_API_RATE_LIMIT``) in Flask-Limiter's
store, and each is in the security log: ``api.refused`` for a missing, unknown, revoked or
expired token, ``api.used`` for every answer a token was given (README "Security log").
"""

import base64
import binascii
import hashlib
import secrets
from datetime import date, datetime

from flask import current_app, g, request
from sqlalchemy import select, update

from eqia.errors import FeedError
from eqia.extensions import db
from eqia.models import ApiToken, Dataset, EventKind, Reach, User
from eqia.models.audit import record
from eqia.security_log import after_commit, security_event
from eqia.timefmt import day_after, long_date, uk_midnight, utcnow

PREFIX = "eqia_"
# How much of a token admins see, to tell tokens apart.
SHOWN = len(PREFIX) + 6
REALM = 'Bearer, Basic realm="EqIA data feed"'


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def shown_prefix(token: str) -> str:
    return token[:SHOWN]


def presented() -> str | None:
    """The token the request carries: as a Bearer token, or as Basic's password."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        return value or None
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        _user, colon, password = decoded.partition(":")
        return password if colon and password else None
    return None


def _refuse(reason: str, message: str, **fields) -> FeedError:
    query = request.query_string.decode()[:500]
    security_event("api.refused", reason=reason, query=query, **fields)
    return FeedError(401, "unauthorised", message, headers={"WWW-Authenticate": REALM})


def authenticate(now: datetime) -> ApiToken:
    """The request's token, if it is one in force; otherwise a 401 FeedError."""
    token = presented()
    if token is None:
        raise _refuse(
            "missing",
            "Send an API token: as a Bearer token, or as the password of Basic authentication",
        )
    found = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if found is None:
        raise _refuse("unknown", "The API token is not one this service issued")
    who = {"token_id": found.id, "token_name": found.name}
    if found.revoked_at is not None:
        raise _refuse("revoked", "The API token has been revoked", **who)
    if found.expired(now):
        raise _refuse("expired", "The API token has expired", **who)
    return found


def _rate_limited(token: ApiToken) -> None:
    """Count the request against the token's limit: a 429 FeedError once it is used up."""
    from eqia.auth import throttle  # the auth blueprint's; imported once the app is made

    again = throttle.api_request(token.id)
    if again is None:
        return
    wait = max(1, int(again - utcnow().timestamp()) + 1)
    security_event("api.throttled", token_id=token.id, token_name=token.name)
    raise FeedError(
        429,
        "too_many_requests",
        f"This token has made too many requests: wait {wait} seconds, then try again",
        headers={"Retry-After": str(wait)},
    )


def enforce() -> None:
    """Let the request through with a token in force (``g.api_token``), or raise. Nobody is
    signed in to the feed, whatever cookie the request carries: the session is not read."""
    current_app.login_manager._update_request_context_with_user()
    now = utcnow()
    token = authenticate(now)
    _rate_limited(token)
    db.session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    db.session.commit()
    g.api_token = token


def current() -> ApiToken:
    return g.api_token


def require(dataset: Dataset) -> ApiToken:
    """The request's token, if it may read ``dataset``; otherwise a 403 FeedError."""
    token = current()
    if not token.may_read(dataset):
        security_event(
            "api.refused",
            reason="scope",
            token_id=token.id,
            token_name=token.name,
            dataset=dataset.value,
        )
        raise FeedError(403, "forbidden", f"This API token may not read {dataset.value}")
    return token


def log_use(status: int, rows: int | None = None, complete: bool = True) -> None:
    """An answer a token was given, in the security log: its status, and for a feed that
    was sent, how many rows it had (and whether the client stopped reading before the end)."""
    token = g.get("api_token")
    if token is None:
        return
    fields = {"rows": rows} if rows is not None else {}
    if not complete:
        fields["complete"] = False
    security_event(
        "api.used",
        token_id=token.id,
        token_name=token.name,
        query=request.query_string.decode()[:500],
        status=status,
        **fields,
    )


# --- made and revoked by admins (eqia.admin.api_tokens) ---------------------------------------


def _describe(token: ApiToken) -> str:
    expires = long_date(token.expires_on) if token.expires_on else "never"
    return "\n".join(
        [
            f"{token.name} ({token.prefix}…)",
            "Datasets: " + ", ".join(d.label for d in token.scopes),
            f"Reach: {token.reach.label}",
            f"Expires: {expires}",
        ]
    )


def name_taken(name: str) -> bool:
    """Whether a token in use (not revoked) already has this name."""
    query = select(ApiToken.id).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
    return db.session.scalar(query) is not None


def issue(
    name: str, datasets: list[Dataset], reach: Reach, expires_on: date | None, by: User
) -> tuple[ApiToken, str]:
    """A new token (in the caller's transaction) and its secret, to show once; audited."""
    secret = new_token()
    token = ApiToken(
        name=name,
        token_hash=token_hash(secret),
        prefix=shown_prefix(secret),
        datasets=[d.value for d in Dataset if d in datasets],
        reach=reach,
        created_by_id=by.id,
        created_at=utcnow(),
        # It works to the end of its expiry day, UK time.
        expires_at=uk_midnight(day_after(expires_on)) if expires_on else None,
    )
    db.session.add(token)
    db.session.flush()
    record(EventKind.API_TOKEN_CREATED, by, note=_describe(token))
    after_commit(
        db.session,
        "api_token.created",
        token_id=token.id,
        token_name=token.name,
        datasets=token.datasets,
        reach=token.reach.value,
    )
    return token, secret


def revoke(token: ApiToken, by: User) -> None:
    """Stop the token at its next request (in the caller's transaction); audited."""
    if token.revoked_at is not None:
        return
    token.revoked_at, token.revoked_by_id = utcnow(), by.id
    record(EventKind.API_TOKEN_REVOKED, by, note=_describe(token))
    after_commit(db.session, "api_token.revoked", token_id=token.id, token_name=token.name)
