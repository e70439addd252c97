"""Rate limits of subscribing: per client address and per email address subscribed.

Flask-Limiter keeps both (in Redis when the site has it, so they hold across processes).
The per-address key is a digest of the address typed, never the address itself. Beside
them, a pending address is mailed at most once per ``services.CONFIRM_RESEND`` (a
database check on the row): nobody can make the site flood one inbox.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request

from inkstone.newsletters.services import email_key

ADDRESS_SCOPE = "newsletter-address"
CLIENT_SCOPE = "newsletter-client"  # the form and the API share one budget per client


def ip_limit() -> str:
    """Return the per-client limit on subscription requests (Flask-Limiter notation)."""
    return str(current_app.config["RATELIMIT_NEWSLETTER"])


def address_limit() -> str:
    """Return the per-address limit on subscription requests."""
    return str(current_app.config["RATELIMIT_NEWSLETTER_ADDRESS"])


def tried_address() -> str:
    """Return the address this request subscribes ('' when it names none)."""
    value: object = request.form.get("email", "")
    if not value and request.is_json:
        body = request.get_json(silent=True)
        inner = body.get("subscription") if isinstance(body, dict) else None
        value = inner.get("email", "") if isinstance(inner, dict) else ""
    return value if isinstance(value, str) else ""


def address_key() -> str:
    """Return the per-address rate-limit key of this request (a digest, never empty)."""
    address = tried_address()
    if not address:
        return "newsletter:none"
    return "newsletter:" + hashlib.sha256(email_key(address).encode()).hexdigest()[:32]
