"""Who must use an authenticator app, the sign-in waiting for its code, and the account's
authenticator and recovery codes as rows (the codes' arithmetic is eqia.auth.mfa).

Between a correct password and the code, the Flask session holds only a pending sign-in:
the person's id and email and when it was started. It lasts ten minutes, and is never a
signed-in session: eqia.sessions.begin is called only once the code is right.
"""

import time
from dataclasses import dataclass

from flask import current_app, session
from sqlalchemy import delete, or_, select, update

from eqia import pending
from eqia.auth import mfa
from eqia.extensions import db
from eqia.models import RecoveryCode, Role, User
from eqia.settings import SignInPolicy
from eqia.timefmt import utcnow

PENDING_KEY = "pending_sign_in"
SETUP_KEY = "authenticator_setup"
PENDING_SECONDS = 10 * 60


# --- who -----------------------------------------------------------------------------------


def is_break_glass_admin(user: User) -> bool:
    return user.active and user.break_glass and Role.ADMIN in user.roles


def may_use_password(user: User, policy: SignInPolicy) -> bool:
    """Whether this person may sign in with their password under the policy."""
    return policy.local_passwords or is_break_glass_admin(user)


def must_use_authenticator(user: User, policy: SignInPolicy) -> bool:
    if user.break_glass:
        return True
    if not user.has_password:
        return False
    return policy.mfa_for_everyone or bool({Role.ADMIN, Role.SUPER_USER} & set(user.roles))


# --- the sign-in waiting for its code -------------------------------------------------------


def start_pending(user: User) -> None:
    """Forget everything the browser's session held but answers kept for this person
    (eqia.pending, which sessions.begin carries over), and wait for the code."""
    previous = dict(session)
    session.clear()
    if previous.get(pending.ENDED_KEY) == user.id:
        for key in (pending.ENDED_KEY, pending.SESSION_KEY):
            if key in previous:
                session[key] = previous[key]
    session[PENDING_KEY] = {"user_id": user.id, "email": user.email, "started": time.time()}


def pending_user() -> User | None:
    """The person whose password was right in the last ten minutes, if they still may sign
    in with it; otherwise None (and any stale pending sign-in is forgotten)."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    started = pending.get("started")
    user = db.session.get(User, pending.get("user_id")) if pending.get("user_id") else None
    if (
        not isinstance(started, int | float)
        or not 0 <= time.time() - started < PENDING_SECONDS
        or user is None
        or not user.active
        or user.email != pending.get("email")
        or not may_use_password(user, SignInPolicy.load())
    ):
        clear_pending()
        return None
    return user


def clear_pending() -> None:
    session.pop(PENDING_KEY, None)
    session.pop(SETUP_KEY, None)


# --- setting one up ---------------------------------------------------------------------------


def offered_secret(user: User) -> str:
    """The secret offered to this person while they set up an app: the same one however
    often the page is shown (or a code is refused) until they finish or start again."""
    setup = session.get(SETUP_KEY)
    if not isinstance(setup, dict) or setup.get("user_id") != user.id:
        setup = {"user_id": user.id, "nonce": mfa.new_nonce()}
        session[SETUP_KEY] = setup
    key = current_app.config["SECRET_KEY"].encode()
    return mfa.setup_secret(key, user.id, setup["nonce"])


@dataclass(frozen=True)
class Offered:
    """An offered secret whose code was right, and that code's step."""

    secret: str
    step: int


def offered(user: User, code: str) -> Offered | None:
    """The offered secret, if ``code`` is right for it."""
    secret = offered_secret(user)
    step = mfa.accepted_step(secret, code, None)
    return None if step is None else Offered(secret, step)


def keep(user: User, offered: Offered) -> list[str]:
    """Make the offered secret this person's app (replacing any other), with new recovery
    codes: those codes, to show once. The caller commits."""
    user.totp_secret, user.totp_confirmed_at = offered.secret, utcnow()
    user.totp_last_step = offered.step
    session.pop(SETUP_KEY, None)
    return replace_recovery_codes(user)


def replace_recovery_codes(user: User) -> list[str]:
    """Ten new codes, replacing every earlier one (used or not). The caller commits."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = mfa.new_recovery_codes()
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=mfa.recovery_hash(c)) for c in codes)
    return codes


def remove(user: User) -> None:
    """Forget this person's authenticator and recovery codes (they set one up again)."""
    user.totp_secret, user.totp_confirmed_at, user.totp_last_step = "", None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))


# --- using one ---------------------------------------------------------------------------------


def check_code(user: User, code: str) -> bool:
    """A right code from their app, not used before: it can never be used again."""
    step = mfa.accepted_step(user.totp_secret, code, user.totp_last_step)
    if step is None or not user.has_totp:
        return False
    # One statement, so two requests sending the same code cannot both succeed.
    later = or_(User.totp_last_step.is_(None), User.totp_last_step < step)
    taken = db.session.execute(
        update(User).where(User.id == user.id, later).values(totp_last_step=step)
    )
    return taken.rowcount == 1


def use_recovery_code(user: User, code: str) -> bool:
    """A right recovery code, not used before: marked used, so it never works again."""
    if not user.has_totp or not mfa.looks_like_recovery_code(code):
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == mfa.recovery_hash(code),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
    )
    return used.rowcount == 1


def recovery_codes_left(user: User) -> int:
    query = select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
    )
    return len(db.session.scalars(query).all())
