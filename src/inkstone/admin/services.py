"""User administration: the user directory, and what admins do to accounts under the rules
that keep the site manageable.

The rules: someone must always be able to manage the site, so the last admin who can sign in
keeps the admin role and can be neither suspended nor deleted; and nobody changes their own
status or deletes their own account here (an admin cannot lock themselves out by mistake).
The API, the CLI and the back office call these functions, which then call the services of
``auth`` and ``accounts``. Every change is audited with the admin as its actor.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import selectinload

from inkstone.accounts import deletion, recovery
from inkstone.auth import links, services
from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import SIGN_IN_STATUSES, Role, RoleName, User, UserStatus
from inkstone.auth.permissions import Scope, ensure_scope
from inkstone.auth.sessions import end_all_sessions
from inkstone.auth.usernames import canonical
from inkstone.core.db import like
from inkstone.core.errors import Conflict, DomainError, Invalid, NotFound
from inkstone.core.pagination import PageRequest
from inkstone.extensions import db

LAST_ADMIN = "the site needs at least one admin who can sign in"
OWN_STATUS = "you cannot change your own status"
OWN_ACCOUNT = "you cannot do this to your own account here"
DELETED = "this account was deleted"
CANNOT_SIGN_IN = "this account cannot sign in, so it is sent no links"
ALREADY_CONFIRMED = "this address is already confirmed"
NOT_SUSPENDED = "this account is not suspended"
USER_NOT_FOUND = "user not found"
# How many people one bulk action may name (a page of the list at most).
BULK_MAX = 100


class Sort(StrEnum):
    """How the user directory is ordered."""

    NEWEST = "newest"
    OLDEST = "oldest"
    USERNAME = "username"
    LAST_SIGN_IN = "last-sign-in"
    ARTICLES = "articles"


_ORDER: dict[Sort, tuple[Any, ...]] = {
    Sort.NEWEST: (User.created_at.desc(), User.id.desc()),
    Sort.OLDEST: (User.created_at.asc(), User.id.asc()),
    Sort.USERNAME: (User.username_key.asc(), User.id.asc()),
    # Never signed in: last, whatever the database's default place for NULL.
    Sort.LAST_SIGN_IN: (User.last_login_at.desc().nulls_last(), User.id.desc()),
    Sort.ARTICLES: (User.articles_count.desc(), User.created_at.desc(), User.id.desc()),
}


def _matching(text: str, pattern: Any) -> ColumnElement[bool]:
    """Return a condition: the username or the email address matches ``pattern(text)``."""
    return or_(
        User.username_key.like(pattern(canonical(text.strip())), escape=like.ESCAPE),
        # Addresses are stored lower-cased (services.normalize_email).
        User.email.like(pattern(text.strip().lower()), escape=like.ESCAPE),
    )


@dataclass(frozen=True, slots=True)
class UserFilter:
    """Which accounts the directory lists: all but deleted ones unless asked otherwise.

    ``prefix`` matches the start of the username or email address, ``contains`` any part of
    either (both ignoring case); ``confirmed`` whether the address was confirmed.
    """

    status: UserStatus | None = None
    role: RoleName | None = None
    prefix: str | None = None
    contains: str | None = None
    confirmed: bool | None = None
    sort: Sort = Sort.NEWEST


def _filtered(query: Select[Any], which: UserFilter) -> Select[Any]:
    # Deleted accounts are scrubbed shells: listed only when asked for by status.
    if which.status is None:
        query = query.where(User.status != UserStatus.DELETED.value)
    else:
        query = query.where(User.status == which.status.value)
    if which.role is not None:
        query = query.where(User.roles.any(Role.name == which.role.value))
    if which.prefix and which.prefix.strip():
        query = query.where(_matching(which.prefix, like.prefix))
    if which.contains and which.contains.strip():
        query = query.where(_matching(which.contains, like.contains))
    if which.confirmed is True:
        query = query.where(User.email_confirmed_at.is_not(None))
    elif which.confirmed is False:
        query = query.where(User.email_confirmed_at.is_(None))
    return query


def list_users(
    *,
    page: PageRequest,
    status: UserStatus | None = None,
    role: RoleName | None = None,
    prefix: str | None = None,
    which: UserFilter | None = None,
) -> tuple[list[User], int]:
    """Return one page of accounts (roles loaded with them) and the total.

    ``which`` filters and orders them (newest first by default); ``status``, ``role`` and
    ``prefix`` are a short way to say the same when ``which`` is not given.
    """
    if which is None:
        which = UserFilter(status=status, role=role, prefix=prefix)
    query = _filtered(select(User), which)
    users = list(
        db.session.scalars(
            query.options(selectinload(User.roles))
            .order_by(*_ORDER[which.sort])
            .limit(page.limit)
            .offset(page.offset)
        )
    )
    if len(users) < page.limit and (users or page.offset == 0):
        # A short page is the last one: the total is known without counting.
        return users, page.offset + len(users)
    counted = _filtered(select(func.count(User.id)), which)
    return users, db.session.scalar(counted) or 0


def find_user(*, username: str) -> User:
    """Return the account called ``username`` (in any case or width), deleted ones included."""
    user = db.session.scalar(select(User).where(User.username_key == canonical(username)))
    if user is None:
        raise NotFound(USER_NOT_FOUND, field="username")
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


# --------------------------------------------------------------------------- one person


def _ensure_present(user: User) -> None:
    if user.status == UserStatus.DELETED:
        raise Conflict(DELETED, field="username")


def _ensure_reachable(user: User) -> None:
    """Raise ``Conflict`` unless ``user`` may sign in (the links in account mail are dead)."""
    _ensure_present(user)
    if user.status not in SIGN_IN_STATUSES:
        raise Conflict(CANNOT_SIGN_IN, field="status")


def reinstate(*, user: User, actor: User | None) -> User:
    """Lift ``user``'s suspension (``Conflict`` if they are not suspended)."""
    _ensure_present(user)
    if user.status != UserStatus.SUSPENDED:
        raise Conflict(NOT_SUSPENDED, field="status")
    return change_status(user=user, status=UserStatus.ACTIVE, actor=actor)


