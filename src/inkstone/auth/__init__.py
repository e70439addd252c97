"""Identity: users, roles and scopes, passwords, tokens, sign-in, sessions, throttling."""

from __future__ import annotations

from flask import Flask, Response


def init_app(app: Flask) -> None:
    """Bind tokens, web sign-in and rate limits; register sign-in, sign-up and the user API.

    Also the hourly removal of expired web sessions, and ``flask session_cleanup`` doing it
    now (in place of Flask-Session's command of that name: batched, the same code as beat's).
    """
    from flask_babel import lazy_gettext as _l

    from inkstone.auth import (  # noqa: F401  (invitations: its table)
        api,
        factors,
        invitations,
        session_cleanup,
        views,
    )
    from inkstone.auth.passkeys import views as passkey_views
    from inkstone.auth.permissions import has_scope_named
    from inkstone.auth.providers import views as provider_views
    from inkstone.auth.sessions import end_everyone_s_sessions
    from inkstone.auth.signin import init_login
    from inkstone.auth.twofactor import views as twofactor_views
    from inkstone.core import events
    from inkstone.core.features import Audience, Feature, NavItem, register, registry
    from inkstone.extensions import jwt, limiter

    jwt.init_app(app)
    init_login(app)
    # A restored backup hands out ids again: no token or session from before may still work.
    events.database_restored.connect(end_everyone_s_sessions, when=events.IN_TRANSACTION)
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    # Registered before the limiter's own hook, so it runs after it (Flask runs them last
    # first): the limiter puts Retry-After on every answer of a limited route, which would
    # tell a client to wait an hour after an ordinary 409.
    app.after_request(_retry_after_only_when_it_means_it)
    limiter.init_app(app)
    registry(app).scope_check = has_scope_named
    signed_in, visitors = Audience.SIGNED_IN, Audience.VISITORS
    register(
        app,
        Feature(
            name="auth",
            site=(views.bp, twofactor_views.bp, passkey_views.bp, provider_views.bp),
            api=(api.bp,),
            cli=(session_cleanup.session_cleanup_command,),
            tasks=("inkstone.auth.session_cleanup",),
            beat={
                "purge-web-sessions": {
                    "task": session_cleanup.PURGE_TASK,
                    "schedule": session_cleanup.PURGE_SCHEDULE,
                },
            },
            nav=(
                NavItem("auth.logout", _l("Sign out"), 70, audience=signed_in, kind="post"),
                NavItem("auth.login", _l("Sign in"), 80, audience=visitors),
                NavItem("auth.register", _l("Sign up"), 90, audience=visitors),
            ),
        ),
    )


def _retry_after_only_when_it_means_it(response: Response) -> Response:
    from inkstone.core.errors import RETRY_AFTER_SECONDS

    if response.status_code == 503:  # an outage: seconds, not the limit window's reset
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    elif response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response
