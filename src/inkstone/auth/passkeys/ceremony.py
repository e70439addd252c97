"""The web side of a WebAuthn ceremony: who the relying party is, its challenge, the JSON.

A challenge waits in the server-side session, for one purpose (register, sign in, second
factor) and a few minutes, and is taken out when an answer arrives: each works once.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, jsonify, request, session
from flask_babel import _
from webauthn import base64url_to_bytes
from webauthn.helpers import bytes_to_base64url
from werkzeug.wrappers import Response

from inkstone.auth.passkeys.services import RelyingParty
from inkstone.core.errors import DomainError
from inkstone.core.json import error_body
from inkstone.core.site import site_settings

CHALLENGE = "passkey_challenge"
# The browser's own timeout is a minute; this leaves room for a slow authenticator.
CHALLENGE_SECONDS = 5 * 60
REGISTER, SIGN_IN, SECOND_FACTOR = "register", "sign-in", "second-factor"


def relying_party() -> RelyingParty:
    """Return this site as a relying party: ``WEBAUTHN_RP_ID`` or the request's host name.

    The origin is the page's own (scheme, host and port; ProxyFix makes it the public one).
    """
    origin = f"{request.scheme}://{request.host}"
    host = urlsplit(origin).hostname or ""
    rp_id = str(current_app.config.get("WEBAUTHN_RP_ID") or host)
    return RelyingParty(id=rp_id, name=site_settings().name, origin=origin)


def remember_challenge(purpose: str, challenge: bytes, **extra: str) -> None:
    """Keep ``challenge`` for the answer to come (replacing any earlier one)."""
    session[CHALLENGE] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "since": time.time(),
        **extra,
    }


def take_challenge(purpose: str) -> tuple[bytes, dict[str, Any]] | None:
    """Take out the challenge kept for ``purpose``: ``None`` if there is none or it expired."""
    kept = session.pop(CHALLENGE, None)
    if not isinstance(kept, dict) or kept.get("purpose") != purpose:
        return None
    if time.time() - float(kept.get("since", 0)) > CHALLENGE_SECONDS:
        return None
    try:
        return base64url_to_bytes(str(kept["challenge"])), kept
    except (KeyError, ValueError):
        return None


def posted_json() -> dict[str, Any] | None:
    """Return the posted JSON object, or ``None`` when the body is not one."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def credential_of(body: dict[str, Any] | None) -> dict[str, Any] | None:
    """Return the ``credential`` object inside a posted body, if it is one."""
    credential = body.get("credential") if body else None
    return credential if isinstance(credential, dict) else None


def options_response(options_json: str) -> Response:
    """Answer ceremony options (py_webauthn's JSON, ready for the browser's parser)."""
    response = current_app.response_class(options_json, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    return response


def json_error(message: str, *, status: int, code: str, field: str = "passkey") -> Response:
    """Answer a refusal as the API's errors do: ``{"errors": {...}, "code": ...}``."""
    response = jsonify(error_body({field: [message]}, code=code))
    response.status_code = status
    return response


def domain_error(error: DomainError) -> Response:
    """Answer a service's refusal as JSON."""
    return json_error(
        str(error),
        status=error.status_code,
        code=error.code or "passkey.invalid",
        field=error.field or "passkey",
    )


def malformed() -> Response:
    """Answer a body that is not a credential."""
    return json_error(
        _("The browser sent something that is not a passkey answer."),
        status=400,
        code="passkey.malformed",
    )


def expired() -> Response:
    """Answer an answer without a live challenge (expired, used already, or never asked)."""
    return json_error(
        _("This request has expired. Please try again."), status=400, code="passkey.expired"
    )
