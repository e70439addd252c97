"""User administration: the user directory, the audit log as admins read it, and role and
status changes under the rules that keep the site manageable.

The rules: someone must always be able to manage the site, so the last admin who can sign in
keeps the admin role and cannot be suspended; and nobody changes their own status (an admin
cannot lock themselves out by mistake). The API, the CLI and the back office call these
functions, which then call ``services.set_roles`` / ``services.set_status``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from inkstone.auth import services
from inkstone.auth.models import SIGN_IN_STATUSES, Role, RoleName, User, UserStatus
from inkstone.auth.usernames import canonical
from inkstone.core.errors import Conflict, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db

LAST_ADMIN = "the site needs at least one admin who can sign in"
OWN_STATUS = "you cannot change your own status"
DELETED = "this account was deleted"


def _like_prefix(text: str) -> str:
    """Return a LIKE pattern matching values that start with ``text`` (wildcards escaped)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%"


def _filtered(
    query: Select[Any], *, status: UserStatus | None, role: RoleName | None, prefix: str | None
) -> Select[Any]:
    # Deleted accounts are scrubbed shells: listed only when asked for by status.
    if status is None:
        query = query.where(User.status != UserStatus.DELETED.value)
    else:
        query = query.where(User.status == status.value)
    if role is not None:
        query = query.where(User.roles.any(Role.name == role.value))
    if prefix:
        query = query.where(
            or_(
                User.username_key.like(_like_prefix(canonical(prefix.strip())), escape="\\"),
                # Addresses are stored lower-cased (services.normalize_email).
                User.email.like(_like_prefix(prefix.strip().lower()), escape="\\"),
            )
        )
    return query


def list_users(
    *,
    page: PageRequest,
    status: UserStatus | None = None,
    role: RoleName | None = None,
    prefix: str | None = None,
) -> tuple[list[User], int]:
    """Return one page of accounts, newest first (roles loaded with them), and the total.

    ``prefix`` matches the start of the username or the email address, ignoring case.
    """
    query = _filtered(select(User), status=status, role=role, prefix=prefix)
    users = list(
        db.session.scalars(
            query.options(selectinload(User.roles))
            .order_by(User.created_at.desc(), User.id.desc())
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    if len(users) < page.limit and (users or page.offset == 0):
        # A short page is the last one: the total is known without counting.
        return users, page.offset + len(users)
    counted = _filtered(select(func.count(User.id)), status=status, role=role, prefix=prefix)
    return users, db.session.scalar(counted) or 0


def find_user(*, username: str) -> User:
    """Return the account called ``username`` (in any case or width), deleted ones included."""
    user = db.session.scalar(select(User).where(User.username_key == canonical(username)))
    if user is None:
        raise NotFound("user not found", field="username")
    return user


def _can_manage(user: User) -> bool:
    return RoleName.ADMIN.value in user.role_names and user.status in SIGN_IN_STATUSES


def _ensure_another_admin(user: User, *, field: str) -> None:
    """Raise ``Conflict`` if ``user`` is the only admin left who can sign in."""
    if not _can_manage(user):
        return
    others = db.session.scalar(
        select(func.count(User.id)).where(
            User.id != user.id,
            User.status.in_([status.value for status in SIGN_IN_STATUSES]),
            User.roles.any(Role.name == RoleName.ADMIN.value),
        )
    )
    if not others:
        raise Conflict(LAST_ADMIN, field=field)


def change_roles(*, user: User, roles: list[RoleName], actor: User | None) -> User:
    """Give ``user`` exactly ``roles``, keeping at least one admin who can sign in."""
    if user.status == UserStatus.DELETED:
        raise Conflict(DELETED, field="username")
    if RoleName.ADMIN not in roles:
        _ensure_another_admin(user, field="roles")
    return services.set_roles(user=user, roles=roles, actor=actor)


def change_status(*, user: User, status: UserStatus, actor: User | None) -> User:
    """Move ``user`` to ``status`` (not one's own), keeping at least one admin who can sign in."""
    if actor is not None and actor.id == user.id:
        raise Conflict(OWN_STATUS, field="status")
    if user.status == UserStatus.DELETED:
        raise Conflict(DELETED, field="username")
    if status not in SIGN_IN_STATUSES:
        _ensure_another_admin(user, field="status")
    return services.set_status(user=user, status=status, actor=actor)
