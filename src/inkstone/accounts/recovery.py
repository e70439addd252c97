"""Account lifecycle by mail: confirm an address, reset a forgotten password, change an address.

The links these services accept, and the mails that carry them, come from ``auth.links``
(signed, timed, single-use). Like every service, they flush and never commit.
"""

from __future__ import annotations

from sqlalchemy import select

from inkstone.auth import links
from inkstone.auth.audit import Event, record_event
from inkstone.auth.links import Link, Purpose, check_token
from inkstone.auth.models import EMAIL_MAX, SIGN_IN_STATUSES, User, UserStatus
from inkstone.auth.passwords import ensure_good_password, hash_password
from inkstone.auth.permissions import forget_scopes
from inkstone.auth.services import flush_unique, normalize_email
from inkstone.auth.sessions import end_all_sessions
from inkstone.core import events
from inkstone.core.db import utcnow
from inkstone.core.errors import Conflict, Invalid
from inkstone.extensions import db


def is_confirmed(user: User) -> bool:
    """Tell whether ``user``'s current address has been confirmed."""
    return user.email_confirmed_at is not None and user.status != UserStatus.UNVERIFIED


def resend_confirmation(*, user: User) -> None:
    """Mail ``user`` a new confirmation link (``Invalid`` if the address is confirmed)."""
    if is_confirmed(user):
        raise Invalid("is already confirmed", field="email")
    links.send_confirmation(user=user)


def _mark_confirmed(user: User, *, via: str) -> None:
    """Record that ``user`` controls their address; an unverified account becomes active."""
    user.email_confirmed_at = utcnow()
    changed = {"email_confirmed"}
    if user.status == UserStatus.UNVERIFIED:
        user.status = UserStatus.ACTIVE.value
        forget_scopes(user)
        changed.add("status")
    record_event(Event.EMAIL_CONFIRMED, user=user, email=user.email, via=via)
    events.user_changed.send(user=user, changed=frozenset(changed), actor=user)


def confirm_email(*, token: str) -> User:
    """Confirm the address a confirmation link names; raise ``BadLink`` for a bad link."""
    user = check_token(Purpose.CONFIRM_EMAIL, token).user
    _mark_confirmed(user, via="link")
    db.session.flush()
    return user


def request_password_reset(*, email: str) -> None:
    """Mail a reset link to the account using ``email``, if there is one that may have it.

    The caller answers the same whatever happened, so that nobody learns from it whether
    an address has an account. The request is audited either way.
    """
    email = normalize_email(email)[:EMAIL_MAX]
    user = db.session.scalar(select(User).where(User.email == email))
    record_event(Event.PASSWORD_RESET_REQUESTED, user=user, email=email)
    if user is not None and user.status in SIGN_IN_STATUSES:  # none for suspended, deleted
        links.send_password_reset(user=user)


def check_reset_link(*, token: str) -> Link:
    """Return what a reset link names, or raise ``BadLink`` (to show the form only if valid)."""
    return check_token(Purpose.RESET_PASSWORD, token)


def reset_password(*, token: str, password: str) -> User:
    """Set the password a reset link allows; end every web session and API token.

    Following the link proves the address works, so an unconfirmed one becomes confirmed.
    """
    user = check_reset_link(token=token).user
    ensure_good_password(password, username=user.username, email=user.email)
    user.password_hash = hash_password(password)
    end_all_sessions(user=user)
    record_event(Event.PASSWORD_RESET, user=user)
    events.user_changed.send(user=user, changed=frozenset({"password"}), actor=user)
    if not is_confirmed(user):
        _mark_confirmed(user, via="password-reset")
    db.session.flush()
    return user


def confirm_email_change(*, token: str) -> User:
    """Make the address a change link names the account's address.

    ``Conflict`` when another account took that address in the meantime.
    """
    link = check_token(Purpose.CHANGE_EMAIL, token)
    user, new_email = link.user, link.email
    assert new_email is not None  # check_token refuses a change link without one
    taken = db.session.scalar(select(User.id).where(User.email == new_email, User.id != user.id))
    if taken is not None:
        raise Conflict("has already been taken", field="email")
    old_email = user.email
    user.email = new_email
    user.pending_email = None
    record_event(Event.EMAIL_CHANGED, user=user, before=old_email, after=new_email)
    events.user_changed.send(user=user, changed=frozenset({"email"}), actor=user)
    _mark_confirmed(user, via="email-change")
    flush_unique()
    return user
