"""The bell's live count: a Server-Sent Events stream per signed-in tab, and a polling fallback.

The site (session) and the API (token) serve the same stream; only the authentication
differs. A stream holds one of its web process's few threads, so it draws on the process's
one budget of live streams (``core/streams.py``, shared with job progress), each open for at
most ``NOTIFICATION_STREAM_SECONDS`` (the browser reconnects). Past the cap the answer is 503 with
``Retry-After``, and the bell polls ``/notifications/unread`` instead. A stream notices within
a second that its tab has gone (the socket says so), so moving from page to page hands the
slot from the old page's stream to the new one's instead of refusing it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from apiflask import APIBlueprint
from flask import Blueprint, Response, current_app, request, stream_with_context
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import ServiceUnavailable, Unauthorized

from inkstone.auth.signin import web_user
from inkstone.auth.tokens import signed_in_user, token_required
from inkstone.core import streams
from inkstone.core.errors import RETRY_AFTER_SECONDS
from inkstone.extensions import db
from inkstone.notifications import live, services

bp = Blueprint("notifications_live", __name__)
# A tag of its own: the spec may not list one name twice (notifications/api.py has theirs).
api_bp = APIBlueprint("notifications_live_api", __name__, tag="Live notifications")

# How often a stream without pub/sub re-reads the count (one indexed COUNT per open tab).
POLL_SECONDS = 3.0
# Proxies and browsers drop a connection that stays silent for long; a comment line keeps it.
KEEPALIVE_SECONDS = 15.0
RECONNECT_MS = 3000

# A seam for the tests, which move time on instead of waiting.
_clock: Callable[[], float] = time.monotonic

_EVENT_STREAM = streams.openapi_response(
    '`text/event-stream`: an `unread` event (data: `{"unreadCount": n}`) at once and '
    "whenever the number of unread notifications changes, and `: keep-alive` comments "
    "while nothing happens.",
    events=["unread"],
    data='`{"unreadCount": n}` as JSON.',
)


def read_unread_count(user_id: int) -> int:
    """Return ``user_id``'s unread count, ending the read so no connection stays held."""
    try:
        return services.unread_count(user_id=user_id)
    finally:
        # Back to the pool: an idle tab must not keep one of the few pooled connections (and
        # the next read sees what other processes committed meanwhile).
        db.session.rollback()


def unread_events(
    *, user_id: int, max_seconds: float, gone: Callable[[], bool] = lambda: False
) -> Iterator[str]:
    """Yield SSE frames: ``unread`` with the count at once and on each change; then stop.

    Woken at once by ``live.announce`` (from this process, or from any through Redis); without
    pub/sub the count is re-read every ``POLL_SECONDS``. Stops after ``max_seconds`` (the
    browser's EventSource reconnects) or once ``gone()`` says the client has left.
    """
    start = _clock()
    deadline = start + max_seconds
    yield f"retry: {RECONNECT_MS}\n\n"
    with live.listening(user_id) as listener:
        seen = read_unread_count(user_id)
        quiet_since = next_read = start
        yield streams.frame("unread", {"unreadCount": seen})
        while True:
            now = _clock()
            if now >= next_read:  # after each read, or whenever pub/sub is lost
                next_read = now + (KEEPALIVE_SECONDS if listener.live else POLL_SECONDS)
            if now >= deadline or gone():
                return
            until = min(deadline, next_read, quiet_since + KEEPALIVE_SECONDS)
            woken = listener.wait(min(until - now, streams.GONE_CHECK_SECONDS))
            now = _clock()
            if woken or now >= next_read:
                next_read = now
                count = read_unread_count(user_id)
                if count != seen:
                    seen, quiet_since = count, now
                    yield streams.frame("unread", {"unreadCount": count})
                    continue
            if now - quiet_since >= KEEPALIVE_SECONDS:
                quiet_since = now
                yield ": keep-alive\n\n"


def event_stream(user_id: int) -> Response:
    """Answer with ``user_id``'s unread count as ``text/event-stream`` (see ``unread_events``)."""
    environ = request.environ
    gone = streams.client_gone(environ)
    max_seconds = float(current_app.config["NOTIFICATION_STREAM_SECONDS"])
    held = streams.slots()
    if not held.acquire(timeout=streams.HANDOFF_SECONDS):
        raise ServiceUnavailable(
            "too many live streams are open: poll the unread count instead",
            retry_after=RETRY_AFTER_SECONDS,
        )
    frames = stream_with_context(unread_events(user_id=user_id, max_seconds=max_seconds, gone=gone))
    response = Response(streams.Holding(frames, held), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def _web_user_id() -> int:
    """Return the signed-in person's id; 401 (not a sign-in redirect: no page asks) otherwise."""
    user = web_user()
    if user is None:
        raise Unauthorized("sign in to see your notifications")
    user_id: int = user.id
    return user_id


@bp.get("/notifications/events")
def events() -> Response:
    """Stream the signed-in person's unread count (the bell's EventSource)."""
    return event_stream(_web_user_id())


@bp.get("/notifications/unread")
def unread() -> ResponseReturnValue:
    """Answer ``{"unreadCount": n}`` (the bell polls this without a stream)."""
    body = {"unreadCount": read_unread_count(_web_user_id())}
    return body, 200, {"Cache-Control": "private, no-cache"}


@bp.app_template_global("notifications_unread_count")
def unread_count_for_bell() -> int:
    """Return the signed-in person's unread count for the bell (0 for a visitor, no query)."""
    user = web_user()
    return services.unread_count(user_id=user.id) if user is not None else 0


@api_bp.get("/notifications/events")
@token_required
@api_bp.doc(responses={200: _EVENT_STREAM}, operation_id="WatchNotifications")
def api_events() -> Response:
    """Watch your unread count

    Server-Sent Events: an `unread` event with `unreadCount` at once and whenever it changes.
    The stream closes after a bounded time (a minute by default), when an `EventSource`
    reconnects by itself. When the server has as many streams open as it allows, the answer is
    503 with `Retry-After`: read `unreadCount` from `GET /notifications` instead.
    """
    return event_stream(signed_in_user().id)
