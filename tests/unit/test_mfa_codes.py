"""Authenticator codes and recovery codes, without the app: RFC 6238's test vector, the
window either side, never a step twice, and recovery codes as people type them."""

import pyotp

from eqia.auth import mfa

# RFC 6238 appendix B's SHA-1 secret ("12345678901234567890"), in base32.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def test_codes_are_rfc_6238s():
    # At 59 seconds the 8-digit code is 94287082; its last six digits are the 6-digit one.
    assert mfa.code_at(RFC_SECRET, mfa.current_step(59)) == "287082"
    assert pyotp.TOTP(RFC_SECRET).at(59) == "287082"


def test_a_code_is_accepted_one_step_either_side_and_no_further():
    now = 1_800_000_000.0
    step = mfa.current_step(now)
    for offset in (-1, 0, 1):
        code = mfa.code_at(RFC_SECRET, step + offset)
        assert mfa.accepted_step(RFC_SECRET, code, None, now) == step + offset
    for offset in (-2, 2):
        assert (
            mfa.accepted_step(RFC_SECRET, mfa.code_at(RFC_SECRET, step + offset), None, now) is None
        )


def test_a_step_is_never_accepted_twice_nor_an_earlier_one():
    now = 1_800_000_000.0
    step = mfa.current_step(now)
    code = mfa.code_at(RFC_SECRET, step)
    assert mfa.accepted_step(RFC_SECRET, code, step, now) is None
    assert mfa.accepted_step(RFC_SECRET, mfa.code_at(RFC_SECRET, step - 1), step - 1, now) is None
    assert mfa.accepted_step(RFC_SECRET, mfa.code_at(RFC_SECRET, step + 1), step, now) == step + 1


def test_codes_may_be_typed_with_spaces_but_not_as_anything_else():
    now = 1_800_000_000.0
    code = mfa.code_at(RFC_SECRET, mfa.current_step(now))
    assert mfa.accepted_step(RFC_SECRET, f" {code[:3]} {code[3:]} ", None, now) is not None
    for typed in ("", "12345", "1234567", "abcdef", code + "0"):
        assert mfa.accepted_step(RFC_SECRET, typed, None, now) is None
    assert mfa.accepted_step("", code, None, now) is None


def test_the_key_is_shown_in_fours():
    assert mfa.grouped("ABCDEFGHIJKLMNOP") == "ABCD EFGH IJKL MNOP"


def test_recovery_codes_are_random_and_match_however_they_are_typed():
    codes = mfa.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert len(set(codes) & set(mfa.new_recovery_codes())) == 0
    code = codes[0]
    assert mfa.recovery_hash(code.upper().replace("-", " ")) == mfa.recovery_hash(code)
    assert mfa.recovery_hash(code) != code
    assert mfa.looks_like_recovery_code(code)
    assert not mfa.looks_like_recovery_code("123456")


def test_the_set_up_secret_depends_on_the_key_the_person_and_the_nonce():
    one = mfa.setup_secret(b"key", 1, "nonce")
    assert one == mfa.setup_secret(b"key", 1, "nonce")
    assert (
        len(
            {
                one,
                mfa.setup_secret(b"other", 1, "nonce"),
                mfa.setup_secret(b"key", 2, "nonce"),
                mfa.setup_secret(b"key", 1, "again"),
            }
        )
        == 4
    )
    assert len(one) == 32 and pyotp.TOTP(one).now()
