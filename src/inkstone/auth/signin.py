"""Web sign-in with Flask-Login: load the signed-in user once per request, sign in and out."""

from __future__ import annotations

from flask import Flask, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from inkstone.auth.models import User, UserStatus
from inkstone.extensions import db, login

SIGNED_IN_STATUSES = frozenset({UserStatus.ACTIVE.value, UserStatus.UNVERIFIED.value})


class Anonymous:
    """The visitor who has not signed in (Flask-Login's anonymous user protocol)."""

    is_authenticated = False
    is_active = False
    is_anonymous = True
    id = None
    username = None
    image = None
    locale = None
    timezone = None

    def get_id(self) -> None:
        """Return no id: there is nobody to remember."""
        return


def web_user() -> User | None:
    """Return the user signed in to this web session, or ``None`` for a visitor."""
    if current_user.is_authenticated:
        user: User = current_user._get_current_object()
        return user
    return None


def load_user(user_id: str) -> User | None:
    """Return the user a session names, if they may still be signed in."""
    try:
        key = int(user_id)
    except ValueError:
        return None
    if not 0 < key < 2**63:
        return None
    user = db.session.get(User, key)
    if user is None or user.status not in SIGNED_IN_STATUSES:
        return None
    return user


def sign_in(user: User, *, remember: bool = False) -> None:
    """Start a web session for ``user`` (a fresh session: no fixation of an old one)."""
    session.clear()
    login_user(user, remember=remember)


def sign_out() -> None:
    """End the web session, and the remember-me cookie with it."""
    logout_user()
    # Flask-Login notes in the session that the remember-me cookie must go; keep that note,
    # or the cookie would sign the user straight back in on the next request.
    forget = session.get("_remember")
    session.clear()
    if forget:
        session["_remember"] = forget


def init_login(app: Flask) -> None:
    """Bind Flask-Login: who is signed in, where to send those who are not."""
    login.init_app(app)
    login.user_loader(load_user)
    login.anonymous_user = Anonymous
    login.login_view = "auth.login"
    login.login_message = _l("Please sign in to see this page.")
    login.login_message_category = "info"
    login.session_protection = "basic"
