"""Account services: register, authenticate, update, look up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from inkstone.auth import links
from inkstone.auth.audit import Event, record_event
from inkstone.auth.invitations import Invitation, check_invitation, use_invitation
from inkstone.auth.models import (
    EMAIL_MAX,
    SIGN_IN_STATUSES,
    Role,
    RoleName,
    User,
    UserStatus,
)
from inkstone.auth.passwords import (
    ensure_good_password,
    hash_password,
    needs_rehash,
    verify_password,
)
from inkstone.auth.permissions import forget_scopes
from inkstone.auth.sessions import end_all_sessions
from inkstone.auth.usernames import canonical, is_deleted_username, script_problem, skeleton, tidy
from inkstone.core import events
from inkstone.core.db import utcnow
from inkstone.core.errors import Conflict, Invalid, NotFound, PermissionDenied, Unauthorized
from inkstone.core.site import Registration, site_settings
from inkstone.extensions import db
from inkstone.i18n.locale import LANGUAGES, valid_timezone

LOGIN_FAILED = "is invalid"


def normalize_email(email: str) -> str:
    """Return the canonical form of an email address (trimmed, lower-cased)."""
    return email.strip().lower()


def get_user(*, user_id: int) -> User | None:
    """Return the user with this id, or ``None``."""
    return db.session.get(User, user_id)


def get_user_by_username(*, username: str) -> User:
    """Return the user with this username (in any case or width) or raise ``NotFound``."""
    query = select(User).where(User.username_key == canonical(username))
    user = db.session.scalar(query)
    if user is None or user.status == UserStatus.DELETED:
        raise NotFound("profile not found", field="username")
    return user


TAKEN = "has already been taken"
LOOKS_TAKEN = "looks too much like a username already taken"


def ensure_available(*, username: str | None, email: str | None, exclude: int | None) -> None:
    """Raise unless ``username`` and ``email`` may be taken (by account ``exclude``, if given)."""
    if username is not None:
        if is_deleted_username(username):  # reserved: pages show such a name as "deleted user"
            raise Conflict(TAKEN, field="username")
        problem = script_problem(username)
        if problem:
            raise Invalid(problem, field="username")
        key, look = canonical(username), skeleton(username)
        query = select(User.id, User.username_key).where(
            or_(User.username_key == key, User.username_skeleton == look)
        )
        if exclude is not None:
            query = query.where(User.id != exclude)
        clash = db.session.execute(query.limit(1)).first()
        if clash is not None:
            raise Conflict(TAKEN if clash.username_key == key else LOOKS_TAKEN, field="username")
    if email is not None:
        taken = db.session.scalar(select(User.id).where(User.email == email))
        if taken not in (None, exclude):
            raise Conflict(TAKEN, field="email")


def flush_unique() -> None:
    """Flush, turning a lost race on a unique column into ``Conflict``."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        field = "email" if "email" in str(exc.orig).lower() else "username"
        raise Conflict(TAKEN, field=field) from exc


def register_user(
    *,
    username: str,
    email: str,
    password: str,
    role: RoleName = RoleName.AUTHOR,
    confirmed: bool = False,
) -> User:
    """Create an account with ``role`` and return it.

    The account starts ``unverified`` and a mail with a confirmation link goes to its
    address; ``confirmed`` (an address the operator vouches for: the CLI, demo data) makes
    it ``active`` at once, with no mail.
    """
    username = tidy(username)
    email = normalize_email(email)
    ensure_good_password(password, username=username, email=email)
    ensure_available(username=username, email=email, exclude=None)
    role_row = db.session.scalar(select(Role).where(Role.name == role.value))
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        status=(UserStatus.ACTIVE if confirmed else UserStatus.UNVERIFIED).value,
        email_confirmed_at=utcnow() if confirmed else None,
        roles=[role_row] if role_row else [],
    )
    db.session.add(user)
    flush_unique()
    record_event(Event.REGISTERED, user=user)
    events.user_registered.send(user=user)
    if not confirmed:
        links.send_confirmation(user=user)
    return user


