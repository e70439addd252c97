"""Domain errors raised by services, and the handlers that answer them (JSON or HTML)."""

from __future__ import annotations

import logging
import sqlite3
import traceback
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc
from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Flask, Response, current_app, request
from flask.globals import request_ctx
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from inkstone.core.json import error_body


class DomainError(Exception):
    """Base of the errors services raise; views turn them into HTTP answers."""

    status_code = 422
    default_field = "body"
    # A stable machine-readable code for API clients, beside the message (None: the generic
    # code of the HTTP status). Every code is listed in ``ERROR_CODES``.
    default_code: str | None = None

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field or self.default_field
        self.code = code or self.default_code

    def errors(self) -> dict[str, list[str]]:
        """Return the RealWorld ``errors`` mapping for this error."""
        return {self.field: [self.message]}


class NotFound(DomainError):
    """The object does not exist (or is not visible to the actor)."""

    status_code = 404


class PermissionDenied(DomainError):
    """The actor may not do this to this object."""

    status_code = 403


class Conflict(DomainError):
    """The change clashes with existing data (a taken username, a duplicate)."""

    status_code = 409


class Invalid(DomainError):
    """The input is well-formed but breaks a business rule."""

    status_code = 422


class Unauthorized(DomainError):
    """Credentials are missing, wrong, expired or revoked."""

    status_code = 401
    default_field = "credentials"


# The stable machine codes of API errors, each with what it means: the one list behind the
# OpenAPI description (``core.openapi``) and the README's table. A client branches on these,
# never on the message (which may change or be translated); codes are never renamed or reused.
# Core lists the generic ones; each feature adds its own with ``register_error_codes`` when the
# app is built (a test checks that every ``code="…"`` in the code base is listed).
ERROR_CODES: dict[str, str] = {
    "request.malformed": "The body is not valid JSON in UTF-8, or is nested too deeply",
    "request.invalid": "A field is missing or invalid, or the input breaks a rule; "
    "`errors` names the fields",
    "request.too_large": "The body, a file, the request line or the headers are larger "
    "than the limit",
    "request.method_not_allowed": "The path does not take this HTTP method",
    "request.unsupported_media_type": "The body is not of a type this operation takes",
    "request.rejected": "Any other refusal of the request (a 4xx status not listed here)",
    "not_found": "The object does not exist, or is not visible to you",
    "conflict": "The change clashes with existing data (a taken username, a duplicate)",
    "rate_limited": "Too many requests: wait (see `Retry-After`) and try again",
    "server_error": "A bug on the server: it has been logged",
    "unavailable": "The database or another service is busy or briefly down: nothing was "
    "changed; try again after `Retry-After` seconds",
}

# The code of an error that names none: by its HTTP status (401 and 403 are the accounts
# feature's to name).
STATUS_CODES: dict[int, str] = {
    400: "request.malformed",
    404: "not_found",
    405: "request.method_not_allowed",
    409: "conflict",
    413: "request.too_large",
    414: "request.too_large",
    415: "request.unsupported_media_type",
    422: "request.invalid",
    429: "rate_limited",
    431: "request.too_large",
    500: "server_error",
    503: "unavailable",
}


def register_error_codes(
    codes: Mapping[str, str], *, statuses: Mapping[int, str] | None = None
) -> None:
    """List a feature's error codes (code → one-line meaning), and the generic code of any
    HTTP status it owns (such as 401). Registering the same again changes nothing."""
    for status, code in (statuses or {}).items():
        if code not in codes and code not in ERROR_CODES:
            raise ValueError(f"{code} is not listed")
        STATUS_CODES[status] = code
    ERROR_CODES.update(codes)


def code_for_status(status: int) -> str:
    """Return the generic error code of an HTTP status (4xx and 5xx)."""
    return STATUS_CODES.get(status) or ("server_error" if status >= 500 else "request.rejected")


