"""Linked third-party accounts: find, link, unlink, and sign up with one.

A provider's account signs in to the Inkstone account it is linked to, and only to that
one. Its email address never decides which account that is: an address that belongs to an
account already is refused (``AddressTaken``), so nobody who controls a provider account
with your address (or a provider that vouches carelessly) gets into yours; you link it
yourself from settings after signing in. Services flush; the view commits.
"""

from __future__ import annotations

import re
import secrets

from sqlalchemy import delete, exists, func, select

from inkstone.auth.audit import Event, record_event
from inkstone.auth.factors import ExternalIdentity, Passkey
from inkstone.auth.invitations import use_invitation
from inkstone.auth.models import EMAIL_MAX, USERNAME_MAX, Role, RoleName, User, UserStatus
from inkstone.auth.providers.clients import ProviderAccount
from inkstone.auth.services import (
    check_registration,
    ensure_available,
    flush_unique,
    normalize_email,
)
from inkstone.auth.usernames import tidy
from inkstone.core import events
from inkstone.core.db import utcnow
from inkstone.core.errors import Conflict, DomainError, Invalid, PermissionDenied
from inkstone.core.providers import Provider
from inkstone.extensions import db

# Letters (any script), digits, ".", "-", "_": what the sign-up form accepts.
_NOT_ALLOWED = re.compile(r"[^\w.\-]+")
_USERNAME_TRIES = 20


class AddressTaken(Conflict):
    """The provider's verified address belongs to an account that has not linked it."""

    def __init__(self) -> None:
        super().__init__("belongs to an existing account", field="email", code="auth.email_taken")


class AddressUnverified(PermissionDenied):
    """The provider has not verified the account's address: no account is made from it."""

    def __init__(self) -> None:
        super().__init__(
            "is not verified by the provider", field="email", code="auth.email_unverified"
        )


class LastSignInMethod(PermissionDenied):
    """Unlinking would leave the account with no way to sign in."""

    def __init__(self) -> None:
        super().__init__(
            "is the only way to sign in", field="provider", code="auth.last_sign_in_method"
        )


def find_identity(*, provider: Provider, subject: str) -> ExternalIdentity | None:
    """Return the link of the provider account ``subject``, or ``None``."""
    return db.session.scalar(
        select(ExternalIdentity).where(
            ExternalIdentity.provider == provider.name, ExternalIdentity.subject == subject
        )
    )


def identities_of(*, user: User) -> list[ExternalIdentity]:
    """Return the provider accounts linked to ``user``, oldest first."""
    return list(
        db.session.scalars(
            select(ExternalIdentity)
            .where(ExternalIdentity.user_id == user.id)
            .order_by(ExternalIdentity.created_at, ExternalIdentity.id)
        )
    )


def used_to_sign_in(*, identity: ExternalIdentity, account: ProviderAccount) -> None:
    """Note that ``identity`` signed in now, keeping the address the provider gave."""
    identity.last_used_at = utcnow()
    if account.email:
        identity.email = account.email[:EMAIL_MAX]
    db.session.flush()


def link(*, user: User, provider: Provider, account: ProviderAccount) -> ExternalIdentity:
    """Link the provider's ``account`` to ``user`` (audited); ``Conflict`` if either has one."""
    existing = find_identity(provider=provider, subject=account.subject)
    if existing is not None:
        if existing.user_id == user.id:
            return existing
        raise Conflict(
            "is linked to another account", field="provider", code="auth.provider_linked_elsewhere"
        )
    has_one = db.session.scalar(
        select(
            exists().where(
                ExternalIdentity.user_id == user.id, ExternalIdentity.provider == provider.name
            )
        )
    )
    if has_one:
        raise Conflict(
            "already has an account of this provider linked",
            field="provider",
            code="auth.provider_already_linked",
        )
    identity = ExternalIdentity(
        user_id=user.id,
        provider=provider.name,
        subject=account.subject,
        email=account.email[:EMAIL_MAX] if account.email else None,
        last_used_at=utcnow(),
    )
    db.session.add(identity)
    flush_unique()
    record_event(
        Event.PROVIDER_LINKED,
        user=user,
        provider=provider.name,
        provider_name=provider.display_name,
    )
    return identity


