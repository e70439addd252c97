"""The shared cache and HTTP caching: what anonymous readers see is rendered once.

Flask-Caching holds it: a file cache under ``instance/cache`` on embedded defaults (the web
process and the worker share it), Redis when ``REDIS_URL`` is set (every host shares it).

**Version keys.** Cached responses are not deleted when something changes; they are checked.
Each names the version keys it depends on and is stored with the values those keys had
*before* it was rendered. Shared pages and API reads depend on one key, ``content``: every
domain event (a publish, an edit, a comment, a favorite, a follow, a profile change, a
moderator's action, a save of the site settings) bumps it after its transaction commits —
one write per change, whatever was cached, seen by every process at once. A response is
served only while its keys still hold the values it was stored with, so after a write
commits the next read anywhere renders afresh; a page rendered while a write was committing
was stored with the older value and is never served. (One key, not one per kind of thing:
a hit then costs one read of the entry and one of the key, which on the file cache are two
files; a site's readers far outnumber its writes.)

**Where.** Views opt in with ``@shared("page")`` or ``@shared("api")``. ``SharedResponses``,
a WSGI middleware, answers those routes before Flask runs for a visitor with no session,
remember-me cookie or ``Authorization`` header: one round trip to the cache fetches the stored
response and the current versions. The ETag is made of the versions (and the release and the
URL), so a conditional request is answered ``304`` without reading or rendering anything.
Signed-in responses are never stored: they get a body-hash ETag, ``Cache-Control: private``.

A cache that is down is a miss (the page renders from the database); a version bump that
fails is retried by this process on its next use of the cache, and every entry expires after
``CACHE_TIMEOUT`` seconds, which bounds how long a missed bump could matter.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from flask import Flask, Response, current_app, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date, parse_date, parse_etags

from inkstone.core import events
from inkstone.core.logging import _VALID_REQUEST_ID, REQUEST_ID_HEADER
from inkstone.extensions import cache

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

log = structlog.get_logger(__name__)

CONTENT = "content"
SITE = "site"  # bumped with CONTENT by a save of the site settings; read only on a miss
VERSION_PREFIX = "v:"
ENTRY_PREFIX = "r:"
VARIANT = "inkstone.cache.variant"  # app.extensions: request -> str (language, time zone)
ENVIRON_KEY = "inkstone.cache"  # the middleware's note to the app: this response is shared
NONCE_KEY = "inkstone.csp_nonce"  # core.security records each response's CSP nonce here
MAX_ENTRY_BYTES = 1024 * 1024
ROUTES_KEPT = 4096
PAGE_VARY = "Cookie, Accept-Language"
API_VARY = "Authorization, Origin"
SHARED_CONTROL = "public, no-cache"  # anyone may keep it, but must ask again (a 304) first
PRIVATE_CONTROL = "private, no-cache"
_SHARED = "_inkstone_shared"
_DROPPED = frozenset({"x-request-id", "x-cache", "date"})


@dataclass(frozen=True)
class Policy:
    """How a view's anonymous responses are shared: as a page (varies by language) or API."""

    kind: str
    depends: tuple[str, ...] = (CONTENT,)


