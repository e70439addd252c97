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

**Where.** Views opt in with ``@shared("page")`` or ``@shared("api")``. ``SharedResponses``
(a WSGI middleware in ``core/shared_responses.py``, whose ``init_cache`` binds all this)
answers those routes before Flask runs for a visitor with no session, remember-me cookie or
``Authorization`` header: one round trip to the cache fetches the stored
response and the current versions. The ETag is made of the versions (and the release and the
URL), so a conditional request is answered ``304`` without reading or rendering anything.
Signed-in responses are never stored: they get a body-hash ETag, ``Cache-Control: private``.

A cache that is down is a miss (the page renders from the database); a version bump that
fails is retried by this process on its next use of the cache, and every entry expires after
``CACHE_TIMEOUT`` seconds, which bounds how long a missed bump could matter.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import structlog
from flask import Response, current_app, request, session
from werkzeug.http import http_date

from inkstone.extensions import cache

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIEnvironment

log = structlog.get_logger(__name__)

CONTENT = "content"
SITE = "site"  # bumped with CONTENT by a save of the site settings; read only on a miss
VERSION_PREFIX = "v:"
ENTRY_PREFIX = "r:"
VARIANT = "inkstone.cache.variant"  # app.extensions: environ -> str (language, time zone)
ENVIRON_KEY = "inkstone.cache"  # the middleware's note to the app: this response is shared
NONCE_KEY = "inkstone.csp_nonce"  # core.security records each response's CSP nonce here
MAX_ENTRY_BYTES = 1024 * 1024
ROUTES_KEPT = 4096
PAGE_VARY = "Cookie, Accept-Language"
API_VARY = "Authorization, Origin"
SHARED_CONTROL = "public, no-cache"  # anyone may keep it, but must ask again (a 304) first
PRIVATE_CONTROL = "private, no-cache"
SHARED_ATTR = "_inkstone_shared"


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
        setattr(view, SHARED_ATTR, Policy(kind))
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


def retry_pending(backend: Any) -> None:
    """Bump again what this process failed to bump while the cache was down."""
    if _pending:
        bump(backend=backend)


def initial_versions(backend: Any, names: Iterable[str]) -> None:
    """Give version keys a cache does not hold (new, or evicted) a value, unless one just did."""
    for name in names:
        backend.add(VERSION_PREFIX + name, _token(), timeout=0)


def modified_at(versions: Iterable[str]) -> float:
    """Return when the newest of ``versions`` was made (seconds since the epoch)."""
    return max(int(v, 16) for v in versions) / 1e9


@lru_cache(maxsize=64)
def last_modified(versions: tuple[str, ...]) -> str:
    """Return ``modified_at(versions)`` as an HTTP date (remembered: hits ask every time)."""
    return http_date(modified_at(versions))


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


def is_personal(environ: WSGIEnvironment, cookie_names: tuple[str, ...]) -> bool:
    """Tell whether a request carries credentials (a session or remember cookie, a token)."""
    if "HTTP_AUTHORIZATION" in environ:
        return True
    cookies = environ.get("HTTP_COOKIE", "")
    return bool(cookies) and any(f"{name}=" in cookies for name in cookie_names)


def conditional(response: Response) -> Response:
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
        is_personal(request.environ, names) or "Set-Cookie" in response.headers or session.modified
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
