"""Guards for views: who is asking (token or web session) and what they may do."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from inkstone.auth.models import User
from inkstone.auth.permissions import Scope, ensure_scope
from inkstone.auth.signin import web_user
from inkstone.auth.tokens import load_current_user
from inkstone.core.errors import Unauthorized

F = TypeVar("F", bound=Callable[..., Any])


def require_scope(*scopes: Scope) -> Callable[[F], F]:
    """Let only holders of every one of ``scopes`` use a view: a page or an API route.

    API routes (``/api/…``) read the token (401 without one, 403 without the scope); pages
    read the web session (the sign-in page for a visitor, a 403 page without the scope). The
    scopes are those computed once for the request's user.
    """

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            user = _requesting_user()
            if user is None:
                return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
            for scope in scopes:
                ensure_scope(user, scope)
            return view(*args, **kwargs)

        spec = getattr(view, "_spec", None)
        if spec is not None:  # an API view: it takes a token
            wrapper._spec = {**spec, "security": "Token"}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def _requesting_user() -> User | None:
    """Return the signed-in user of this request: the token's for the API, else the session's."""
    if request.path.startswith("/api/"):
        api_user = load_current_user()
        if api_user is None:
            raise Unauthorized("authentication required", field="token")
        return api_user
    return web_user()