def shared(kind: str = "page") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Mark a GET view whose anonymous responses everyone shares (``"page"`` or ``"api"``).

    Put it right under the route decorator, so the function Flask registers carries it.
    """

    def mark(view: Callable[..., Any]) -> Callable[..., Any]:
        setattr(view, _SHARED, Policy(kind))
        return view

    return mark


# --------------------------------------------------------------------------- version keys

_pending: set[str] = set()
_pending_lock = threading.Lock()


def _token() -> str:
    # Nanoseconds since the epoch, in hex: unique per bump, and the time of the change
    # (Last-Modified) for free.
    return f"{time.time_ns():x}"


def bump(*names: str, backend: Any = None) -> None:
    """Give each version key in ``names`` a new value: what depended on it is stale now.

    ``backend``: the cache to use outside an app context (else the current app's).
    """
    with _pending_lock:
        names_to_bump = set(names) | _pending
        _pending.clear()
    token = _token()
    try:
        (backend or cache.cache).set_many(
            {VERSION_PREFIX + name: token for name in names_to_bump}, timeout=0
        )
    except Exception:  # the cache is down: bump again on this process's next use of it
        with _pending_lock:
            _pending.update(names_to_bump)
        log.warning("cache.bump_failed", keys=sorted(names_to_bump))


def _retry_pending(backend: Any) -> None:
    if _pending:
        bump(backend=backend)


def _initial_versions(backend: Any, names: Iterable[str]) -> None:
    for name in names:
        backend.add(VERSION_PREFIX + name, _token(), timeout=0)


def _modified_at(versions: Iterable[str]) -> float:
    return max(int(v, 16) for v in versions) / 1e9


@lru_cache(maxsize=64)
def _http_date(versions: tuple[str, ...]) -> str:
    return http_date(_modified_at(versions))


def init_cache(app: Flask) -> None:
    """Bind Flask-Caching; bump version keys on domain events; answer shared routes early."""
    cache.init_app(app)
    for event in events.REGISTRY.values():
        if event is events.job_finished:
            continue  # a job's end changes nothing a reader sees (its effects send their own)
        # Saving the site settings also bumps ``site``, which only a miss reads (below).
        keys = (CONTENT, SITE) if event is events.site_settings_changed else (CONTENT,)
        event.connect(_bumper(*keys))
    app.after_request(_conditional)
    app.wsgi_app = SharedResponses(app, app.wsgi_app)  # type: ignore[method-assign]


_BUMPERS: dict[tuple[str, ...], Callable[..., None]] = {}


def _bumper(*keys: str) -> Callable[..., None]:
    # One function per set of keys, so connecting again (every create_app does) adds nothing.
    if keys not in _BUMPERS:

        def bump_keys(**_: Any) -> None:
            bump(*keys)

        _BUMPERS[keys] = bump_keys
    return _BUMPERS[keys]


@lru_cache(maxsize=4)
def release_token(root: Path | None = None) -> str:
    """Return a token that changes whenever the code, templates or catalogs change.

    Part of every cache key and ETag: a deploy must not serve pages rendered by the old code.
    Made of the files' contents, not their dates, so hosts running the same release agree
    (their ETags too: a reader sent to either gets a 304). Worked out once per process.
    """
    root = root or Path(__file__).resolve().parent.parent
    digest = hashlib.sha1(usedforsecurity=False)
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".html", ".mo", ".js", ".css", ".svg", ".txt"}:
            digest.update(f"{path.relative_to(root)}:".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# --------------------------------------------------------------------------- HTTP


def _is_personal(environ: WSGIEnvironment, cookie_names: tuple[str, ...]) -> bool:
    if "HTTP_AUTHORIZATION" in environ:
        return True
    cookies = environ.get("HTTP_COOKIE", "")
    return bool(cookies) and any(f"{name}=" in cookies for name in cookie_names)


def _conditional(response: Response) -> Response:
    """Tag a GET's own (not shared) response: body-hash ETag, 304, private when personal."""
    if (
        request.method not in {"GET", "HEAD"}
        or response.status_code != 200
        or response.is_streamed
        or response.direct_passthrough
        or ENVIRON_KEY in request.environ
        or "Cache-Control" in response.headers
        or response.mimetype not in {"text/html", "application/json"}
    ):
        return response
    api = request.path.startswith("/api/")
    config = current_app.config
    names = (config["SESSION_COOKIE_NAME"], config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    # A session begun by this response (a form's CSRF token) gets its cookie after this hook.
    personal = (
        _is_personal(request.environ, names) or "Set-Cookie" in response.headers or session.modified
    )
    response.headers["Cache-Control"] = PRIVATE_CONTROL if personal else "no-cache"
    response.vary.update({"Authorization", "Origin"} if api else {"Cookie", "Accept-Language"})
    if "ETag" not in response.headers:
        body = response.get_data()
        nonce = request.environ.get(NONCE_KEY)
        if nonce:  # each response's own nonce is no change in what it says
            body = body.replace(nonce.encode(), b"")
        response.set_etag(hashlib.sha1(body, usedforsecurity=False).hexdigest(), weak=True)
        response.make_conditional(request)
    return response


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
                _initial_versions(self.backend, plan.names)
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
        if _is_personal(environ, self.cookie_names):
            return None
        path = environ.get("PATH_INFO", "")
        policy = self._policy_for(environ, path)
        if policy is None:
            return None
        _retry_pending(self.backend)
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
            policy = getattr(self.app.view_functions.get(endpoint), _SHARED, None)
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
                _initial_versions(self.backend, (SITE,))
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
            ("Last-Modified", _http_date(plan.versions)),
            ("Cache-Control", SHARED_CONTROL),
            ("Vary", PAGE_VARY if plan.kind == "page" else API_VARY),
        ]

    def _not_modified(self, environ: WSGIEnvironment, plan: _Plan) -> bool:
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match:
            return parse_etags(if_none_match).contains_weak(plan.etag.removeprefix("W/").strip('"'))
        since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
        return since is not None and int(_modified_at(plan.versions)) <= since.timestamp()

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


_OWN_HEADERS = frozenset({"ETag", "Last-Modified", "Cache-Control", "Vary"})
