"""Site-wide pages: the language switcher, the API documentation, the health probes."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from inkstone.core.errors import RETRY_AFTER_SECONDS
from inkstone.core.readiness import NOT_CONFIGURED, OK, readiness
from inkstone.extensions import csrf, db
from inkstone.i18n.locale import LANGUAGES, LOCALE_COOKIE
from inkstone.web.assets import asset_url
from inkstone.web.redirects import home_url, safe_next

bp = Blueprint("web", __name__, template_folder="templates")

ONE_YEAR = 365 * 24 * 3600
RETRY_HEADERS = {"Retry-After": str(RETRY_AFTER_SECONDS)}


@bp.post("/language")
@csrf.exempt
def set_language() -> Response:
    """Switch the site's language: the user's setting when signed in, a cookie otherwise.

    Only a signed-in user's switch changes anything on the server (their account), so only
    theirs is CSRF-checked. A visitor's choice is a cookie in their own browser: their form
    carries no token, so reading the site as a visitor needs no session cookie at all.
    """
    if current_user.is_authenticated:
        csrf.protect()
    locale = request.form.get("locale", "")
    response = redirect(safe_next(request.form.get("next"), default=home_url()))
    if locale not in LANGUAGES:
        return response
    if current_user.is_authenticated:
        current_user.locale = locale
        db.session.commit()
    response.set_cookie(LOCALE_COOKIE, locale, max_age=ONE_YEAR, samesite="Lax", httponly=True)
    return response


@bp.get("/api/v1/docs")
def api_docs() -> str:
    """Show Swagger UI for the API, with every asset served from this site."""
    return render_template("web/api_docs.html", spec_url=url_for("openapi.spec"))


@bp.get("/favicon.ico")
def favicon() -> Response:
    """Send browsers that ask for the classic icon to the site's SVG icon."""
    return redirect(asset_url("img/favicon.svg"), code=301)


@bp.get("/healthz")
def healthz() -> dict[str, str]:
    """Answer a liveness probe: the process is up and serving (it asks nothing else).

    A proxy or orchestrator that restarts what fails its liveness probe must not restart
    every web process because the database is down: that is what ``/readyz`` tells.
    """
    return {"status": "ok"}


@bp.get("/readyz")
def readyz() -> tuple[dict[str, str], int, dict[str, str]]:
    """Answer a readiness probe: whether the database, Redis and the job broker answer.

    200 when all do; 503 with ``Retry-After`` and which one did not, so a load balancer
    sends readers elsewhere meanwhile. Not rate limited, logged at debug level only.
    """
    checks = readiness(current_app)
    ready = all(state in {OK, NOT_CONFIGURED} for state in checks.values())
    body = {"status": "ok" if ready else "unavailable", **checks}
    return body, 200 if ready else 503, {} if ready else RETRY_HEADERS
