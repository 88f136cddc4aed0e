"""How many tries signing in and checking a password get.

An attempt is counted before its password is checked, in one atomic step of the limit
store, so however many arrive at once no more than the limit are ever checked. Signing
in counts against the account from this address (the limit that stops guessing), the
account from any address (guessing spread over many addresses) and, set high, the
address (spraying many accounts from one address: a whole office can share one
address, so its limit must not lock everyone out).
"""

from flask import current_app, request
from limits import RateLimitItem, parse

from eqia.extensions import limiter


def _address() -> str:
    # The client's address: behind trusted proxies, ProxyFix has set it from X-Forwarded-For.
    return request.remote_addr or ""


def _sign_in_limits(email: str) -> list[tuple[RateLimitItem, str, str]]:
    config, address = current_app.config, _address()
    return [
        (parse(config["SIGN_IN_LIMIT_PER_ACCOUNT_AND_ADDRESS"]), "sign-in", f"{email} {address}"),
        (parse(config["SIGN_IN_LIMIT_PER_ACCOUNT"]), "sign-in-account", email),
        (parse(config["SIGN_IN_LIMIT_PER_ADDRESS"]), "sign-in-address", address),
    ]


def _attempt(limits: list[tuple[RateLimitItem, str, str]]) -> bool:
    """Count this attempt against every limit; False if any was already used up."""
    return all([limiter.limiter.hit(limit, *key) for limit, *key in limits])


def sign_in_attempt(email: str) -> bool:
    return _attempt(_sign_in_limits(email))


def signed_in(email: str) -> None:
    """A correct password: this person's tries from this address start again."""
    limit, *key = _sign_in_limits(email)[0]
    limiter.limiter.clear(limit, *key)


def password_check(user_id: int) -> bool:
    """Checking a signed-in person's current password (to change it) is limited too."""
    limit = parse(current_app.config["PASSWORD_CHECK_LIMIT"])
    return _attempt([(limit, "password-check", str(user_id))])
