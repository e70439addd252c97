"""Deleting an account: a soft delete that scrubs personal data and keeps counters right.

The row stays (articles and comments that are kept still point at it), renamed
``deleted-<id>`` so its username and email address are free again. Pages and the API show such
an author as "deleted user" without a profile link (``is_deleted_username``).

What the account has in the features stacked above accounts (follows, favorites, articles,
comments) is theirs to remove: they subscribe to ``core.events.user_deleting`` in the
transaction (each feature's ``init_app``) and go through their own services, so tag, favorite
and site counters stay right. This module never imports them.
"""

from __future__ import annotations

import secrets

from inkstone.auth.audit import Event, record_event
from inkstone.auth.models import User, UserStatus
from inkstone.auth.passwords import verify_password
from inkstone.auth.permissions import forget_scopes
from inkstone.auth.sessions import end_all_sessions
from inkstone.auth.usernames import DELETED_EMAIL_DOMAIN, deleted_username
from inkstone.core import events
from inkstone.core.db import utcnow
from inkstone.core.errors import Invalid, NotFound
from inkstone.extensions import db


def check_password(*, user: User, password: str) -> None:
    """Raise ``Invalid`` unless ``password`` is ``user``'s (asked before deleting an account)."""
    if not verify_password(user.password_hash, password):
        raise Invalid("is wrong", field="password")


def delete_account(*, user: User, remove_content: bool, actor: User | None = None) -> User:
    """Delete ``user``'s account, and with ``remove_content`` their articles and comments.

    Kept content stays readable under "deleted user". Every session and API token ends.
    """
    if user.is_deleted:
        raise NotFound("account not found", field="user")
    events.user_deleting.send(user=user, remove_content=remove_content)
    end_all_sessions(user=user)
    _scrub(user)
    record_event(Event.ACCOUNT_DELETED, user=user, actor=actor, removed_content=remove_content)
    db.session.flush()
    return user


def _scrub(user: User) -> None:
    """Forget everything personal; what remains names no one."""
    user.status = UserStatus.DELETED.value
    user.deleted_at = utcnow()
    user.username = deleted_username(user.id)
    user.email = f"{deleted_username(user.id)}@{DELETED_EMAIL_DOMAIN}"
    user.bio = ""
    user.image = None
    # Not an argon2 hash: verify_password refuses it whatever is typed.
    user.password_hash = f"!deleted:{secrets.token_hex(16)}"
    user.pending_email = None
    user.email_confirmed_at = None
    user.locale = None
    user.timezone = None
    user.roles = []
    forget_scopes(user)