REGISTRATION_CLOSED = "registration is closed"


class RegistrationClosed(PermissionDenied):
    """The site takes no sign-ups now (403, field ``registration``)."""

    def __init__(self) -> None:
        super().__init__(REGISTRATION_CLOSED, field="registration", code="auth.registration_closed")


def check_registration(*, invitation: str | None) -> Invitation | None:
    """Raise unless a visitor may sign up now; return the invitation they need, if any.

    Open: anyone (an invitation is ignored). Invite-only: only with a pending invitation
    (``InvitationRefused`` says why not). Closed: nobody (``RegistrationClosed``).
    """
    mode = site_settings().registration
    if mode == Registration.OPEN:
        return None
    if mode == Registration.INVITE:
        return check_invitation(token=invitation)
    raise RegistrationClosed()


def sign_up(*, username: str, email: str, password: str, invitation: str | None = None) -> User:
    """Create a visitor's account as the sign-up page and ``POST /users`` do.

    The site's registration setting applies here, not in ``register_user`` (the CLI, demo
    data and tests create accounts whatever it is). On an invite-only site the invitation is
    used up in the same transaction as the account is made.
    """
    invited = check_registration(invitation=invitation)
    user = register_user(username=username, email=email, password=password)
    if invited is not None:
        use_invitation(token=invitation, user=user)
    return user


def authenticate(*, email: str, password: str, via: str = "api") -> User:
    """Return the user these credentials belong to, or raise ``Unauthorized``.

    Both outcomes are added to the audit log; the caller commits either way, so that a
    failure is remembered too. For an account with a second factor, use
    ``verify_credentials`` and ``record_sign_in`` once the second factor passed.
    """
    user = verify_credentials(email=email, password=password, via=via)
    record_sign_in(user=user, via=via)
    return user


def verify_credentials(*, email: str, password: str, via: str = "api") -> User:
    """Return the user an email address and password belong to (a failure is audited).

    The first factor only: nothing records a sign-in yet (see ``record_sign_in``).
    """
    email = normalize_email(email)
    user = db.session.scalar(select(User).where(User.email == email))
    # verify_password runs a dummy hash when the email is unknown: same answer, same time.
    if (
        not verify_password(user.password_hash if user else None, password)
        or user is None
        or user.status not in SIGN_IN_STATUSES
    ):
        record_event(Event.SIGNIN_FAILED, user=user, email=email[:EMAIL_MAX], via=via)
        raise Unauthorized(LOGIN_FAILED, field="email or password", code="auth.invalid_credentials")
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def record_sign_in(*, user: User, via: str) -> None:
    """Note that ``user`` signed in (``via``: web, api, passkey, ``provider:<name>``).

    A provider's sign-in also records its display name, as the security log shows it.
    """
    user.last_login_at = utcnow()
    detail: dict[str, Any] = {}
    if via.startswith("provider:"):
        name = via.partition(":")[2]
        providers = current_app.config.get("SIGNIN_PROVIDERS", ())
        detail["provider_name"] = next(
            (p.display_name for p in providers if p.name == name), name.title()
        )
    record_event(Event.SIGNIN_SUCCEEDED, user=user, via=via, **detail)
    db.session.flush()


UPDATABLE_FIELDS = frozenset(
    {"username", "email", "password", "bio", "image", "locale", "timezone"}
)


_PROFILE_FIELDS = ("username", "bio", "image", "locale", "timezone", "pending_email")


