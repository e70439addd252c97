"""Identity: users, roles and scopes, passwords, tokens, sign-in, sessions, throttling."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Bind tokens, web sign-in and rate limits; register sign-in, sign-up and the user API."""
    from flask_babel import lazy_gettext as _l

    from inkstone.auth import api, invitations, views  # noqa: F401  (invitations: its table)
    from inkstone.auth.permissions import has_scope_named
    from inkstone.auth.signin import init_login
    from inkstone.core.features import Audience, Feature, NavItem, register, registry
    from inkstone.extensions import jwt, limiter

    jwt.init_app(app)
    init_login(app)
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    limiter.init_app(app)
    registry(app).scope_check = has_scope_named
    signed_in, visitors = Audience.SIGNED_IN, Audience.VISITORS
    register(
        app,
        Feature(
            name="auth",
            site=(views.bp,),
            api=(api.bp,),
            nav=(
                NavItem("auth.logout", _l("Sign out"), 70, audience=signed_in, kind="post"),
                NavItem("auth.login", _l("Sign in"), 80, audience=visitors),
                NavItem("auth.register", _l("Sign up"), 90, audience=visitors),
            ),
        ),
    )
