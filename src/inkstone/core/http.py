"""WSGI-level HTTP plumbing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import abort, request
from werkzeug.exceptions import BadRequest

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

API_ALIAS = "/api/"
API_CANONICAL = "/api/v1/"


def refuse_nul() -> None:
    """Stop NUL characters at the door: 404 for a path (it names nothing), 400 for a form."""
    if "\x00" in request.path:
        abort(404)
    refuse_nul_in_forms()


class NulInForm(BadRequest):
    """A submitted form held a NUL character, which no text column can store."""


def refuse_nul_in_forms() -> None:
    """Answer 400 to a site form carrying a NUL character (the API refuses them with 422).

    SQLite would cut the text short at the NUL and PostgreSQL refuses it outright: either way
    the write would fail deep inside a service, so it is stopped at the door with a message.
    """
    if request.method not in {"POST", "PUT", "PATCH"} or request.path.startswith("/api/"):
        return
    if request.mimetype not in {"application/x-www-form-urlencoded", "multipart/form-data"}:
        return
    if any("\x00" in value for values in request.form.listvalues() for value in values):
        raise NulInForm()


class ApiAliasMiddleware:
    """Serve ``/api/<path>`` as ``/api/v1/<path>`` for RealWorld clients that hard-code ``/api``."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[Any]:
        path: str = environ.get("PATH_INFO", "")
        if path.startswith(API_ALIAS) and not path.startswith(API_CANONICAL):
            environ["PATH_INFO"] = API_CANONICAL + path[len(API_ALIAS) :]
        return self.app(environ, start_response)
