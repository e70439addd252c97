"""The bell's stream hears of notifications another process made: by polling, or via Redis.

A site of its own (its own SQLite file, migrated once) serves the stream here, and a separate
Python process (a worker, or another web host) stores a notification and announces it, as
after its commit: the open stream must bring the new count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from flask import Flask

from inkstone import create_app
from inkstone.auth.models import RoleName
from inkstone.auth.services import register_user
from inkstone.auth.tokens import issue_token
from inkstone.core.db import utcnow
from inkstone.extensions import db
from inkstone.notifications import stream
from tests.conftest import MIGRATIONS_DIR, app_config, require_service
from tests.notifications.test_live import next_frame

REDIS_URL = os.environ.get("INKSTONE_TEST_REDIS_URL", "")
ROOT = Path(__file__).resolve().parents[2]


def site_config(instance: Path, **overrides: Any) -> dict[str, Any]:
    """The settings of both processes: one SQLite file; Redis only when asked."""
    return app_config(
        instance,
        f"sqlite:///{instance / 'live.db'}",
        CACHE_TYPE="simple",
        SESSION_BACKEND="sqlalchemy",
        **overrides,
    )


def make_site(instance: Path, stream_seconds: float, **overrides: Any) -> Flask:
    """The site whose stream is watched, its streams lasting ``stream_seconds``."""
    app = create_app(site_config(instance, **overrides))
    app.config["NOTIFICATION_STREAM_SECONDS"] = stream_seconds
    return app


def notify_elsewhere(instance: str, user_id: int, redis_url: str) -> None:
    """In another process: store a notification for ``user_id`` and announce it."""
    from inkstone.notifications import live
    from inkstone.notifications.models import Kind, Notification

    app = create_app(site_config(Path(instance), REDIS_URL=redis_url))
    with app.app_context():
        db.session.add(Notification(user_id=user_id, kind=Kind.FOLLOW.value))
        db.session.commit()
        live.announce([user_id])
        db.engine.dispose()


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database of its own: the other process commits for real."""
    folder = tmp_path_factory.mktemp("live-instance")
    app = create_app(site_config(folder))
    with app.app_context():
        flask_migrate.upgrade(directory=MIGRATIONS_DIR)
        db.engine.dispose()
    return folder


def make_reader(app: Flask, name: str) -> tuple[int, dict[str, str]]:
    """Register a reader; return their id and API headers."""
    with app.app_context():
        user = register_user(
            username=name,
            email=f"{name}@example.org",
            password="correct horse battery",
            role=RoleName.AUTHOR,
            confirmed=True,
        )
        user.email_confirmed_at = utcnow()
        db.session.commit()
        return user.id, {"Authorization": f"Token {issue_token(user)}"}


def watch_while_another_process_notifies(app: Flask, instance: Path, name: str) -> float:
    """Open a stream, have another process notify its reader; return how long the news took."""
    user_id, headers = make_reader(app, name)
    response = app.test_client().get(
        "/api/v1/notifications/events", headers=headers, buffered=False
    )
    chunks = iter(response.response)
    try:
        assert next_frame(chunks) == ("retry", 3000)
        assert next_frame(chunks) == ("unread", {"unreadCount": 0})
        code = (
            "import sys; from tests.notifications.test_live_processes import notify_elsewhere;"
            "notify_elsewhere(sys.argv[1], int(sys.argv[2]), sys.argv[3])"
        )
        redis_url = str(app.config["REDIS_URL"])
        subprocess.run(  # this interpreter, our own code
            [sys.executable, "-c", code, str(instance), str(user_id), redis_url],
            cwd=ROOT,
            check=True,
            timeout=60,
        )
        announced = time.monotonic()
        frame = next_frame(chunks)
        took = time.monotonic() - announced
        assert frame == ("unread", {"unreadCount": 1})
        return took
    finally:
        response.close()
        with app.app_context():
            db.engine.dispose()


def test_without_redis_an_open_stream_polls_what_a_worker_made(instance, monkeypatch):
    monkeypatch.setattr(stream, "POLL_SECONDS", 1.0)
    app = make_site(instance, 60)
    assert watch_while_another_process_notifies(app, instance, "polled") < 5


def test_with_redis_any_process_wakes_the_stream_at_once(instance, monkeypatch):
    require_service("Redis", bool(REDIS_URL), "set INKSTONE_TEST_REDIS_URL=redis://…")
    # With pub/sub a stream re-reads only when told (or at a keep-alive): a minute here.
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 60.0)
    monkeypatch.setattr(stream, "POLL_SECONDS", 60.0)  # and no polling to fall back on
    app = make_site(instance, 20, REDIS_URL=REDIS_URL)
    assert watch_while_another_process_notifies(app, instance, "pushed") < 3


def test_frames_are_one_line_of_json(instance):
    # What EventSource's data field needs: a multi-line payload would arrive cut.
    app = make_site(instance, 0)
    _, headers = make_reader(app, "oneline")
    body = app.test_client().get("/api/v1/notifications/events", headers=headers).get_data(True)
    data = [line for line in body.splitlines() if line.startswith("data: ")]
    assert [json.loads(line[6:]) for line in data] == [{"unreadCount": 0}]
    with app.app_context():
        db.engine.dispose()
