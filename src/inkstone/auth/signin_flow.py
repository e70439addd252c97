"""The steps of a web sign-in: a first factor, a second one when the account has it, a session.

A first factor is a password or a third-party provider. When the account has a second
factor (a confirmed authenticator app or a passkey) and this browser is not trusted, the
sign-in waits in the session (``PENDING``: whose, how, where to go next, since when) while
the two-factor page asks for a code or a passkey; only then does the session get a user.
A passkey sign-in is both factors at once (possession and the device's own check).

"Trust this browser": a signed cookie holding a random token whose digest is a
``TrustedBrowser`` row (so a reset of the second factor ends it), valid for
``TRUST_BROWSER_DAYS``, for one account.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from typing import Any

from flask import current_app, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from werkzeug.wrappers import Response

from inkstone.auth import services
from inkstone.auth.audit import client_agent, client_ip
from inkstone.auth.factors import TrustedBrowser, has_second_factor
from inkstone.auth.models import SIGN_IN_STATUSES, User
from inkstone.auth.signin import sign_in
from inkstone.core.db import utcnow
from inkstone.extensions import db

PENDING = "pending_signin"
# How long a sign-in may wait for its second factor.
PENDING_SECONDS = 10 * 60
TRUST_COOKIE = "inkstone_trusted"
_TRUST_SALT = "inkstone.trusted-browser"


def first_factor_passed(
    user: User, *, remember: bool, via: str, next_url: str
) -> ResponseReturnValue:
    """Go on after a password or a provider proved who this is: sign in, or ask more.

    Commits. Returns the redirect to ``next_url`` once signed in, or to the two-factor page.
    """
    if has_second_factor(user) and not is_trusted_browser(user):
        session[PENDING] = {
            "user_id": user.id,
            "version": user.token_version,
            "remember": remember,
            "via": via,
            "next": next_url,
            "since": time.time(),
        }
        db.session.commit()  # a rehashed password, an audited failure before: kept
        return redirect(url_for("twofactor.challenge"))
    return complete_sign_in(user, remember=remember, via=via, next_url=next_url)


def complete_sign_in(user: User, *, remember: bool, via: str, next_url: str) -> ResponseReturnValue:
    """Sign ``user`` in to this browser (all factors passed), audit it, commit, redirect."""
    session.pop(PENDING, None)
    services.record_sign_in(user=user, via=via)
    sign_in(user, remember=remember)
    # Before the commit, which expires the user: no query to read the name again.
    flash(_("Welcome back, %(username)s!", username=user.username), "success")
    db.session.commit()
    return redirect(next_url)


def pending_sign_in() -> tuple[User, dict[str, Any]] | None:
    """Return the user waiting for their second factor in this browser, and the details.

    ``None`` when nobody is waiting, the wait is over, or the account changed since (a new
    password, suspension): the person starts again.
    """
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if time.time() - float(pending.get("since", 0)) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None
    user = db.session.get(User, pending.get("user_id"))
    if (
        user is None
        or user.status not in SIGN_IN_STATUSES
        or user.token_version != pending.get("version")
    ):
        session.pop(PENDING, None)
        return None
    return user, pending


def second_factor_passed(*, trust: bool = False) -> ResponseReturnValue:
    """Finish the waiting sign-in (its second factor was just checked); maybe trust the browser.

    Without a waiting sign-in, back to the sign-in page.
    """
    found = pending_sign_in()
    if found is None:
        return redirect(url_for("auth.login"))
    user, pending = found
    response = complete_sign_in(
        user,
        remember=bool(pending.get("remember")),
        via=str(pending.get("via") or "web"),
        next_url=str(pending.get("next") or "/"),
    )
    if trust:
        token = trust_browser(user)
        db.session.commit()
        response = current_app.make_response(response)
        _set_trust_cookie(response, user, token)
    return response


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_TRUST_SALT)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def trust_browser(user: User) -> str:
    """Record a new trusted browser for ``user``; return its token (for the cookie)."""
    token = secrets.token_urlsafe(32)
    days = int(current_app.config.get("TRUST_BROWSER_DAYS", 30))
    db.session.add(
        TrustedBrowser(
            user_id=user.id,
            token_hash=_digest(token),
            expires_at=utcnow() + timedelta(days=days),
            ip=client_ip(),
            user_agent=client_agent(),
        )
    )
    db.session.flush()
    return token


def _set_trust_cookie(response: Response, user: User, token: str) -> None:
    days = int(current_app.config.get("TRUST_BROWSER_DAYS", 30))
    response.set_cookie(
        TRUST_COOKIE,
        _serializer().dumps([user.id, token]),
        max_age=days * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("PREFERRED_URL_SCHEME") == "https",
    )


def is_trusted_browser(user: User) -> bool:
    """Tell whether this browser carries a live trust for ``user``."""
    raw = request.cookies.get(TRUST_COOKIE)
    if not raw:
        return False
    try:
        user_id, token = _serializer().loads(raw)
    except (BadSignature, ValueError, TypeError):
        return False
    if user_id != user.id or not isinstance(token, str):
        return False
    found = db.session.scalar(
        select(TrustedBrowser.id).where(
            TrustedBrowser.user_id == user.id,
            TrustedBrowser.token_hash == _digest(token),
            TrustedBrowser.expires_at > utcnow(),
        )
    )
    return found is not None
