"""Expired web sessions leave the database: hourly by beat, or now by ``flask session_cleanup``."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import structlog
from celery.schedules import crontab
from sqlalchemy import select
from structlog.testing import capture_logs

from inkstone import create_app
from inkstone.auth.session_cleanup import PURGE_TASK, purge_expired_sessions
from inkstone.core.db import utcnow
from inkstone.core.session_store import WebSession
from inkstone.extensions import db
from tests.conftest import app_config

# A Redis that is never reached: the task must not need it to know it has nothing to do.
UNREACHED_REDIS = "redis://127.0.0.1:9/0"


def _store(*, expired: int = 0, live: int = 0) -> tuple[dict[str, datetime], set[str]]:
    """Store web sessions that expired hours ago and ones still good; return their ids."""
    now = utcnow()
    gone: dict[str, datetime] = {}
    good: set[str] = set()
    for n in range(expired + live):
        sid = f"session:{secrets.token_urlsafe(32)}"
        stamp = now - timedelta(hours=n + 1) if n < expired else now + timedelta(hours=n)
        db.session.add(WebSession(session_id=sid, data=b"\x80", expires_at=stamp))
        if n < expired:
            gone[sid] = stamp
        else:
            good.add(sid)
    db.session.commit()
    return gone, good


def _stored() -> set[str]:
    return set(db.session.scalars(select(WebSession.session_id)))


@contextmanager
def _info_logs() -> Iterator[list[dict[str, Any]]]:
    """Capture the log events of the block, info level included (tests log warnings only)."""
    wrapper = structlog.get_config()["wrapper_class"]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    try:
        with capture_logs() as logs:
            yield logs
    finally:
        structlog.configure(wrapper_class=wrapper)


def test_the_beat_task_removes_expired_sessions_keeps_live_ones_and_says_how_many(app, app_ctx):
    expired, live = _store(expired=5, live=3)
    before = _stored()
    task = app.extensions["celery"].tasks[PURGE_TASK]
    with _info_logs() as logs:
        removed = task.apply().get()
    assert removed == 5
    assert _stored() == before - set(expired)
    assert live <= _stored()
    assert any(e["event"] == "auth.sessions_purged" and e["removed"] == 5 for e in logs)


def test_a_session_expiring_this_instant_goes_and_one_a_second_later_stays(app, app_ctx):
    now = utcnow()
    db.session.add(WebSession(session_id="session:now", data=b"\x80", expires_at=now))
    later = now + timedelta(seconds=1)
    db.session.add(WebSession(session_id="session:later", data=b"\x80", expires_at=later))
    db.session.commit()
    purge_expired_sessions(max_batches=None)
    assert "session:now" not in _stored()
    assert "session:later" in _stored()


def test_each_run_deletes_a_bounded_number_oldest_first_and_the_next_run_goes_on(app, app_ctx):
    expired, _live = _store(expired=5, live=1)
    assert purge_expired_sessions(batch_size=2, max_batches=2) == 4
    # The one left is the one that expired last (an hour ago, the most recent of them).
    assert _stored() & set(expired) == {max(expired, key=expired.__getitem__)}
    assert purge_expired_sessions(batch_size=2, max_batches=2) == 1
    assert _stored() & set(expired) == set()


def test_flask_session_cleanup_removes_every_expired_session_at_once(app, app_ctx, cli_runner):
    expired, live = _store(expired=3, live=1)
    result = cli_runner.invoke(args=["session_cleanup"])
    assert result.exit_code == 0, result.output
    assert "Removed 3 expired web sessions." in result.output
    assert _stored() & set(expired) == set()
    assert live <= _stored()


def test_beat_runs_the_purge_every_hour_and_the_worker_knows_the_task(app):
    celery_app = app.extensions["celery"]
    entry = celery_app.conf.beat_schedule["purge-web-sessions"]
    assert entry["task"] == PURGE_TASK == "inkstone.auth.purge_sessions"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert len(schedule.minute) == 1  # once an hour…
    assert schedule.hour == set(range(24))  # …every hour
    assert "inkstone.auth.session_cleanup" in celery_app.conf.include
    assert PURGE_TASK in celery_app.tasks


def test_on_the_redis_backend_both_leave_the_database_alone(app, db, tmp_path, database_url):
    scaled = create_app(app_config(tmp_path, database_url, REDIS_URL=UNREACHED_REDIS))
    assert scaled.config["SESSION_BACKEND"] == "redis"
    try:
        with app.app_context():
            expired, _live = _store(expired=2)
        with scaled.app_context():
            assert scaled.extensions["celery"].tasks[PURGE_TASK].apply().get() == 0
        result = scaled.test_cli_runner().invoke(args=["session_cleanup"])
        assert result.exit_code == 0, result.output
        assert "kept in Redis" in result.output
        with app.app_context():
            assert set(expired) <= _stored()  # the database's rows are no business of Redis's
    finally:
        with scaled.app_context():
            db.engine.dispose()
