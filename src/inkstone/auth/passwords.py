"""Passwords: argon2id hashing with transparent rehash, and what makes a new one acceptable
(its length, not too common, not your own name)."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from inkstone.core.errors import Invalid

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("inkstone-dummy-password")


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``password_hash`` (a dummy hash when there is none)."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with parameters other than today's."""
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


PASSWORD_MIN = 8
PASSWORD_MAX = 128
_COMMON = Path(__file__).parent / "data" / "common-passwords.txt.gz"

TOO_SHORT = f"is too short (minimum is {PASSWORD_MIN} characters)"
TOO_LONG = f"is too long (maximum is {PASSWORD_MAX} characters)"
TOO_COMMON = "is too common; choose one that is harder to guess"
TOO_PERSONAL = "must not be your username or email address"


@cache
def common_passwords() -> frozenset[str]:
    """Return the bundled list of common passwords (lower-cased), read once."""
    with gzip.open(_COMMON, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def password_problem(password: str, *, username: str = "", email: str = "") -> str | None:
    """Return why ``password`` may not be used as a new password, or ``None`` if it may."""
    if len(password) < PASSWORD_MIN:
        return TOO_SHORT
    if len(password) > PASSWORD_MAX:
        return TOO_LONG
    folded = password.strip().casefold()
    personal = {username.strip().casefold(), email.strip().casefold()}
    if "@" in email:
        personal.add(email.strip().split("@", 1)[0].casefold())
    if folded in personal - {""}:
        return TOO_PERSONAL
    if folded in common_passwords():
        return TOO_COMMON
    return None


def ensure_good_password(password: str, *, username: str = "", email: str = "") -> None:
    """Raise ``Invalid`` (on ``password``) unless it is acceptable as a new password."""
    problem = password_problem(password, username=username, email=email)
    if problem is not None:
        raise Invalid(problem, field="password")
