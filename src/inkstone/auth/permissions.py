"""One permission vocabulary for the site, the API, the CLI and the back office."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from flask import has_app_context

from inkstone.auth.models import RoleName, User, UserStatus
from inkstone.core.errors import PermissionDenied
from inkstone.core.site import site_settings

F = TypeVar("F", bound=Callable[..., Any])


class Scope(StrEnum):
    """What a holder may do."""

    ARTICLES_WRITE = "articles:write"
    ARTICLES_MODERATE = "articles:moderate"
    COMMENTS_WRITE = "comments:write"
    COMMENTS_MODERATE = "comments:moderate"
    GUESTBOOK_WRITE = "guestbook:write"
    GUESTBOOK_MODERATE = "guestbook:moderate"
    USERS_READ = "users:read"
    USERS_MANAGE = "users:manage"
    ROLES_MANAGE = "roles:manage"
    JOBS_MANAGE = "jobs:manage"
    SITE_CONFIGURE = "site:configure"


_READER = frozenset({Scope.COMMENTS_WRITE, Scope.GUESTBOOK_WRITE})
_AUTHOR = _READER | {Scope.ARTICLES_WRITE}
_MODERATOR = _AUTHOR | {
    Scope.ARTICLES_MODERATE,
    Scope.COMMENTS_MODERATE,
    Scope.GUESTBOOK_MODERATE,
    Scope.USERS_READ,
}
ROLE_SCOPES: dict[str, frozenset[Scope]] = {
    RoleName.READER: _READER,
    RoleName.AUTHOR: _AUTHOR,
    RoleName.MODERATOR: _MODERATOR,
    RoleName.ADMIN: frozenset(Scope),
}


def scopes_for(role_names: Iterable[str]) -> frozenset[Scope]:
    """Return the union of the scopes granted by ``role_names``."""
    granted: set[Scope] = set()
    for name in role_names:
        granted |= ROLE_SCOPES.get(name, frozenset())
    return frozenset(granted)


# What an account with an unconfirmed email address may not do when the site requires
# confirmation (a site setting, by default REQUIRE_EMAIL_CONFIRMATION).
WRITE_SCOPES = frozenset({Scope.ARTICLES_WRITE, Scope.COMMENTS_WRITE, Scope.GUESTBOOK_WRITE})


def _confirmation_required() -> bool:
    return has_app_context() and site_settings().require_email_confirmation


def user_scopes(user: User | None) -> frozenset[Scope]:
    """Return a user's scopes, computed once and kept on the object for the request."""
    if user is None:
        return frozenset()
    cached: frozenset[Scope] | None = user.__dict__.get("_scopes")
    if cached is None:
        cached = scopes_for(user.role_names)
        if user.status == UserStatus.UNVERIFIED and _confirmation_required():
            cached -= WRITE_SCOPES
        user.__dict__["_scopes"] = cached
    return cached


def forget_scopes(user: User) -> None:
    """Drop the scopes kept on ``user`` (after a role or status change)."""
    user.__dict__.pop("_scopes", None)


def has_scope(user: User | None, scope: Scope) -> bool:
    """Tell whether ``user`` holds ``scope``."""
    return scope in user_scopes(user)


def has_scope_named(user: User | None, scope: str) -> bool:
    """Tell whether ``user`` holds the scope spelled ``scope`` (``False`` for an unknown one)."""
    try:
        return has_scope(user, Scope(scope))
    except ValueError:
        return False


class Authored(Protocol):
    """Anything with an author: an article, a comment."""

    author_id: int


def can_edit(obj: Authored, user: User | None, *, moderate: Scope) -> bool:
    """Tell whether ``user`` may change ``obj``: its author, or a holder of ``moderate``."""
    if user is None:
        return False
    return obj.author_id == user.id or has_scope(user, moderate)


def ensure_can_edit(obj: Authored, user: User, *, moderate: Scope, what: str) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may change ``obj``."""
    if not can_edit(obj, user, moderate=moderate):
        raise PermissionDenied(f"you may not change this {what}", field=what)


def ensure_scope(user: User, scope: Scope) -> None:
    """Raise ``PermissionDenied`` unless ``user`` holds ``scope``."""
    if has_scope(user, scope):
        return
    if scope in WRITE_SCOPES and user.status == UserStatus.UNVERIFIED and _confirmation_required():
        raise PermissionDenied(UNCONFIRMED, field="email")
    raise PermissionDenied(f"this needs the {scope.value} permission", field="scope")


UNCONFIRMED = "confirm your email address first"
