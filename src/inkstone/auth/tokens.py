"""API tokens: issue JWTs, read them from ``Authorization``, guard API views."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

import jwt as pyjwt
from flask import current_app, g, request
from flask_jwt_extended import create_access_token

from inkstone.auth.models import SIGN_IN_STATUSES, User
from inkstone.auth.permissions import user_scopes
from inkstone.auth.services import get_user
from inkstone.core.db.ids import is_possible_id
from inkstone.core.errors import Unauthorized

# RealWorld clients send "Token <jwt>"; OAuth-style clients send "Bearer <jwt>".
_HEADER = re.compile(
    r"^(?:Token|Bearer)\s+([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*\.[A-Za-z0-9_\-]*)\s*$", re.IGNORECASE
)

F = TypeVar("F", bound=Callable[..., Any])


def issue_token(user: User) -> str:
    """Return a signed JWT for ``user``: subject, expiry, issue time, token version, scopes."""
    scopes = sorted(scope.value for scope in user_scopes(user))
    token: str = create_access_token(
        identity=str(user.id), additional_claims={"ver": user.token_version, "scopes": scopes}
    )
    return token


def _decode(token: str) -> dict[str, Any]:
    """Verify a token we issued (signature, algorithm, expiry) and return its claims.

    One PyJWT call with flask-jwt-extended's settings: its own ``decode_token`` parses the
    token three times, a third of an authenticated request's cost.
    """
    config = current_app.config
    claims: dict[str, Any] = pyjwt.decode(
        token,
        config["JWT_SECRET_KEY"],
        algorithms=config["JWT_DECODE_ALGORITHMS"],
        options={"require": ["exp", "iat", "sub", "ver"]},
    )
    if claims.get("type") != "access":
        raise pyjwt.InvalidTokenError("not an access token")
    return claims


def _user_from_header(header: str) -> User:
    match = _HEADER.match(header)
    if match is None:
        raise Unauthorized("expected 'Authorization: Token <jwt>'", field="token")
    try:
        claims = _decode(match.group(1))
        user_id = int(claims["sub"])
        version = claims["ver"]
    except pyjwt.ExpiredSignatureError as exc:
        raise Unauthorized("token has expired", field="token") from exc
    except (pyjwt.PyJWTError, KeyError, TypeError, ValueError) as exc:
        raise Unauthorized("token is invalid", field="token") from exc
    user = get_user(user_id=user_id) if is_possible_id(user_id) else None
    if user is None or user.status not in SIGN_IN_STATUSES:
        raise Unauthorized("token is invalid", field="token")
    # A token made before a password reset, "sign out everywhere" or a suspension.
    if type(version) is not int or version != user.token_version:
        raise Unauthorized("token has been revoked", field="token")
    return user


def load_current_user() -> User | None:
    """Return the user the request's token names; raise ``Unauthorized`` for a bad token."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "").strip()
        g.api_user = _user_from_header(header) if header else None
    return cast(User | None, g.api_user)


def current_user() -> User | None:
    """Return the API user already loaded for this request, if any."""
    return cast(User | None, g.get("api_user"))


def _annotate(view: Any, security: Any) -> None:
    spec = getattr(view, "_spec", None)
    if spec is None:
        spec = view._spec = {}
    spec["security"] = security


def token_required(view: F) -> F:
    """Require a valid token; the view reads the user with ``current_user()``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if load_current_user() is None:
            raise Unauthorized("authentication required", field="token")
        return view(*args, **kwargs)

    _annotate(wrapper, "Token")
    return wrapper  # type: ignore[return-value]


def token_optional(view: F) -> F:
    """Accept a request without a token; refuse a bad one."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        load_current_user()
        return view(*args, **kwargs)

    _annotate(wrapper, [{}, {"Token": []}])
    return wrapper  # type: ignore[return-value]


def signed_in_user() -> User:
    """Return the user of a ``token_required`` view."""
    user = current_user()
    if user is None:  # pragma: no cover - token_required guarantees it
        raise Unauthorized("authentication required", field="token")
    return user