def can_unlink(*, user: User, identity: ExternalIdentity) -> bool:
    """Tell whether ``user`` keeps a way to sign in without ``identity``.

    A password, another linked provider, or a passkey.
    """
    if user.password_hash:
        return True
    others = db.session.scalar(
        select(func.count(ExternalIdentity.id)).where(
            ExternalIdentity.user_id == user.id, ExternalIdentity.id != identity.id
        )
    )
    if others:
        return True
    return bool(db.session.scalar(select(exists().where(Passkey.user_id == user.id))))


def unlink(*, user: User, identity: ExternalIdentity, provider_name: str) -> None:
    """Remove ``identity`` from ``user`` (audited), unless it is their last way to sign in."""
    if identity.user_id != user.id:
        raise PermissionDenied("is not yours", field="provider")
    if not can_unlink(user=user, identity=identity):
        raise LastSignInMethod()
    provider = identity.provider
    db.session.delete(identity)
    db.session.flush()
    record_event(Event.PROVIDER_UNLINKED, user=user, provider=provider, provider_name=provider_name)


def sign_up_with(*, provider: Provider, account: ProviderAccount, invitation: str | None) -> User:
    """Create an account from the provider's, link it and return it (the site's rules apply).

    The provider verified the address, so the account is confirmed at once; it has no
    password (``password_hash`` is empty, so no password matches) until its owner sets one
    through "Forgot your password?". Refused: ``RegistrationClosed``/``InvitationRefused``
    as on the sign-up page, after ``AddressUnverified`` and ``AddressTaken`` (telling
    someone with an account how to link it helps more than "sign-up is closed").
    """
    if not account.email or not account.email_verified:
        raise AddressUnverified()
    email = normalize_email(account.email)
    if db.session.scalar(select(exists().where(User.email == email))):
        raise AddressTaken()
    invited = check_registration(invitation=invitation)
    role = db.session.scalar(select(Role).where(Role.name == RoleName.AUTHOR.value))
    user = User(
        username=_free_username(account.username_hint or email.split("@", 1)[0]),
        email=email,
        password_hash="",
        status=UserStatus.ACTIVE.value,
        email_confirmed_at=utcnow(),
        roles=[role] if role else [],
    )
    db.session.add(user)
    flush_unique()
    record_event(Event.REGISTERED, user=user, via=f"provider:{provider.name}")
    events.user_registered.send(user=user)
    if invited is not None:
        use_invitation(token=invitation, user=user)
    link(user=user, provider=provider, account=account)
    return user


def _free_username(hint: str) -> str:
    """Return a username from ``hint`` that the sign-up form would accept and nobody has."""
    base = _NOT_ALLOWED.sub("-", tidy(hint)).strip(".-_")[: USERNAME_MAX - 5] or "writer"
    numbered = [f"{base}-{secrets.randbelow(9000) + 1000}" for _ in range(_USERNAME_TRIES)]
    # A hint mixing scripts is refused whatever its number: then a plain name.
    fallback = [f"writer-{secrets.randbelow(900000) + 100000}" for _ in range(_USERNAME_TRIES)]
    candidates = [base, *numbered, *fallback]
    for candidate in candidates:
        try:
            ensure_available(username=candidate, email=None, exclude=None)
        except (Conflict, Invalid):
            continue
        return candidate
    raise DomainError("no free username", field="username")


def remove_identities(*, user: User, **_: object) -> None:
    """Unlink every provider account of ``user`` (their account is being deleted)."""
    db.session.execute(delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))


def connect_cleanup() -> None:
    """Have account deletion call ``remove_identities``."""
    events.user_deleting.connect(remove_identities, when=events.IN_TRANSACTION)
