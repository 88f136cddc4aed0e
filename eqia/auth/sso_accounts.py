"""Who someone signing in through the council's OpenID provider is, in this service.

A person is their provider's issuer plus their subject claim (for Entra ID, ``oid``),
never their email address alone. At a first single sign-on, an account an admin added
with that email address (and not yet linked to anyone) becomes theirs; otherwise an
account is made only when the sign-in settings let anyone in (from an allowed domain).
Email and name are kept as the provider says at every sign-in, and so are roles when
they come from a claim (``OIDC_ROLES_CLAIM``, mapped by ``OIDC_ROLE_MAP``). What changes
is in the admin audit trail and the security log with the person as the one who made it.
"""

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import select

from eqia.admin.audit import acting_as
from eqia.extensions import db
from eqia.models import Role, User
from eqia.security_log import after_commit
from eqia.settings import SignInPolicy


class SignInRefused(Exception):
    """Single sign-on cannot go on; ``reason`` names why (README "Security log")."""

    def __init__(self, reason: str, **fields):
        super().__init__(reason)
        self.reason = reason
        self.fields = fields


def parse_role_map(entries: tuple[str, ...] | list[str]) -> dict[str, Role]:
    """``("EqIA.Admin=admin", …)`` as claim value -> role; ValueError naming a bad entry."""
    mapping = {}
    for entry in entries:
        value, equals, role = (part.strip() for part in entry.partition("="))
        if not equals or not value or role not in set(Role):
            known = ", ".join(Role)
            raise ValueError(f"{entry!r} is not 'claim value=role' with the role one of {known}")
        mapping[value] = Role(role)
    return mapping


def check_settings(config) -> None:
    """Refuse to start on a role map that cannot be read."""
    try:
        parse_role_map(config.get("OIDC_ROLE_MAP", ()))
    except ValueError as error:
        raise RuntimeError(f"EQIA_OIDC_ROLE_MAP: {error}: refusing to start") from None


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("OIDC_ISSUER") and config.get("OIDC_CLIENT_ID"))


def provider_origin() -> str | None:
    """The provider's scheme and host: signing out of a single sign-on session posts the
    sign-out form here to be sent on there, so the pages' form-action must allow it."""
    if not enabled():
        return None
    parts = urlsplit(current_app.config["OIDC_ISSUER"])
    return f"{parts.scheme}://{parts.netloc}"


def roles_from_claims() -> bool:
    return enabled() and bool(current_app.config.get("OIDC_ROLES_CLAIM"))


def roles_locked(user: User | None) -> bool:
    """Whether this person's roles come from their provider, not from admins."""
    return user is not None and user.oidc_subject is not None and roles_from_claims()


def role_map() -> dict[str, Role]:
    return parse_role_map(current_app.config.get("OIDC_ROLE_MAP", ()))


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str
    name: str
    email_verified: bool | None
    # None when roles are managed in the service.
    roles: frozenset[Role] | None


def _claimed_roles(claims: dict) -> frozenset[Role] | None:
    claim = current_app.config.get("OIDC_ROLES_CLAIM")
    if not claim:
        return None
    values = claims.get(claim) or []
    if isinstance(values, str):
        values = [values]
    mapping = role_map()
    return frozenset(mapping[value] for value in values if value in mapping)


def identity_from(claims: dict) -> Identity:
    """Who the checked ID token says this is."""
    config = current_app.config
    subject = claims.get(config["OIDC_SUBJECT_CLAIM"])
    if not isinstance(subject, str) or not subject:
        raise SignInRefused("subject_missing")
    email = claims.get(config["OIDC_EMAIL_CLAIM"])
    if not isinstance(email, str) or "@" not in email:
        raise SignInRefused("email_missing")
    name = claims.get(config["OIDC_NAME_CLAIM"])
    verified = claims.get("email_verified")
    return Identity(
        issuer=config["OIDC_ISSUER"],
        subject=subject,
        email=User.normalise_email(email),
        name=name.strip() if isinstance(name, str) else "",
        email_verified=verified if isinstance(verified, bool) else None,
        roles=_claimed_roles(claims),
    )


def _linked(identity: Identity) -> User | None:
    return db.session.scalar(
        select(User).where(
            User.oidc_issuer == identity.issuer, User.oidc_subject == identity.subject
        )
    )


def _first_time(identity: Identity) -> User:
    """The account a first single sign-on is for: the invited one, or a new one."""
    invited = User.by_email(identity.email)
    if invited is not None:
        if invited.oidc_subject is not None:
            raise SignInRefused("email_linked_elsewhere", account_id=invited.id)
        if identity.email_verified is False:
            raise SignInRefused("email_unverified", account_id=invited.id)
        return invited
    policy = SignInPolicy.load()
    if policy.new_accounts != "anyone":
        raise SignInRefused("not_invited")
    if not policy.domain_allowed(identity.email):
        raise SignInRefused("domain_not_allowed")
    return User(
        email=identity.email, name=identity.name or identity.email, job_title="", active=True
    )


def person_for(identity: Identity) -> User:
    """The account this identity signs in to, brought up to date from the claims and
    flushed (the caller commits, or rolls back if the sign-in goes no further)."""
    user = _linked(identity) or _first_time(identity)
    if not user.active:
        raise SignInRefused("deactivated", account_id=user.id)
    clash = User.by_email(identity.email)
    if clash is not None and clash is not user:
        raise SignInRefused("email_taken", account_id=user.id)
    with acting_as(user):
        if user.id is None:
            db.session.add(user)
        elif user.oidc_subject is None:
            after_commit(db.session, "account.linked", subject=user)
        user.oidc_issuer, user.oidc_subject = identity.issuer, identity.subject
        user.email = identity.email
        if identity.name:
            user.name = identity.name
        if identity.roles is not None and identity.roles != user.roles:
            user.roles = set(identity.roles)
        db.session.flush()
    return user
