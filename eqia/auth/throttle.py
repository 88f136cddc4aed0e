"""How many tries signing in and checking a password get.

An attempt is counted before its password is checked, in one atomic step of the limit
store, so however many arrive at once no more than the limit are ever checked. Signing
in counts against the account from this address (the limit that stops guessing), the
account from any address (guessing spread over many addresses) and, set high, the
address (spraying many accounts from one address: a whole office can share one
address, so its limit must not lock everyone out).

The counts live in Flask-Limiter's store (``EQIA_RATELIMIT_STORAGE_URI``): Redis, shared
by every instance, in production. If the store cannot be reached, sign-in still works:
each attempt is counted in this process's memory instead, so the limits still hold per
process (looser across many, never absent), and a ``throttling.degraded`` security event
says so, once per request, until the store answers again.
"""

from collections.abc import Callable

from flask import current_app, g, request
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, RateLimiter

from eqia.extensions import limiter
from eqia.security_log import security_event

# This process's own counts, for while the shared store is down.
FALLBACK = FixedWindowRateLimiter(MemoryStorage())
_DEGRADED = "eqia_throttling_degraded"
THROTTLED = "You have tried to sign in too many times. Wait 15 minutes, then try again."
CHECKS_THROTTLED = (
    "You have entered your current password too many times. Wait 15 minutes, then try again."
)


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


def _counted(action: Callable[[RateLimiter], bool | None]) -> bool | None:
    """``action`` on the shared store's counts, or on this process's if the store is down."""
    try:
        return action(limiter.limiter)
    except StorageError as error:
        if not g.get(_DEGRADED):
            g.setdefault(_DEGRADED, True)
            security_event("throttling.degraded", reason=str(error.storage_error)[:200])
        return action(FALLBACK)


def _attempt(limits: list[tuple[RateLimitItem, str, str]]) -> bool:
    """Count this attempt against every limit; False if any was already used up."""
    return _counted(lambda strategy: all([strategy.hit(limit, *key) for limit, *key in limits]))


def sign_in_attempt(email: str) -> bool:
    return _attempt(_sign_in_limits(email))


def signed_in(email: str) -> None:
    """A correct password: this person's tries from this address start again."""
    limit, *key = _sign_in_limits(email)[0]
    _counted(lambda strategy: strategy.clear(limit, *key))


def store_reachable() -> bool | None:
    """Whether the shared store answers; None when the counts are kept in memory."""
    if current_app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return None
    return limiter.storage.check()


def password_check(user_id: int) -> bool:
    """Checking a signed-in person's current password (to change it) is limited too."""
    limit = parse(current_app.config["PASSWORD_CHECK_LIMIT"])
    return _attempt([(limit, "password-check", str(user_id))])


def api_request(token_id: int) -> float | None:
    """Count a data feed request against its API token's limit (``EQIA_API_RATE_LIMIT``):
    None if it may go on, otherwise when (a Unix time) the token may try again."""
    limit = parse(current_app.config["API_RATE_LIMIT"])
    key = ("api-token", str(token_id))
    if _counted(lambda strategy: strategy.hit(limit, *key)):
        return None
    return _counted(lambda strategy: strategy.get_window_stats(limit, *key).reset_time)
