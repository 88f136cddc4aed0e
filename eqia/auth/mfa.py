"""Authenticator apps (TOTP, RFC 6238) and recovery codes: the parts with no Flask in them.

A code is accepted for the current 30-second step or the one either side, and only for a
step later than the last one accepted, so a code seen over someone's shoulder (or sent
twice) never works again. Recovery codes are random, 60 bits each, so a plain SHA-256 of
one is as safe to keep as a slow password hash would be; only the hash is kept.
"""

import base64
import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno

STEP_SECONDS = 30
DIGITS = 6
RECOVERY_CODE_COUNT = 10
# No 0/o, 1/l/i: codes are read off paper and typed in.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_RECOVERY_GROUPS, _RECOVERY_GROUP_LENGTH = 3, 4
_NOT_CODE = re.compile(r"[\s-]")


def setup_secret(key: bytes, user_id: int, nonce: str) -> str:
    """The base32 secret offered while someone sets up an authenticator app: derived from
    the service's key and a random nonce, so the browser's cookie holds only the nonce."""
    digest = hmac.new(key, f"totp-setup:{user_id}:{nonce}".encode(), "sha256").digest()
    return base64.b32encode(digest[:20]).decode()


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def new_secret() -> str:
    """A fresh base32 secret of 160 bits (for accounts made by the command line)."""
    return pyotp.random_base32(32)


def grouped(secret: str) -> str:
    """The key as people type it: in fours, with spaces between."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def provisioning_uri(secret: str, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_svg(uri: str, title: str) -> str:
    """The QR code of ``uri``, as inline SVG named by ``title`` (for screen readers)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, dark="#0b0c0c", light="#ffffff", title=title, svgclass=None
    )
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step)


def normalise(code: str) -> str:
    """What was typed, without the spaces and hyphens people add."""
    return _NOT_CODE.sub("", code or "").lower()


def accepted_step(secret: str, code: str, last_step: int | None, now: float | None = None):
    """The step ``code`` belongs to, if it is right and later than ``last_step``; else None."""
    code = normalise(code)
    if not secret or len(code) != DIGITS or not code.isdigit():
        return None
    step = current_step(now)
    for candidate in (step - 1, step, step + 1):
        if last_step is not None and candidate <= last_step:
            continue
        if hmac.compare_digest(code_at(secret, candidate), code):
            return candidate
    return None


def new_recovery_codes() -> list[str]:
    return [
        "-".join(
            "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LENGTH))
            for _ in range(_RECOVERY_GROUPS)
        )
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def recovery_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    code = normalise(code)
    return len(code) == _RECOVERY_GROUPS * _RECOVERY_GROUP_LENGTH and all(
        c in _RECOVERY_ALPHABET for c in code
    )