def sign_out_everywhere(*, user: User, actor: User) -> User:
    """End every web session and API token of ``user``."""
    _ensure_present(user)
    end_all_sessions(user=user)
    record_event(Event.SESSIONS_ENDED, user=user, actor=actor, kept_current=False)
    return user


def send_password_reset(*, user: User, actor: User) -> User:
    """Mail ``user`` a link to choose a new password (their current one keeps working)."""
    _ensure_reachable(user)
    links.send_password_reset(user=user)
    record_event(Event.PASSWORD_RESET_REQUESTED, user=user, actor=actor, email=user.email)
    return user


def resend_confirmation(*, user: User, actor: User) -> User:
    """Mail ``user`` a new link confirming their address (``Conflict`` if it is confirmed)."""
    _ensure_reachable(user)
    if recovery.is_confirmed(user):
        raise Conflict(ALREADY_CONFIRMED, field="email")
    recovery.resend_confirmation(user=user)
    record_event(Event.CONFIRMATION_RESENT, user=user, actor=actor, email=user.email)
    return user


def delete_person(*, user: User, remove_content: bool, actor: User) -> User:
    """Delete ``user``'s account, keeping or removing their writing.

    Not one's own (settings has that, behind the password), nor the last admin who can sign in.
    """
    if actor.id == user.id:
        raise Conflict(OWN_ACCOUNT, field="username")
    _ensure_present(user)
    _ensure_another_admin(user, field="username")
    return deletion.delete_account(user=user, remove_content=remove_content, actor=actor)


# --------------------------------------------------------------------------- bulk actions


class BulkAction(StrEnum):
    """What a bulk action does to every person selected."""

    SUSPEND = "suspend"
    REINSTATE = "reinstate"
    SET_ROLE = "set-role"


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a bulk action did to one person: ``error`` is ``None`` when it applied."""

    username: str
    user: User | None
    error: DomainError | None = None

    @property
    def ok(self) -> bool:
        """Tell whether the action applied to this person."""
        return self.error is None


def unique_usernames(usernames: list[str]) -> list[str]:
    """Return ``usernames`` without repeats (in any case), in order; ``Invalid`` if too many."""
    seen: dict[str, str] = {}
    for name in usernames:
        seen.setdefault(canonical(name), name)
    if not seen:
        raise Invalid("select at least one person", field="usernames")
    if len(seen) > BULK_MAX:
        raise Invalid(f"select at most {BULK_MAX} people at a time", field="usernames")
    return list(seen.values())


def _apply_one(user: User, action: BulkAction, role: RoleName | None, actor: User) -> None:
    if user.id == actor.id:
        raise Conflict(OWN_ACCOUNT, field="username")
    _ensure_present(user)
    if action == BulkAction.SUSPEND:
        change_status(user=user, status=UserStatus.SUSPENDED, actor=actor)
    elif action == BulkAction.REINSTATE:
        if user.status == UserStatus.SUSPENDED:  # anyone else is left as they are
            change_status(user=user, status=UserStatus.ACTIVE, actor=actor)
    else:
        assert role is not None  # apply_bulk checks
        change_roles(user=user, roles=[role], actor=actor)


def apply_bulk(
    *, usernames: list[str], action: BulkAction, role: RoleName | None, actor: User
) -> list[Outcome]:
    """Apply ``action`` to each person named, reporting a refusal per person.

    A refused person (the actor themselves, a deleted account, the last admin, an unknown
    name) changes nothing; the others still change. ``set-role`` gives exactly ``role`` and
    needs the ``roles:manage`` permission too.
    """
    ensure_scope(actor, Scope.USERS_MANAGE)
    if action == BulkAction.SET_ROLE:
        ensure_scope(actor, Scope.ROLES_MANAGE)
        if role is None:
            raise Invalid("choose the role to give", field="role")
    outcomes = []
    for name in unique_usernames(usernames):
        user = None
        try:
            # Each person in a savepoint: a refusal undoes only what was done for them.
            with db.session.begin_nested():
                user = find_user(username=name)
                _apply_one(user, action, role, actor)
        except DomainError as refused:
            outcomes.append(Outcome(user.username if user else name, user, refused))
        else:
            assert user is not None
            outcomes.append(Outcome(user.username, user))
    return outcomes
