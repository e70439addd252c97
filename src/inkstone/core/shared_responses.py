"""The shared cache's WSGI middleware: anonymous GETs of shared routes, answered early.

``SharedResponses`` answers before Flask runs for a visitor with no session, remember-me
cookie or ``Authorization`` header: one round trip to the cache fetches the stored response
and the current version keys (``core.cache``); a conditional request whose ETag is current is
a 304; a stored response whose versions still hold is a hit (with a fresh CSP nonce); anything
else is rendered by the app and stored with the versions read before it ran.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_date, parse_etags

from inkstone.core import events
from inkstone.core.cache import (
    API_VARY,
    CONTENT,
    ENTRY_PREFIX,
    ENVIRON_KEY,
    MAX_ENTRY_BYTES,
    NONCE_KEY,
    PAGE_VARY,
    ROUTES_KEPT,
    SHARED_ATTR,
    SHARED_CONTROL,
    SITE,
    VARIANT,
    VERSION_PREFIX,
    Policy,
    bump,
    conditional,
    initial_versions,
    is_personal,
    last_modified,
    modified_at,
    release_token,
    retry_pending,
)
from inkstone.core.logging import _VALID_REQUEST_ID, REQUEST_ID_HEADER
from inkstone.extensions import cache

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = structlog.get_logger(__name__)

SITE_WIDE = (events.site_settings_changed, events.database_restored)


def init_cache(app: Flask) -> None:
    """Bind Flask-Caching; bump version keys on domain events; answer shared routes early."""
    cache.init_app(app)
    for event in events.REGISTRY.values():
        if event is events.job_finished:
            continue  # a job's end changes nothing a reader sees (its effects send their own)
        # Saving the site settings (or restoring a backup) also bumps ``site``, which only a
        # miss reads (below).
        keys = (CONTENT, SITE) if event in SITE_WIDE else (CONTENT,)
        event.connect(_bumper(*keys))
    app.after_request(conditional)
    app.wsgi_app = SharedResponses(app, app.wsgi_app)  # type: ignore[method-assign]


_BUMPERS: dict[tuple[str, ...], Callable[..., None]] = {}


def _bumper(*keys: str) -> Callable[..., None]:
    # One function per set of keys, so connecting again (every create_app does) adds nothing.
    if keys not in _BUMPERS:

        def bump_keys(**_: Any) -> None:
            bump(*keys)

        _BUMPERS[keys] = bump_keys
    return _BUMPERS[keys]


_DROPPED = frozenset({"x-request-id", "x-cache", "date"})
_OWN_HEADERS = frozenset({"ETag", "Last-Modified", "Cache-Control", "Vary"})


@dataclass
class _Plan:
    key: str
    names: tuple[str, ...]
    versions: tuple[str, ...]
    etag: str
    kind: str


class SharedResponses:
    """Answer anonymous GETs of shared routes from the cache; store what the app renders."""

    def __init__(self, app: Flask, wsgi_app: WSGIApplication) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.cookie_names = (
            app.config["SESSION_COOKIE_NAME"],
            app.config.get("REMEMBER_COOKIE_NAME", "remember_token"),
        )
        self.release = release_token()
        self.log_requests = bool(app.config.get("LOG_REQUESTS", True))
        self.log = structlog.get_logger(__name__).bind()  # built now, not on every hit
        self.site_version: str | None = None
        # Which policy a GET path routes to, remembered (GET routes do not change at run time).
        self.routes: dict[str, Policy | None] = {}
        self.log_hits = bool(app.config.get("LOG_CACHE_HITS", False))
        # This app's own backend: outside an app context Flask-Caching would pick the app
        # it was bound to last, which need not be this one.
        self.backend = app.extensions["cache"][cache]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        plan = self._plan(environ)
        if plan is None:
            return self.wsgi_app(environ, start_response)
        started = time.perf_counter()
        keys = [VERSION_PREFIX + name for name in plan.names]
        try:
            entry, *versions = self.backend.get_many(plan.key, *keys)
            if any(v is None for v in versions):  # a new cache (or one that lost them)
                initial_versions(self.backend, plan.names)
                versions = self.backend.get_many(*keys)
        except Exception:
            log.warning("cache.unavailable", exc_info=True)
            return self.wsgi_app(environ, start_response)
        if any(v is None for v in versions):
            return self.wsgi_app(environ, start_response)
        plan = self._finish(plan, tuple(versions))
        environ[ENVIRON_KEY] = plan
        if self._not_modified(environ, plan):
            return self._answer(environ, start_response, started, "304 Not Modified", plan, [])
        if entry is not None and entry[0] == plan.versions:
            return self._hit(environ, start_response, started, plan, entry)
        self._follow_site()
        return self._miss(environ, start_response, plan)

    # ------------------------------------------------------------------ planning

    def _plan(self, environ: WSGIEnvironment) -> _Plan | None:
        if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"}:
            return None
        if is_personal(environ, self.cookie_names):
            return None
        path = environ.get("PATH_INFO", "")
        policy = self._policy_for(environ, path)
        if policy is None:
            return None
        retry_pending(self.backend)
        if policy.kind == "page":
            chooser = self.app.extensions.get(VARIANT)
            variant = chooser(environ) if chooser else ""
        else:
            # flask-cors answers a cross-origin reader with its own origin: one copy per origin.
            variant = environ.get("HTTP_ORIGIN", "")[:200]
        query = environ.get("QUERY_STRING", "")
        key = f"{ENTRY_PREFIX}{self.release}:{policy.kind}:{variant}:{path}?{query}"
        return _Plan(key, policy.depends, (), "", policy.kind)

    def _policy_for(self, environ: WSGIEnvironment, path: str) -> Policy | None:
        """Return the sharing policy of the view ``path`` routes to (remembered per path)."""
        try:
            return self.routes[path]
        except KeyError:
            pass
        try:
            endpoint, _args = self.app.url_map.bind_to_environ(environ).match()
        except HTTPException:
            policy = None
        else:
            policy = getattr(self.app.view_functions.get(endpoint), SHARED_ATTR, None)
        if len(self.routes) >= ROUTES_KEPT:
            self.routes.clear()
        self.routes[path] = policy
        return policy

    def _finish(self, plan: _Plan, versions: tuple[str, ...]) -> _Plan:
        digest = hashlib.sha1(f"{plan.key}|{'|'.join(versions)}".encode(), usedforsecurity=False)
        plan.versions = versions
        plan.etag = f'W/"{digest.hexdigest()[:32]}"'
        return plan

    def _follow_site(self) -> None:
        # Site settings are kept per process for a moment (core.site), and a page rendered
        # now is stored as current: if they were saved since this process last looked, read
        # them again first. Only a miss asks (a save bumps ``content`` too, so no hit is old).
        try:
            site = self.backend.get(VERSION_PREFIX + SITE)
            if site is None:
                initial_versions(self.backend, (SITE,))
                site = self.backend.get(VERSION_PREFIX + SITE)
        except Exception:
            site = None  # the cache is down: nothing is stored either
        if site is None or site != self.site_version:
            from inkstone.core.site import forget_site_settings

            with self.app.app_context():
                forget_site_settings()
            self.site_version = site

    def _headers(self, plan: _Plan) -> list[tuple[str, str]]:
        return [
            ("ETag", plan.etag),
            ("Last-Modified", last_modified(plan.versions)),
            ("Cache-Control", SHARED_CONTROL),
            ("Vary", PAGE_VARY if plan.kind == "page" else API_VARY),
        ]

    def _not_modified(self, environ: WSGIEnvironment, plan: _Plan) -> bool:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            return parse_etags(if_none_match).contains_weak(plan.etag.removeprefix("W/").strip('"'))
        since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
        return since is not None and int(modified_at(plan.versions)) <= since.timestamp()

    # ------------------------------------------------------------------ answering

    def _answer(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        started: float,
        status: str,
        plan: _Plan,
        headers: list[tuple[str, str]],
        body: bytes = b"",
    ) -> Iterable[bytes]:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        headers = [*headers, *self._headers(plan), (REQUEST_ID_HEADER, request_id)]
        headers.append(("X-Cache", "HIT"))
        start_response(status, headers)
        if self.log_requests:
            # A hit is logged at debug level unless LOG_CACHE_HITS: rendering the line would
            # cost more than answering (nginx's access log has every request when scaled).
            emit = self.log.info if self.log_hits else self.log.debug
            emit(
                "request",
                request_id=request_id,
                method=environ["REQUEST_METHOD"],
                path=environ.get("PATH_INFO", ""),
                status=int(status[:3]),
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                cache="hit",
            )
        return [] if environ["REQUEST_METHOD"] == "HEAD" or not body else [body]

    def _hit(
        self,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        started: float,
        plan: _Plan,
        entry: tuple[Any, ...],
    ) -> Iterable[bytes]:
        _versions, status, headers, body, nonce = entry
        if nonce:  # every response gets a nonce of its own, as a rendered one does
            fresh = secrets.token_urlsafe(24)
            body = body.replace(nonce.encode(), fresh.encode())
            headers = [(k, v.replace(nonce, fresh)) for k, v in headers]
        return self._answer(environ, start_response, started, status, plan, headers, body)

    def _miss(
        self, environ: WSGIEnvironment, start_response: StartResponse, plan: _Plan
    ) -> Iterable[bytes]:
        captured: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured[:] = [status, headers, exc_info]
            return lambda _data: None  # Flask never writes through it

        body_iter = self.wsgi_app(environ, capture)
        status, headers, exc_info = captured
        names = {name.lower() for name, _ in headers}
        if not status.startswith("200") or "set-cookie" in names or "cache-control" in names:
            start_response(status, headers, exc_info)
            return body_iter
        headers = [(k, v) for k, v in headers if k not in _OWN_HEADERS]
        headers += [*self._headers(plan), ("X-Cache", "MISS")]
        start_response(status, headers, exc_info)
        if environ["REQUEST_METHOD"] != "GET":
            return body_iter
        try:
            body = b"".join(body_iter)
        finally:
            close = getattr(body_iter, "close", None)
            if close is not None:
                close()
        if len(body) <= MAX_ENTRY_BYTES:
            kept = [
                (k, v) for k, v in headers if k.lower() not in _DROPPED and k not in _OWN_HEADERS
            ]
            entry = (plan.versions, status, kept, body, environ.get(NONCE_KEY))
            try:
                self.backend.set(plan.key, entry)
            except Exception:
                log.warning("cache.store_failed", exc_info=True)
        return [body]
