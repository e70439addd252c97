"""The site's error pages: styled, localized, and never failing themselves."""

from __future__ import annotations

from collections.abc import Iterable

from flask import Response, current_app, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape

from inkstone.core.errors import PermissionDenied
from inkstone.core.http import NulInForm
from inkstone.extensions import login

TITLES = {
    400: _l("Bad request"),
    401: _l("Please sign in"),
    403: _l("Forbidden"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Busy for a moment"),
}
MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("You need to sign in to do that."),
    403: _l("You don't have permission to do that."),
    404: _l("There is nothing at this address. It may have been moved or deleted."),
    405: _l("This page can't be used that way."),
    409: _l("That conflicts with what is already here."),
    413: _l("What you sent is larger than this site accepts."),
    422: _l("Some of what you sent is not valid."),
    429: _l("You're doing that too often. Please wait a little and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; please try again."),
    503: _l("The site is busy or briefly unavailable. Please try again in a few seconds."),
}
NUL_MESSAGE = _l("Text may not contain NUL characters. Remove them and try again.")
CSRF_MESSAGE = _l(
    "This form has expired or was sent from another site. Reload the page and try again."
)
# permissions.ensure_scope refuses an unconfirmed account this way (REQUIRE_EMAIL_CONFIRMATION).
UNCONFIRMED_MESSAGE = _l(
    "Please confirm your email address first: follow the link in the mail we sent you. "
    "Your settings page can send the mail again."
)


def error_page(
    code: int, *, error: BaseException | None = None, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """Return the HTML error page for ``code`` (with ``headers`` such as ``Retry-After``)."""
    if isinstance(error, CSRFError):
        message = CSRF_MESSAGE
    elif isinstance(error, NulInForm):
        message = NUL_MESSAGE
    elif isinstance(error, PermissionDenied) and error.field == "email":
        message = UNCONFIRMED_MESSAGE
    else:
        message = MESSAGES.get(code, MESSAGES[500])
    title = TITLES.get(code, TITLES[500] if code >= 500 else TITLES[400])
    if code == 503:
        # The database (or the session store) is what failed: show the page to a visitor
        # rather than look the signed-in account up again.
        g._login_user = login.anonymous_user()
    try:
        html = render_template("web/error.html", code=code, title=title, message=message)
    except Exception:  # the page itself failed (a broken database, say): answer plainly
        current_app.logger.exception("error page failed to render")
        html = f"<!doctype html><title>{code}</title><h1>{code}</h1><p>{escape(str(message))}</p>"
    response = Response(html, status=code, mimetype="text/html")
    for name, value in headers:
        if name.lower() != "content-type":
            response.headers[name] = value
    return response
