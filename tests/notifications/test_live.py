"""The bell's live count: the SSE stream, its bounds, its wake-ups and the polling fallback."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from inkstone.core import streams
from inkstone.core.errors import RETRY_AFTER_SECONDS
from inkstone.core.features import registry
from inkstone.extensions import db as _db
from inkstone.notifications import live, stream
from inkstone.notifications.models import Kind, Notification
from tests.conftest import forget_shared_pages
from tests.sse import frames


def next_frame(chunks: Any) -> tuple[str, Any]:
    """Read the stream on to its next event or comment (skipping empty chunks)."""
    for chunk in chunks:
        found = frames([chunk])
        if found:
            return found[0]
    raise AssertionError("the stream ended")


def add_notifications(app: Any, user_id: int, count: int = 1) -> None:
    """Store ``count`` unread notifications for ``user_id`` (as H1's ``notify`` would)."""
    with app.app_context():
        for _ in range(count):
            _db.session.add(Notification(user_id=user_id, kind=Kind.FOLLOW.value))
        _db.session.commit()


@pytest.fixture
def reader(make_user):
    return make_user(username="reader")


@pytest.fixture
def quick_streams(app, monkeypatch):
    """Streams that end at once after their first frame (no waiting in most tests)."""
    monkeypatch.setitem(app.config, "NOTIFICATION_STREAM_SECONDS", 0)


# --------------------------------------------------------------------------- the stream


@pytest.mark.usefixtures("quick_streams")
def test_the_api_stream_starts_with_the_unread_count(app, client, reader, auth_headers):
    add_notifications(app, reader.id, 2)
    response = client.get("/api/v1/notifications/events", headers=auth_headers(reader))
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert frames(response.response) == [("retry", 3000), ("unread", {"unreadCount": 2})]


def test_the_api_stream_needs_a_token(client):
    response = client.get("/api/v1/notifications/events")
    assert response.status_code == 401
    assert "errors" in response.json


@pytest.mark.usefixtures("quick_streams")
def test_the_site_stream_and_the_polled_count_are_the_signed_in_readers(
    app, client, reader, make_user, sign_in
):
    for path in ("/notifications/events", "/notifications/unread"):
        assert client.get(path).status_code == 401  # no redirect to a page: nobody reads it
    add_notifications(app, reader.id, 3)
    add_notifications(app, make_user().id, 5)  # someone else's: not counted
    sign_in(client, reader)
    polled = client.get("/notifications/unread")
    assert polled.json == {"unreadCount": 3}
    assert polled.headers["Cache-Control"] == "private, no-cache"
    streamed = client.get("/notifications/events")
    assert frames(streamed.response)[-1] == ("unread", {"unreadCount": 3})


def test_an_announce_in_this_process_wakes_an_open_stream_at_once(
    app, client, reader, auth_headers, monkeypatch
):
    # Neither polling nor a keep-alive could bring the news within the test's few seconds.
    monkeypatch.setattr(stream, "POLL_SECONDS", 60.0)
    monkeypatch.setitem(app.config, "NOTIFICATION_STREAM_SECONDS", 10)
    response = client.get(
        "/api/v1/notifications/events", headers=auth_headers(reader), buffered=False
    )
    chunks = iter(response.response)
    try:
        assert next_frame(chunks) == ("retry", 3000)
        assert next_frame(chunks) == ("unread", {"unreadCount": 0})
        add_notifications(app, reader.id)  # committed, but nobody told the stream yet
        # Another thread (a request's after-commit subscriber) announces it.
        threading.Timer(0.3, live.announce, args=([reader.id, 12345],)).start()
        started = time.monotonic()
        assert next_frame(chunks) == ("unread", {"unreadCount": 1})
        assert time.monotonic() - started < 3
    finally:
        response.close()


def test_the_stream_ends_after_its_time_with_keep_alives_meanwhile(
    app, client, reader, auth_headers, monkeypatch
):
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.3)
    monkeypatch.setitem(app.config, "NOTIFICATION_STREAM_SECONDS", 1)
    started = time.monotonic()
    response = client.get("/api/v1/notifications/events", headers=auth_headers(reader))
    found = frames(response.response)
    assert time.monotonic() - started < 5
    assert found[:2] == [("retry", 3000), ("unread", {"unreadCount": 0})]
    assert found[2:]
    assert set(found[2:]) == {("comment", "keep-alive")}