INVALID_JSON = "request body is not valid JSON (UTF-8)"
UNAVAILABLE = "the service is busy or briefly unavailable; try again in a few seconds"
RETRY_AFTER_SECONDS = 5
# What an outage of a service we depend on looks like: the database (busy, down, out of
# connections), Redis (sessions, rate limits, the broker), the broker itself.
OUTAGES: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.TimeoutError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,
)
# SQLite reports a bug (no such table, a syntax error) as an OperationalError too; only
# these mean "busy or unreachable".
SQLITE_OUTAGES = ("locked", "busy", "unable to open", "disk i/o", "readonly", "full")


def is_outage(error: BaseException | None) -> bool:
    """Tell whether ``error`` is a dependency being busy or down (503), not a bug (500)."""
    if not isinstance(error, OUTAGES):
        return False
    original = getattr(error, "orig", None)
    if isinstance(original, sqlite3.Error):
        return any(sign in str(original).lower() for sign in SQLITE_OUTAGES)
    return True


TOO_DEEP = "request body is nested too deeply"


def is_api_request() -> bool:
    """Tell whether the current request is for the JSON API."""
    return request.path.startswith("/api/") or request.path == "/api"


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Flatten marshmallow's nested messages into ``{"field.sub": [..]}``."""
    if isinstance(messages, list):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "body": list(messages)}
        messages = dict(enumerate(messages))
    if not isinstance(messages, Mapping):
        return {prefix or "body": [str(messages)]}
    out: dict[str, list[str]] = {}
    for key, value in messages.items():
        name = f"{prefix}.{key}" if prefix else ("body" if key == SCHEMA_KEY else str(key))
        out.update(_flatten(value, name))
    return out


# Request bodies carry one root key ({"user": …}); field errors are reported without it.
ROOT_KEYS = ("user", "article", "comment", "profile", "message")
SCHEMA_KEY = "_schema"  # marshmallow's key for errors about a whole object


def validation_errors(detail: Mapping[str, Any]) -> dict[str, list[str]]:
    """Turn APIFlask's ``{location: messages}`` detail into RealWorld ``errors``."""
    errors: dict[str, list[str]] = {}
    for _location, messages in detail.items():
        if isinstance(messages, Mapping):
            for root in ROOT_KEYS:
                nested = messages.get(root)
                if isinstance(nested, Mapping):
                    # {"article": {"_schema": [...]}} means the root key held the wrong type.
                    inner = {root if k == SCHEMA_KEY else k: v for k, v in nested.items()}
                    messages = {**{k: v for k, v in messages.items() if k != root}, **inner}
        errors.update(_flatten(messages))
    return errors


def api_error_processor(error: HTTPError) -> tuple[dict[str, Any], int, Any]:
    """Render every HTTP error under ``/api/`` as ``{"errors": {field: [message]}, "code": …}``.

    ``abort(status, extra_data={"errors": …, "code": …})`` may name both; else the code is
    the status's.
    """
    if error.status_code == 422 and isinstance(error.detail, Mapping) and error.detail:
        errors = validation_errors(error.detail)
    elif isinstance(error.extra_data.get("errors"), Mapping):
        errors = dict(error.extra_data["errors"])
    else:
        errors = {"body": [str(error.message)]}
    code = error.extra_data.get("code") or code_for_status(error.status_code)
    return error_body(errors, code=code), error.status_code, error.headers


