"""The site's rule "administrators and moderators have a second factor", applied per request.

While the back-office setting ``require_two_factor_for_staff`` is on, a signed-in admin or
moderator without a second factor can reach only the pages that set one up (two-factor,
passkeys), sign out, the language switch and static files; every other page sends them to
two-factor set-up with a word of why. People who are not staff cost nothing: their roles
are loaded with them already; only staff pay one small query (do they have a factor?).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import _

from inkstone.auth.factors import has_second_factor
from inkstone.auth.signin import web_user
from inkstone.auth.twofactor.services import is_staff
from inkstone.core.errors import is_api_request
from inkstone.core.site import site_settings

# Blueprints and endpoints staff without a second factor may still reach.
OPEN_BLUEPRINTS = frozenset({"twofactor", "passkeys"})
OPEN_ENDPOINTS = frozenset(
    {"auth.logout", "web.set_language", "static", "web.favicon", "web.healthz", "web.readyz"}
)


def _open(endpoint: str | None) -> bool:
    if endpoint is None:  # no such page: its 404 shows as usual
        return True
    blueprint, _dot, name = endpoint.rpartition(".")
    return blueprint in OPEN_BLUEPRINTS or endpoint in OPEN_ENDPOINTS or name == "static"


def staff_needs_setup(user: object) -> bool:
    """Tell whether the staff policy is on and ``user`` is staff with no second factor."""
    from inkstone.auth.models import User

    return (
        isinstance(user, User)
        and site_settings().require_two_factor_for_staff
        and is_staff(user)
        and not has_second_factor(user)
    )


def walk_staff_to_setup() -> ResponseReturnValue | None:
    """Send staff without a second factor to set-up, when the site requires one."""
    if is_api_request() or _open(request.endpoint):
        return None
    user = web_user()
    if user is None or not staff_needs_setup(user):
        return None
    flash(
        _(
            "This site requires administrators and moderators to use two-factor "
            "authentication. Please set it up (an authenticator app or a passkey) "
            "before you go on."
        ),
        "warning",
    )
    return redirect(url_for("twofactor.settings"))
