"""WSGI-level HTTP plumbing."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from flask import abort, request

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

API_ALIAS = "/api/"
API_CANONICAL = "/api/v1/"


def refuse_nul_in_path() -> None:
    """Answer 404 for a path holding a NUL: it names nothing, and PostgreSQL text refuses it."""
    if "\x00" in request.path:
        abort(404)


class ApiAliasMiddleware:
    """Serve ``/api/<path>`` as ``/api/v1/<path>`` for RealWorld clients that hard-code ``/api``."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[Any]:
        path: str = environ.get("PATH_INFO", "")
        if path.startswith(API_ALIAS) and not path.startswith(API_CANONICAL):
            environ["PATH_INFO"] = API_CANONICAL + path[len(API_ALIAS) :]
        return self.app(environ, start_response)