def update_user(*, user: User, changes: Mapping[str, Any]) -> User:
    """Apply profile ``changes`` (only the fields a user may set on themselves).

    A new email address does not take effect here: it waits in ``pending_email`` until the
    link mailed to it is followed. A new password ends every web session and API token of
    the account (the caller signs the current browser in again, or hands out a new token).
    """
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"not updatable: {sorted(unknown)}")
    username = changes.get("username")
    email = changes.get("email")
    if username is not None:
        username = tidy(username)
    if email is not None:
        email = normalize_email(email)
    new_email = email if email and email != user.email else None
    ensure_available(
        username=username if username and username != user.username else None,
        email=new_email,
        exclude=user.id,
    )
    before = {name: getattr(user, name) for name in _PROFILE_FIELDS}
    changed = set()
    if username:
        user.username = username
    if changes.get("password"):
        changed.add("password")
        ensure_good_password(
            changes["password"], username=username or user.username, email=new_email or user.email
        )
        user.password_hash = hash_password(changes["password"])
        end_all_sessions(user=user)
        record_event(Event.PASSWORD_CHANGED, user=user)
    if "bio" in changes:
        user.bio = changes["bio"] or ""
    if "image" in changes:
        user.image = changes["image"] or None
    if "locale" in changes:
        user.locale = _checked_locale(changes["locale"])
    if "timezone" in changes:
        user.timezone = _checked_timezone(changes["timezone"])
    flush_unique()
    if new_email:
        _request_email_change(user=user, new_email=new_email)
    changed |= {name for name, value in before.items() if getattr(user, name) != value}
    if changed:
        events.user_changed.send(user=user, changed=frozenset(changed), actor=user)
    return user


def _request_email_change(*, user: User, new_email: str) -> None:
    """Keep ``new_email`` waiting for confirmation and mail the link to it."""
    user.pending_email = new_email
    record_event(Event.EMAIL_CHANGE_REQUESTED, user=user, new_email=new_email)
    links.send_email_change(user=user, new_email=new_email)


def _checked_locale(value: str | None) -> str | None:
    """Return a language setting to store (``None``: follow the browser)."""
    if not value:
        return None
    if value not in LANGUAGES:
        raise Invalid("is not a supported language", field="locale")
    return value


def _checked_timezone(value: str | None) -> str | None:
    """Return a time zone setting to store (``None``: use the browser's)."""
    if not value:
        return None
    if not valid_timezone(value):
        raise Invalid("is not a known time zone", field="timezone")
    return value


def update_own_account(
    *, user: User, changes: Mapping[str, Any], current_password: str | None
) -> User:
    """Apply the ``changes`` a user makes to their own account.

    A new password or email address needs the current password as well, so a session left
    open on a shared computer cannot be turned into a stolen account.
    """
    new_email = changes.get("email")
    sensitive = bool(changes.get("password")) or (
        isinstance(new_email, str) and normalize_email(new_email) not in ("", user.email)
    )
    if sensitive and not (
        current_password and verify_password(user.password_hash, current_password)
    ):
        raise Unauthorized("is wrong", field="current_password")
    return update_user(user=user, changes=changes)


def set_roles(*, user: User, roles: list[RoleName], actor: User | None = None) -> User:
    """Give ``user`` exactly ``roles`` (at least one); the change is audited."""
    if not roles:
        raise Invalid("give at least one role", field="roles")
    names = sorted({role.value for role in roles})
    rows = list(db.session.scalars(select(Role).where(Role.name.in_(names))))
    if len(rows) != len(names):
        raise Invalid("unknown role", field="roles")
    before = sorted(user.role_names)
    user.roles = rows
    forget_scopes(user)
    db.session.flush()
    if before != names:
        record_event(Event.ROLES_CHANGED, user=user, actor=actor, before=before, after=names)
        events.user_changed.send(user=user, changed=frozenset({"roles"}), actor=actor)
    return user


def set_status(*, user: User, status: UserStatus, actor: User | None = None) -> User:
    """Move ``user`` to ``status``; suspension ends every session and token at once."""
    if status == UserStatus.DELETED:
        raise Invalid("deleting an account is not a status change", field="status")
    before = user.status
    user.status = status.value
    forget_scopes(user)
    if status == UserStatus.SUSPENDED and before != status:
        end_all_sessions(user=user)
    db.session.flush()
    if before != status:
        record_event(Event.STATUS_CHANGED, user=user, actor=actor, before=before, after=status)
        events.user_changed.send(user=user, changed=frozenset({"status"}), actor=actor)
    return user
