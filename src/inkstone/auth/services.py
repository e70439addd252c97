"""Account services: register, authenticate, update, look up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from inkstone.auth.models import Role, RoleName, User, UserStatus
from inkstone.auth.passwords import hash_password, needs_rehash, verify_password
from inkstone.core.db import utcnow
from inkstone.core.errors import Conflict, NotFound, Unauthorized
from inkstone.extensions import db

LOGIN_FAILED = "is invalid"
SIGN_IN_STATUSES = frozenset({UserStatus.ACTIVE, UserStatus.UNVERIFIED})


def normalize_email(email: str) -> str:
    """Return the canonical form of an email address (trimmed, lower-cased)."""
    return email.strip().lower()


def get_user(*, user_id: int) -> User | None:
    """Return the user with this id, or ``None``."""
    return db.session.get(User, user_id)


def get_user_by_username(*, username: str) -> User:
    """Return the user with this username (case-insensitive) or raise ``NotFound``."""
    query = select(User).where(func.lower(User.username) == username.lower())
    user = db.session.scalar(query)
    if user is None or user.status == UserStatus.DELETED:
        raise NotFound("profile not found", field="username")
    return user


def _ensure_available(*, username: str | None, email: str | None, exclude: int | None) -> None:
    if username is not None:
        query = select(User.id).where(func.lower(User.username) == username.lower())
        if db.session.scalar(query) not in (None, exclude):
            raise Conflict("has already been taken", field="username")
    if email is not None:
        query = select(User.id).where(User.email == email)
        if db.session.scalar(query) not in (None, exclude):
            raise Conflict("has already been taken", field="email")


def _flush_unique() -> None:
    """Flush, turning a lost race on a unique column into ``Conflict``."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        field = "email" if "email" in str(exc.orig).lower() else "username"
        raise Conflict("has already been taken", field=field) from exc


def register_user(
    *, username: str, email: str, password: str, role: RoleName = RoleName.AUTHOR
) -> User:
    """Create an account with ``role`` and return it."""
    username = username.strip()
    email = normalize_email(email)
    _ensure_available(username=username, email=email, exclude=None)
    role_row = db.session.scalar(select(Role).where(Role.name == role.value))
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        status=UserStatus.ACTIVE.value,
        roles=[role_row] if role_row else [],
    )
    db.session.add(user)
    _flush_unique()
    return user


def authenticate(*, email: str, password: str) -> User:
    """Return the user these credentials belong to, or raise ``Unauthorized``."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    # verify_password runs a dummy hash when the email is unknown: same answer, same time.
    if not verify_password(user.password_hash if user else None, password) or user is None:
        raise Unauthorized(LOGIN_FAILED, field="email or password")
    if user.status not in SIGN_IN_STATUSES:
        raise Unauthorized(LOGIN_FAILED, field="email or password")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


UPDATABLE_FIELDS = frozenset({"username", "email", "password", "bio", "image"})


def update_user(*, user: User, changes: Mapping[str, Any]) -> User:
    """Apply profile ``changes`` (only the fields a user may set on themselves)."""
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    username = changes.get("username")
    email = changes.get("email")
    if username is not None:
        username = username.strip()
    if email is not None:
        email = normalize_email(email)
    _ensure_available(
        username=username if username and username.lower() != user.username.lower() else None,
        email=email if email and email != user.email else None,
        exclude=user.id,
    )
    if username:
        user.username = username
    if email:
        user.email = email
    if changes.get("password"):
        user.password_hash = hash_password(changes["password"])
    if "bio" in changes:
        user.bio = changes["bio"] or ""
    if "image" in changes:
        user.image = changes["image"] or None
    _flush_unique()
    return user