def test_past_the_open_stream_limit_the_answer_is_503_with_retry_after(
    app, client, reader, auth_headers, sign_in, monkeypatch
):
    monkeypatch.setattr(streams, "HANDOFF_SECONDS", 0.05)
    monkeypatch.setitem(app.config, "NOTIFICATION_STREAM_SECONDS", 0)
    with app.test_request_context():
        slots = streams.slots()
    limit = app.config["LIVE_STREAMS"]
    held = [slots.acquire(blocking=False) for _ in range(limit)]
    # The suite's client refuses any 5xx; this one is the point here.
    client = FlaskClient(app, app.response_class, use_cookies=True)
    try:
        assert all(held)
        refused = client.get("/api/v1/notifications/events", headers=auth_headers(reader))
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert "poll the unread count" in refused.json["errors"]["body"][0]
        sign_in(client, reader)
        assert client.get("/notifications/events").status_code == 503
        assert client.get("/notifications/unread").json == {"unreadCount": 0}  # the fallback
    finally:
        for _ in held:
            slots.release()
    for _ in range(limit + 1):  # each stream gives its slot back when it ends
        assert client.get("/notifications/events").status_code == 200


def test_a_stream_closed_before_its_first_frame_gives_its_slot_back(
    app, client, reader, auth_headers, monkeypatch
):
    monkeypatch.setattr(streams, "HANDOFF_SECONDS", 0.05)
    monkeypatch.setitem(app.config, "NOTIFICATION_STREAM_SECONDS", 0)
    limit = app.config["LIVE_STREAMS"]
    for _ in range(limit + 1):
        response = client.get(
            "/api/v1/notifications/events", headers=auth_headers(reader), buffered=False
        )
        assert response.status_code == 200
        response.close()  # the client left before reading anything
    # HEAD: the server sends headers only and never reads the stream at all.
    for _ in range(limit + 1):
        response = client.head("/api/v1/notifications/events", headers=auth_headers(reader))
        assert response.status_code == 200
        response.close()
    assert (
        client.get("/api/v1/notifications/events", headers=auth_headers(reader)).status_code == 200
    )


def test_announce_never_fails_and_streams_poll_when_redis_is_down(
    app, client, reader, auth_headers, monkeypatch
):
    # Nothing listens on port 9: each Redis use fails at once.
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")
    monkeypatch.setitem(app.config, "NOTIFICATION_STREAM_SECONDS", 0)
    monkeypatch.setattr(live, "_redis_down_until", 0.0)
    monkeypatch.delitem(app.extensions, live._CLIENT, raising=False)
    with app.app_context():
        started = time.monotonic()
        live.announce([reader.id])
        live.announce([reader.id])  # the back-off: Redis is left alone for a while
        assert time.monotonic() - started < 2.5
    add_notifications(app, reader.id)
    response = client.get("/api/v1/notifications/events", headers=auth_headers(reader))
    assert response.status_code == 200
    assert frames(response.response)[-1] == ("unread", {"unreadCount": 1})
    app.extensions.pop(live._CLIENT, None)


# --------------------------------------------------------------------------- the bell


def test_the_bell_shows_the_unread_count_to_its_reader_only(app, client, reader, sign_in):
    forget_shared_pages(app)
    anonymous = client.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' not in anonymous
    assert "notifications.js" not in anonymous
    add_notifications(app, reader.id, 3)
    sign_in(client, reader)
    page = client.get("/").get_data(as_text=True)
    assert 'id="notification-bell"' in page
    assert 'href="/notifications"' in page
    assert 'aria-label="Notifications, 3 unread"' in page
    assert 'data-events-url="/notifications/events"' in page
    assert 'data-unread-url="/notifications/unread"' in page
    assert '<script nonce="' in page
    assert "js/notifications.js" in page
    assert ">3</span>" in page
    add_notifications(app, reader.id, 97)
    assert ">99+</span>" in client.get("/").get_data(as_text=True)


def test_a_bell_with_nothing_unread_hides_its_badge(client, reader, sign_in):
    sign_in(client, reader)
    page = client.get("/").get_data(as_text=True)
    assert 'aria-label="Notifications"' in page
    assert 'd-none" data-unread-badge' in page


def test_the_bell_costs_a_signed_in_page_one_query_and_a_visitor_none(
    app, client, reader, sign_in, count_queries, monkeypatch
):
    forget_shared_pages(app)
    with count_queries() as anonymous:
        client.get("/")
    assert not [sql for sql in anonymous if "notifications" in sql]
    sign_in(client, reader)
    client.get("/")  # warm: what a first page loads once per session
    with count_queries() as with_bell:
        client.get("/")
    slots = registry(app).slots
    monkeypatch.setitem(
        slots,
        "navbar_items",
        [name for name in slots["navbar_items"] if name != "notifications/_bell.html"],
    )
    with count_queries() as without_bell:
        client.get("/")
    assert len(with_bell) == len(without_bell) + 1, str(with_bell)
    extra = [sql for sql in with_bell if "notifications" in sql]
    assert len(extra) == 1
    assert "count(" in extra[0].lower()
