"""Web sign-in with Flask-Login over server-side sessions: load, sign in, sign out."""

from __future__ import annotations

from contextlib import suppress

from flask import Flask, Response, current_app, g, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_session.base import ServerSideSessionInterface

from inkstone.auth import sessions
from inkstone.auth.audit import client_ip
from inkstone.auth.models import SIGN_IN_STATUSES, User, UserSession
from inkstone.core.errors import NotFound
from inkstone.extensions import db, login


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


def signed_in_web_user() -> User:
    """Return the signed-in user of a page that lets only them in.

    For views behind ``login_required`` or ``require_scope``, which have already sent
    visitors to sign in.
    """
    user = web_user()
    assert user is not None  # the view's guard let only a signed-in user through
    return user


def current_session() -> UserSession | None:
    """Return the record of this web session, once its user has been loaded."""
    record: UserSession | None = g.get("user_session")
    return record


def load_user(identity: str) -> User | None:
    """Return the user a session (or remember-me cookie) names, if it may still be used."""
    parsed = sessions.parse_identity(identity)
    if parsed is None:
        return None
    found = sessions.find_signed_in(parsed)
    if found is None:
        return None
    user, record = found
    if user.status not in SIGN_IN_STATUSES:
        return None
    g.user_session = record
    if sessions.needs_touch(record):
        g.touch_session = record.id
    return user


def _touch_session(response: Response) -> Response:
    """Write "last seen" after the request's own work (at most every few minutes)."""
    session_id = g.pop("touch_session", None)
    if session_id is not None:
        sessions.touch_session(session_id=session_id, ip=client_ip())
        db.session.commit()
    return response


def _rotate_session_id() -> None:
    """Give the browser a new session id (a planted or stolen old one is worth nothing)."""
    interface = current_app.session_interface
    if isinstance(interface, ServerSideSessionInterface):
        session["_rotate"] = True  # regenerate() only moves a non-empty session
        interface.regenerate(session)
        session.pop("_rotate")


def sign_in(user: User, *, remember: bool = False) -> UserSession:
    """Start a web session for ``user`` under a new session id; the caller commits."""
    _rotate_session_id()
    session.clear()
    record = sessions.start_session(user=user, remember=remember)
    login_user(user, remember=remember)
    # Name the session record in the session and in the remember-me cookie made from it.
    session["_user_id"] = str(sessions.identity_of(user, record))
    g.user_session = record
    return record


def sign_out() -> None:
    """End this web session (its record, its data, its remember-me cookie); the caller commits."""
    user = web_user()  # loads the user, and with them this session's record
    record = current_session()
    if record is not None and user is not None:
        with suppress(NotFound):  # already ended from another device
            sessions.end_session(user=user, session_id=record.id)
    logout_user()
    # Flask-Login notes in the session that the remember-me cookie must go; keep that note,
    # or the cookie would sign the user straight back in on the next request.
    forget = session.get("_remember")
    _rotate_session_id()
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
    app.after_request(_touch_session)