class OutageLogFilter(logging.Filter):
    """Log Flask's own reports of an outage as a warning without a traceback, not an error.

    An outage met outside the view (opening or saving a Redis session) reaches Flask's last
    resort, which logs "Exception on /path [GET]" at ERROR with the traceback before our
    handler answers 503; saving the session again for the 503 page logs a second one. Each
    503 already logs one warning with the traceback (``unavailable``); errors are for bugs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        """Downgrade ``record`` when it reports an outage; keep every record."""
        error = record.exc_info[1] if record.exc_info else None
        if record.levelno >= logging.ERROR and is_outage(error):
            record.levelno, record.levelname = logging.WARNING, "WARNING"
            record.exc_info = record.exc_text = None
            record.msg = f"{record.msg} (service unavailable: {error.__class__.__name__})"
        return True


_OUTAGE_LOG_FILTER = OutageLogFilter()  # one: every app of a process shares its logger


def register_error_handlers(app: APIFlask) -> None:
    """Answer domain and HTTP errors with JSON under ``/api/`` and HTML elsewhere."""
    app.error_processor(api_error_processor)
    app.logger.addFilter(_OUTAGE_LOG_FILTER)

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError) -> Any:
        if is_api_request():
            code = error.code or code_for_status(error.status_code)
            return error_body(error.errors(), code=code), error.status_code
        return _html_error(error.status_code, error)

    @app.errorhandler(HTTPException)
    def handle_http_exception(error: HTTPException) -> Any:
        code = error.code or 500
        # An error outside the view (opening the session, saving it) reaches Flask's last
        # resort as a 500 that carries it.
        if code == 500 and is_outage(getattr(error, "original_exception", None)):
            return unavailable(error.original_exception)  # type: ignore[attr-defined]
        if is_api_request() and code == 400 and isinstance(getattr(error, "data", None), Mapping):
            # webargs could not decode the body: malformed JSON or invalid UTF-8.
            return error_body({"body": [INVALID_JSON]}, code="request.malformed"), 422
        if is_api_request():
            headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
            message = error.description or error.name
            if code == 413:
                limit = app.config["MAX_CONTENT_LENGTH"]
                message = f"request body is larger than the limit of {limit} bytes"
            return app.error_callback(HTTPError(code, message=message, headers=headers))
        return _html_error(code, error, headers=error.get_headers())

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception) -> Any:
        if is_outage(error):
            return unavailable(error)
        app.logger.error("unhandled error", exc_info=error)
        if is_api_request():
            return error_body({"body": ["Internal server error"]}, code="server_error"), 500
        return _html_error(500, error)

    def unavailable(error: BaseException) -> Any:
        app.logger.warning("service unavailable: %s", error.__class__.__name__, exc_info=error)
        if request_ctx._session is None:
            # The session store is what failed: carry on with an empty, unsaved session, so
            # the page and the after-request hooks that look at it do not fail in turn.
            request_ctx._session = app.session_interface.make_null_session(app)
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
        if is_api_request():
            return error_body({"body": [UNAVAILABLE]}, code="unavailable"), 503, headers
        return _html_error(503, error, headers=headers.items())

    @app.errorhandler(RecursionError)
    def handle_recursion(error: RecursionError) -> Any:
        # webargs decodes bodies with the stdlib json module, which recurses once per level.
        if is_api_request() and _raised_decoding_json(error):
            return error_body({"body": [TOO_DEEP]}, code="request.malformed"), 422
        return handle_unexpected(error)


def _raised_decoding_json(error: BaseException) -> bool:
    """Tell whether ``error`` was raised inside the stdlib JSON decoder."""
    return any(
        frame.f_globals.get("__name__", "").startswith("json.")
        for frame, _lineno in traceback.walk_tb(error.__traceback__)
    )


HtmlErrorRenderer = Callable[..., Response]
_RENDERER = "inkstone.html_error"


def set_html_error_renderer(app: Flask, renderer: HtmlErrorRenderer) -> None:
    """Let the site shell render error pages: ``renderer(code, error=, headers=)``."""
    app.extensions[_RENDERER] = renderer


def _html_error(
    code: int, error: BaseException, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    renderer = current_app.extensions.get(_RENDERER)
    if renderer is None:  # no site registered (an API-only app): a plain text page
        response = Response(f"{code} {HTTP_STATUS_CODES.get(code, 'Error')}\n", code)
        response.mimetype = "text/plain"
        response.headers.extend(headers)
        return response
    return renderer(code, error=error, headers=headers)  # type: ignore[no-any-return]
